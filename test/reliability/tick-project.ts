import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { run, type RunResult } from '../../src/core/exec.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';

/**
 * A temporary freshet project for `freshet run` end to end: one tiny recipe (custom build system)
 * whose upstream is a loopback server, one Debian target, the built CLI run as a separate process.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const freshet = path.join(repo, 'src/cli/bin.js');

export interface TickProject {
  dir: string;
  configFile: string;
  port: number;
  /** What the upstream serves: file name → bytes. */
  served: Map<string, Buffer>;
  close(): Promise<void>;
}

/** Compile to dist/ so the tests run the current CLI; for a beforeAll. */
export async function buildCli(): Promise<void> {
  const build = await run('npm', ['run', 'build'], { cwd: repo, allowFailure: true, timeoutMs: 300_000 });
  expect(existsSync(path.join(repo, 'dist/cli/main.js')), build.tail).toBe(true);
}

export async function tickProject(prefix: string): Promise<TickProject> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const served = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/tick\//, '');
    if (req.url === '/tick/') {
      const links = [...served.keys()].map((file) => `<a href="${file}">${file}</a>`).join('\n');
      return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><pre>${links}</pre></body></html>`);
    }
    const bytes = served.get(name);
    if (!bytes) return res.writeHead(404).end();
    return res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  mkdirSync(path.join(dir, 'recipes'));
  const configFile = path.join(dir, 'freshet.config.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      recipes: 'recipes',
      archive: 'archive',
      state: 'state',
      maintainer: 'freshet tests <tests@localhost>',
      engine: 'podman',
      archiveInfo: { origin: 'freshet-test', label: 'freshet-test', validDays: 7, graceHours: 24, keep: 3 },
      targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }],
      allowHosts: [`127.0.0.1:${port}`],
    }),
  );
  return {
    dir,
    configFile,
    port,
    served,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopAgent(gnupgHome(path.join(dir, 'state')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An upstream tarball `<name>.tar.gz` of these files (`*.sh` executable), made reproducibly under the project. */
export async function pack(project: TickProject, name: string, files: Record<string, string>): Promise<Buffer> {
  const tree = path.join(project.dir, 'upstream', name);
  mkdirSync(tree, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(tree, file), text, { mode: file.endsWith('.sh') ? 0o755 : 0o644 });
  const out = `${tree}.tar.gz`;
  await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2025-01-01', '-czf', out, '-C', path.dirname(tree), name]);
  rmSync(tree, { recursive: true });
  return readFileSync(out);
}

export const LICENSE = 'MIT License\n\nCopyright 2025 freshet tests\n';

/** An upstream release of tick (or a program of another `name` made the same way) whose build sleeps `delaySeconds`. */
export function tarball(project: TickProject, version: string, delaySeconds: number, note = '', name = 'tick'): Promise<Buffer> {
  return pack(project, `${name}-${version}`, {
    VERSION: `${version}\n`,
    delay: `${delaySeconds}\n`,
    README: `${name} ${version}\n${note}\n`,
    LICENSE,
    'build.sh': `#!/bin/sh\nset -eu\nsleep "$(cat delay)"\nprintf '#!/bin/sh\\necho "${name} %s"\\n' "$(cat VERSION)" > ${name}\nchmod 0755 ${name}\n`,
    'install.sh': `#!/bin/sh\nset -eu\ninstall -D -m 0755 ${name} "$DESTDIR/usr/bin/${name}"\n`,
  });
}

/** The lines of a recipe `name` up to its upstream, which the project serves at /tick/. */
export function recipeHead(project: TickProject, name: string, summary: string, description: string): string[] {
  return [
    `name: ${name}`,
    `summary: ${summary}`,
    'description: |',
    `  ${description}`,
    'homepage: https://example.org/tick/',
    'license: MIT',
    'copyright:',
    '  - 2025 freshet tests',
    'upstream:',
    '  kind: html-index',
    `  url: http://127.0.0.1:${project.port}/tick/`,
    `  pattern: ${name}-(\\d[\\d.]*)\\.tar\\.gz`,
  ];
}

/** A recipe's build section for an upstream that ships build.sh and install.sh; `failing` adds a build step that fails. */
export function shellBuild(failing = false): string[] {
  return ['build:', '  system: custom', '  check: false', '  steps:', `    build: [[sh, build.sh]${failing ? ', ["false"]' : ''}]`, '    install: [[sh, install.sh]]'];
}

export function recipeYaml(project: TickProject, description: string, summary = 'tiny package for the reliability tests', name = 'tick'): string {
  return [
    ...recipeHead(project, name, summary, description),
    ...shellBuild(),
    'packages:',
    `  - name: ${name}`,
    '    architecture: all',
    'gate:',
    '  smoke:',
    `    - [${name}]`,
    `  expect: "${name} {version}"`,
    '',
  ].join('\n');
}

export function writeRecipe(project: TickProject, description: string, summary?: string): void {
  writeFileSync(path.join(project.dir, 'recipes/tick.yaml'), recipeYaml(project, description, summary));
}

/** The built CLI on this project; `logFile` takes its output as it comes, `env` adds variables. */
export function cli(project: TickProject, args: string[], options: { logFile?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return run('node', [freshet, '--config', project.configFile, ...args], { allowFailure: true, timeoutMs: 20 * 60_000, ...options });
}

export const suiteFile = (project: TickProject, name: string) => path.join(project.dir, 'archive/dists/bookworm', name);
export const packagesList = (project: TickProject) => readFileSync(suiteFile(project, 'main/binary-amd64/Packages'), 'utf8');

export async function verified(project: TickProject): Promise<RunResult> {
  const result = await cli(project, ['verify']);
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stdout).toContain('archive OK');
  return result;
}
