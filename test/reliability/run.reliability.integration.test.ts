import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { OWNER_LABEL, RUN_LABEL } from '../../src/build/labels.js';
import { run, type RunResult } from '../../src/core/exec.js';
import { field } from '../../src/publish/apt/deb822.js';
import { parseRelease, parseReleaseDate } from '../../src/publish/apt/release.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';

/**
 * `freshet run` end to end on a temporary project: one tiny recipe (custom build system) whose
 * upstream is a loopback server, one Debian target. Covers RELIABILITY cases 9 (re-served bytes),
 * 22 (freshet SIGKILLed mid-build), 25 (key near expiry: warnings) and 28 (re-signing keeps
 * Valid-Until ahead), each checked with `freshet verify`.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const freshet = path.join(repo, 'src/cli/bin.js');
let dir = '';
let configFile = '';
let server: http.Server;
let port = 0;
/** What the upstream serves: file name → bytes. */
const served = new Map<string, Buffer>();

async function tarball(version: string, delaySeconds: number, note = ''): Promise<Buffer> {
  const tree = path.join(dir, 'upstream', `tick-${version}`);
  mkdirSync(tree, { recursive: true });
  writeFileSync(path.join(tree, 'VERSION'), `${version}\n`);
  writeFileSync(path.join(tree, 'delay'), `${delaySeconds}\n`);
  writeFileSync(path.join(tree, 'README'), `tick ${version}\n${note}\n`);
  writeFileSync(path.join(tree, 'LICENSE'), 'MIT License\n\nCopyright 2025 freshet tests\n');
  writeFileSync(
    path.join(tree, 'build.sh'),
    '#!/bin/sh\nset -eu\nsleep "$(cat delay)"\nprintf \'#!/bin/sh\\necho "tick %s"\\n\' "$(cat VERSION)" > tick\nchmod 0755 tick\n',
    { mode: 0o755 },
  );
  writeFileSync(path.join(tree, 'install.sh'), '#!/bin/sh\nset -eu\ninstall -D -m 0755 tick "$DESTDIR/usr/bin/tick"\n', { mode: 0o755 });
  const out = path.join(dir, 'upstream', `tick-${version}.tar.gz`);
  await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2025-01-01', '-czf', out, '-C', path.dirname(tree), `tick-${version}`]);
  rmSync(tree, { recursive: true });
  return readFileSync(out);
}

function recipeYaml(description: string): string {
  return [
    'name: tick',
    'summary: tiny package for the reliability tests',
    'description: |',
    `  ${description}`,
    'homepage: https://example.org/tick/',
    'license: MIT',
    'copyright:',
    '  - 2025 freshet tests',
    'upstream:',
    '  kind: html-index',
    `  url: http://127.0.0.1:${port}/tick/`,
    '  pattern: tick-(\\d[\\d.]*)\\.tar\\.gz',
    'build:',
    '  system: custom',
    '  check: false',
    '  steps:',
    '    build: [[sh, build.sh]]',
    '    install: [[sh, install.sh]]',
    'packages:',
    '  - name: tick',
    '    architecture: all',
    'gate:',
    '  smoke:',
    '    - [tick]',
    '  expect: "tick {version}"',
    '',
  ].join('\n');
}

function cli(args: string[], logFile?: string): Promise<RunResult> {
  return run('node', [freshet, '--config', configFile, ...args], { allowFailure: true, timeoutMs: 20 * 60_000, logFile });
}

const suiteFile = (name: string) => path.join(dir, 'archive/dists/bookworm', name);
const packagesList = () => readFileSync(suiteFile('main/binary-amd64/Packages'), 'utf8');
const releaseDates = () => {
  const release = parseRelease(readFileSync(suiteFile('Release'), 'utf8'));
  return { date: parseReleaseDate(field(release, 'Date'))!, validUntil: parseReleaseDate(field(release, 'Valid-Until'))! };
};
const tickContainers = async () => (await podman.listContainers(RUN_LABEL)).filter((container) => container.name.startsWith('freshet-build-tick_'));

async function verified(): Promise<RunResult> {
  const result = await cli(['verify']);
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stdout).toContain('archive OK');
  return result;
}

beforeAll(async () => {
  const build = await run('npm', ['run', 'build'], { cwd: repo, allowFailure: true, timeoutMs: 300_000 });
  expect(existsSync(path.join(repo, 'dist/cli/main.js')), build.tail).toBe(true);
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-run-reliability-'));
  server = http.createServer((req, res) => {
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
  port = (server.address() as AddressInfo).port;
  mkdirSync(path.join(dir, 'recipes'));
  writeFileSync(path.join(dir, 'recipes/tick.yaml'), recipeYaml('A tiny package made by freshet tests.'));
  configFile = path.join(dir, 'freshet.config.yaml');
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
  // A key that expires in 10 days: within the 30-day warning window (case 25).
  const key = await cli(['key', 'create', '--expire', '10d']);
  expect(key.exitCode, key.stderr).toBe(0);
  served.set('tick-1.0.tar.gz', await tarball('1.0', 0));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dir) {
    await stopAgent(gnupgHome(path.join(dir, 'state')));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('freshet run under faults', () => {
  it('publishes a release, and warns on every run, verify and key status that the archive key expires soon', async () => {
    const first = await cli(['run']);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toMatch(/tick debian-12 1\.0-\S+: published/);
    expect(first.stderr).toMatch(/archive signing key expires soon/);
    expect(packagesList()).toMatch(/^Package: tick\nVersion: 1\.0-/m);

    const verify = await verified();
    expect(verify.stderr).toMatch(/warn: archive key expires soon \(fingerprint=[0-9A-F]{40} .*daysLeft=(9|10)/);
    const status = await cli(['key', 'status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^expiring-soon: key [0-9A-F]{40} expires on .* \((9|10) days left\)/);
  });

  it('re-signs a suite with nothing new: Date and Valid-Until move forward and the archive verifies (case 28)', async () => {
    const before = releaseDates();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const again = await cli(['run']);
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain('re-signed bookworm (nothing new)');
    expect(again.stdout).toContain('0 builds, 0 published');
    const after = releaseDates();
    expect(after.date.getTime()).toBeGreaterThan(before.date.getTime());
    expect(after.validUntil.getTime()).toBeGreaterThan(before.validUntil.getTime());
    expect(after.validUntil.getTime() - after.date.getTime()).toBe(7 * 86_400_000);
    await verified();
  });

  it('SIGKILL mid-build: nothing partial goes live, the next run removes the container and builds the job again (case 22)', async () => {
    served.set('tick-1.1.tar.gz', await tarball('1.1', 20));
    const logFile = path.join(dir, 'killed-run.log');
    writeFileSync(logFile, '');
    const killed = cli(['run'], logFile);
    let container: Awaited<ReturnType<typeof tickContainers>>[number] | undefined;
    for (let waited = 0; waited < 600_000 && !container; waited += 500) {
      container = (await tickContainers()).find((candidate) => candidate.name.includes('_1.1_'));
      if (!container) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(container, readFileSync(logFile, 'utf8')).toBeDefined();
    const pid = Number(container!.labels[OWNER_LABEL]!.split(':')[0]);
    process.kill(pid, 'SIGKILL');
    const outcome = await killed;
    expect(outcome.exitCode).not.toBe(0);
    // The container outlives the killed freshet; the archive still serves 1.0 only and verifies.
    expect((await podman.listContainers(RUN_LABEL)).map((c) => c.name)).toContain(container!.name);
    expect(packagesList()).not.toMatch(/Version: 1\.1-/);
    await verified();

    const next = await cli(['--json', 'run']);
    expect(next.exitCode, `${next.stdout}\n${next.stderr}`).toBe(0);
    expect(next.stderr).toContain('removing containers left by an earlier freshet run');
    expect((await podman.listContainers(RUN_LABEL)).map((c) => c.name)).not.toContain(container!.name);
    const summary = JSON.parse(next.stdout) as { plan: Array<{ kind: string; why?: string; upstreamVersion?: string }>; jobs: Array<{ status: string }> };
    const build = summary.plan.find((entry) => entry.kind === 'build');
    expect(build?.upstreamVersion).toBe('1.1');
    expect(build?.why).toMatch(/interrupted/);
    expect(summary.jobs.map((job) => job.status)).toEqual(['published']);
    expect(packagesList()).toMatch(/^Package: tick\nVersion: 1\.1-/m);
    await verified();
  });

  it('refuses a release re-served with other bytes before any build, and reports it (case 9)', async () => {
    const published = packagesList();
    served.set('tick-1.1.tar.gz', await tarball('1.1', 0, 'sneaky change'));
    // Force a new fetch: drop the tarball cache and change the recipe, so 1.1 is built again.
    rmSync(path.join(dir, 'state/cache'), { recursive: true, force: true });
    writeFileSync(path.join(dir, 'recipes/tick.yaml'), recipeYaml('A tiny package made by freshet tests, described anew.'));
    const refused = await cli(['run']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/tick debian-12 1\.1-\S+: failed: tick: upstream re-served version 1\.1 with different bytes/);
    // No build started: the job folder has no build log from a container.
    const buildsDir = path.join(dir, 'state/builds');
    const rebuilds = readdirSync(buildsDir).filter((name) => name.startsWith('tick_debian-12_1.1_r')).sort((a, b) => Number(a.split('_r')[1]) - Number(b.split('_r')[1]));
    const rebuild = path.join(buildsDir, rebuilds.at(-1)!);
    // The newest job is the refused one: a rebuild above the published one, with no build log.
    expect(rebuilds.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(path.join(rebuild, 'output/build.log'))).toBe(false);
    expect(packagesList()).toBe(published);
    await verified();
    // status.json keeps the refused job beside the still-served 1.1 (the cell stays `newest`).
    const status = await cli(['--json', 'status']);
    const builds = [...status.stdout.matchAll(/"status": "(\w+)",\s*"error": "([^"]*)"/g)].map((match) => [match[1], match[2]]);
    expect(builds).toContainEqual(['failed', expect.stringContaining('upstream re-served version 1.1 with different bytes')]);
  });
});
