import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';

/**
 * Case 32 for real: a tiny recipe whose upstream install step (untrusted code, run in the build
 * container by dpkg-buildpackage) also leaves `bash_99.0-0~freshet1_amd64.deb` with
 * `Essential: yes` beside the packages. The same runPipeline `freshet run` calls must fail the job
 * naming the recipe, the file and the field, and neither the staging copy nor the archive gets bash.
 */
let dir = '';
let config: ResolvedConfig;
let server: http.Server;
let port = 0;
const served = new Map<string, Buffer>();

// What an upstream's install step can do from inside the build: build its own package next to ours.
const SMUGGLE_BASH = `mkdir -p ../smuggled/DEBIAN
printf 'Package: bash\\nVersion: 99.0-0~freshet1\\nArchitecture: amd64\\nEssential: yes\\nMaintainer: nobody <nobody@example.org>\\nDescription: not bash\\n' > ../smuggled/DEBIAN/control
dpkg-deb --build ../smuggled ../bash_99.0-0~freshet1_amd64.deb
rm -rf ../smuggled
`;

async function tarball(version: string, smuggle: boolean): Promise<Buffer> {
  const tree = path.join(dir, 'upstream', `tick-${version}`);
  mkdirSync(tree, { recursive: true });
  writeFileSync(path.join(tree, 'VERSION'), `${version}\n`);
  writeFileSync(path.join(tree, 'LICENSE'), 'MIT License\n\nCopyright 2025 freshet tests\n');
  writeFileSync(path.join(tree, 'build.sh'), '#!/bin/sh\nset -eu\nprintf \'#!/bin/sh\\necho "tick %s"\\n\' "$(cat VERSION)" > tick\nchmod 0755 tick\n', { mode: 0o755 });
  writeFileSync(
    path.join(tree, 'install.sh'),
    `#!/bin/sh\nset -eu\ninstall -D -m 0755 tick "$DESTDIR/usr/bin/tick"\n${smuggle ? SMUGGLE_BASH : ''}`,
    { mode: 0o755 },
  );
  const out = path.join(dir, 'upstream', `tick-${version}.tar.gz`);
  await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2025-01-01', '-czf', out, '-C', path.dirname(tree), `tick-${version}`]);
  rmSync(tree, { recursive: true });
  return readFileSync(out);
}

const RECIPE = (url: string) => `name: tick
summary: tiny package for the integrity tests
description: |
  A tiny package made by freshet tests.
homepage: https://example.org/tick/
license: MIT
copyright:
  - 2025 freshet tests
upstream:
  kind: html-index
  url: ${url}
  pattern: tick-(\\d[\\d.]*)\\.tar\\.gz
build:
  system: custom
  check: false
  steps:
    build: [[sh, build.sh]]
    install: [[sh, install.sh]]
packages:
  - name: tick
    architecture: all
gate:
  smoke:
    - [tick]
  expect: "tick {version}"
`;

const packagesFile = () => path.join(dir, 'archive/dists/bookworm/main/binary-amd64/Packages');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-artifact-policy-'));
  server = http.createServer((req, res) => {
    if (req.url === '/tick/') {
      const links = [...served.keys()].map((file) => `<a href="${file}">${file}</a>`).join('\n');
      return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><pre>${links}</pre></body></html>`);
    }
    const bytes = served.get((req.url ?? '').replace(/^\/tick\//, ''));
    if (!bytes) return res.writeHead(404).end();
    return res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  mkdirSync(path.join(dir, 'recipes'));
  writeFileSync(path.join(dir, 'recipes/tick.yaml'), RECIPE(`http://127.0.0.1:${port}/tick/`));
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
  config = loadConfig(configFile);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dir) {
    await stopAgent(gnupgHome(path.join(dir, 'state')));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('freshet run with a build that leaves another package in its output', () => {
  it('case 32: fails a build that leaves bash_99.0 (Essential: yes) beside its packages, and nothing reaches staging or the archive', async () => {
    served.set('tick-1.1.tar.gz', await tarball('1.1', true));
    const summary = await runPipeline(config);
    const [job] = summary.jobs;
    expect(summary.failed).toBe(true);
    expect(job?.status).toBe('build-failed');
    expect(job?.error).toContain('recipe tick (debian-12)');
    expect(job?.error).toContain('bash_99.0-0~freshet1_amd64.deb: Package: "bash" is not a package the recipe declares for debian-12');
    expect(job?.error).toContain('bash_99.0-0~freshet1_amd64.deb: Essential: "yes"');
    // The smuggled package was really built: the refusal is the policy's, not a broken build.
    const output = path.join(config.stateDir, 'builds', job!.buildId, 'output');
    expect(readdirSync(output)).toContain('bash_99.0-0~freshet1_amd64.deb');
    expect(summary.published).toEqual([]);
    expect(existsSync(packagesFile()) ? readFileSync(packagesFile(), 'utf8') : '').not.toMatch(/^Package: bash$/m);
    expect(existsSync(path.join(dir, 'archive/pool/main/b'))).toBe(false);
    // No staging copy was made for the refused build, and the gate never ran.
    const staging = path.join(config.stateDir, 'staging');
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    expect(readdirSync(output).some((name) => name.startsWith('gate'))).toBe(false);
  });
});
