import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { run, type RunResult } from '../../src/core/exec.js';
import { buildCli } from '../publish/cli-publish.js';
import { artifact, debWithControl, signedProject, type SignedProject } from '../publish/fixtures.js';

/**
 * What a CLI publish loads (issue 17): each module file is part of every call's fixed cost, so the
 * libraries a publish does not need stay off its path. A module hook prints each file the built
 * CLI loads; the packages under node_modules are what the tests look at.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const packageJson = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: { freshet: string } };
const freshet = path.join(repo, packageJson.bin.freshet);
const LOADED = 'freshet-test-loaded ';
const VERSION = '2.12.3-0~deb12+freshet1';

let project: SignedProject;
let config: ResolvedConfig;
let registerHook: string;

async function cliLoading(args: string[]): Promise<{ result: RunResult; packages: Set<string>; files: string[] }> {
  const result = await run('node', ['--import', registerHook, freshet, '--config', config.file, ...args], {
    // The validated-config cache of this project only, not the user's.
    env: { XDG_CACHE_HOME: path.join(project.dir, 'cache') },
    allowFailure: true,
    timeoutMs: 120_000,
  });
  const files = result.stderr.split('\n').filter((line) => line.startsWith(LOADED)).map((line) => line.slice(LOADED.length));
  const packages = new Set<string>();
  for (const file of files) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (match) packages.add(match[1]!);
  }
  return { result, packages, files };
}

beforeAll(async () => {
  await buildCli();
  project = await signedProject('freshet-cli-startup-');
  config = project.config;
  cpSync('recipes/hello.yaml', path.join(config.recipesDir, 'hello.yaml'));
  cpSync('recipes/hello', path.join(config.recipesDir, 'hello'), { recursive: true });
  const hooks = path.join(project.dir, 'hooks');
  mkdirSync(hooks);
  writeFileSync(
    path.join(hooks, 'print-loads.mjs'),
    `export async function load(url, context, nextLoad) {\n  process.stderr.write(${JSON.stringify(LOADED)} + url + '\\n');\n  return nextLoad(url, context);\n}\n`,
  );
  registerHook = path.join(hooks, 'register.mjs');
  writeFileSync(registerHook, "import { register } from 'node:module';\nregister('./print-loads.mjs', import.meta.url);\n");
});

afterAll(() => project?.remove());

describe('freshet publish start-up', () => {
  it('publishes a .deb whose control member is gzip without loading the xz decompressor, node-tar or the spec generator', async () => {
    mkdirSync(path.join(project.dir, 'gzip'));
    const deb = await debWithControl(path.join(project.dir, 'gzip', `hello_${VERSION}_amd64.deb`), ['Package: hello', `Version: ${VERSION}`, 'Architecture: amd64']);
    const resultFile = path.join(project.dir, 'hello.result.json');
    const now = new Date().toISOString();
    writeFileSync(resultFile, JSON.stringify({ jobId: 'gzip', recipe: 'hello', targetId: 'debian-12', packageVersion: VERSION, status: 'ok', artifacts: [artifact(deb, 'deb')], logFile: '', startedAt: now, finishedAt: now }));
    const { result, packages, files } = await cliLoading(['publish', resultFile]);
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).toMatch(/^bookworm: generation 1, \+1 -0/);
    expect([...packages].filter((name) => ['tar', 'xz-decompress'].includes(name))).toEqual([]);
    // The artifact policy needs the recipe's package names, not the deb and rpm templates' views.
    expect(files.filter((file) => file.includes('/dist/generate/'))).toEqual([]);
  });

  it('re-signs without loading the .deb reader\'s tar parser or decompressors, nor the config\'s yaml and zod', async () => {
    const { result, packages } = await cliLoading(['publish', '--resign']);
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).toMatch(/^bookworm: generation 2, \+0 -0/);
    expect([...packages].filter((name) => ['tar', 'xz-decompress', 'yaml', 'zod', 'execa'].includes(name))).toEqual([]);
  });
});
