import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { buildCli, cli } from './cli-publish.js';
import { artifact, debWithControl, signedProject, type SignedProject } from './fixtures.js';

/**
 * `freshet publish` of build-result files (case 32): the files are checked against the recipe the
 * result names, in this project, for its target and planned version, as `freshet run` checks them.
 */
let dir: string;
let config: ResolvedConfig;
let project: SignedProject;
const VERSION = '2.12.3-0~deb12+freshet1';

/** A result file for `recipe` holding one .deb with these control fields (dpkg-deb builds it). */
async function resultWith(name: string, recipe: string, fields: string[]): Promise<string> {
  mkdirSync(path.join(dir, name));
  const deb = await debWithControl(path.join(dir, name, `${recipe}_${VERSION}_amd64.deb`), fields);
  const file = path.join(dir, `${name}.result.json`);
  const now = new Date().toISOString();
  const result = { jobId: name, recipe, targetId: 'debian-12', packageVersion: VERSION, status: 'ok', artifacts: [artifact(deb, 'deb')], logFile: '', startedAt: now, finishedAt: now };
  writeFileSync(file, JSON.stringify(result));
  return file;
}

beforeAll(async () => {
  await buildCli();
  project = await signedProject('freshet-cli-policy-');
  ({ dir, config } = project);
  cpSync('recipes/hello.yaml', path.join(config.recipesDir, 'hello.yaml'));
  cpSync('recipes/hello', path.join(config.recipesDir, 'hello'), { recursive: true });
});

afterAll(() => project?.remove());

describe('freshet publish checks build results against their recipe', () => {
  it('case 32: refuses a build result of hello whose .deb says Source: bash and Essential: yes; nothing is published', async () => {
    const result = await resultWith('essential', 'hello', ['Package: hello', 'Source: bash', `Version: ${VERSION}`, 'Architecture: amd64', 'Essential: yes']);
    const published = await cli(config.file, ['publish', result]);
    expect(published.exitCode, published.tail).toBe(1);
    expect(published.stderr).toMatch(/recipe hello \(debian-12\): build output refused, nothing was staged or published: .*Source: "bash" is not the recipe's source hello/);
    expect(published.stderr).toMatch(/Essential: "yes": a recipe cannot declare Essential/);
    expect(existsSync(path.join(config.archiveDir, 'dists/bookworm'))).toBe(false);
  });

  it('case 32: refuses a build result whose recipe is not in the project, naming the file and the recipe', async () => {
    const result = await resultWith('stray', 'bash', ['Package: bash', `Version: ${VERSION}`, 'Architecture: amd64']);
    const published = await cli(config.file, ['publish', result]);
    expect(published.exitCode, published.tail).toBe(1);
    expect(published.stderr).toContain(`${result}: no recipe "bash" in`);
    expect(published.stderr).toContain("freshet publish only publishes builds of this project's recipes");
    expect(existsSync(path.join(config.archiveDir, 'dists/bookworm'))).toBe(false);
  });

  it('publishes a build result whose .deb is what the recipe declares', async () => {
    const result = await resultWith('clean', 'hello', ['Package: hello', `Version: ${VERSION}`, 'Architecture: amd64']);
    const published = await cli(config.file, ['publish', result]);
    expect(published.exitCode, published.tail).toBe(0);
    expect(existsSync(path.join(config.archiveDir, `pool/main/h/hello/hello_${VERSION}_amd64.deb`))).toBe(true);
  });
});
