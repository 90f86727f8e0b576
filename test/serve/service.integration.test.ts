import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../src/build/engine/api.js';
import { imageRef } from '../../src/build/images.js';
import { run } from '../../src/core/exec.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { buildCli } from '../reliability/tick-project.js';

/**
 * The service left alone: `freshet serve` with a 5-second schedule watches the (mirrored)
 * libtasn1 upstream, publishes 4.20.0 by itself; then 4.21.0 appears on the mirror and, with no
 * command, the service watches, builds, gates and publishes it, and a clean Debian 12 container
 * installs it from the archive the service serves. Prints the time from the release appearing to
 * the install succeeding.
 */
const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'src/cli/bin.js');
const SERVICE_DEADLINE_MS = 60 * 60_000;
/** Nothing listens here (TCP port 9, discard): hello's upstream is unreachable. */
const DOWN_PORT = 9;
let project = '';
let mirrorDir = '';
let held = '';
let config = '';
let mirror: RunningServer | undefined;
let serve: ResultPromise | undefined;
let url = '';
let serveLog = '';

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 60_000} minutes; freshet serve said:\n${serveLog.slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function servedPackages(): Promise<string> {
  const response = await fetch(`${url}dists/bookworm/main/binary-amd64/Packages`).catch(() => undefined);
  return response?.ok ? await response.text() : '';
}

const hasVersion = (packages: string, version: string) => packages.includes(`Package: libtasn1-bin\n`) && packages.includes(`Version: ${version}-0~deb12+freshet1\n`);

beforeAll(async () => {
  await buildCli();
  project = mkdtempSync(path.join(os.tmpdir(), 'freshet-service-'));
  mirrorDir = path.join(project, 'mirror');
  await fillMirror(mirrorDir, manifestFiles(loadMirrorManifest(), ['libtasn1']));
  // 4.21.0 is not out yet: kept aside until the test releases it.
  held = path.join(project, 'held');
  mkdirSync(held);
  const upstreamDir = path.join(mirrorDir, 'ftp.gnu.org/gnu/libtasn1');
  for (const file of ['libtasn1-4.21.0.tar.gz', 'libtasn1-4.21.0.tar.gz.sig']) renameSync(path.join(upstreamDir, file), path.join(held, file));
  mirror = await listen(createStaticHandler({ root: mirrorDir, listings: true }), '127.0.0.1', 0);

  mkdirSync(path.join(project, 'recipes'));
  cpSync(path.join(repo, 'recipes/libtasn1.yaml'), path.join(project, 'recipes/libtasn1.yaml'));
  // hello's upstream is down for the whole test (case 56).
  cpSync(path.join(repo, 'recipes/hello.yaml'), path.join(project, 'recipes/hello.yaml'));
  cpSync(path.join(repo, 'recipes/hello'), path.join(project, 'recipes/hello'), { recursive: true });
  const base = readFileSync(path.join(repo, 'freshet.config.yaml'), 'utf8').split('\nrewrites:')[0]!;
  config = path.join(project, 'freshet.config.yaml');
  writeFileSync(
    config,
    `${base
      .replace('state: var/state', `state: ${path.join(project, 'state')}`)
      .replace('archive: var/archive', `archive: ${path.join(project, 'archive')}`)
      // One Debian suite is what this test is about.
      .replace('codename: trixie\n', 'codename: trixie\n    enabled: false\n')
      .replace('codename: debian-12-rpm\n', 'codename: debian-12-rpm\n    enabled: false\n')}
schedule:
  interval: 5s
  jitter: 0%
rewrites:
  - from: https://ftp.gnu.org/gnu/hello/
    to: http://127.0.0.1:${DOWN_PORT}/hello/
  - from: https://ftp.gnu.org/
    to: ${mirror.url}ftp.gnu.org/
allowHosts:
  - ${new URL(mirror.url).host}
  - 127.0.0.1:${DOWN_PORT}
  # As in the bundled config: Debian's mirror, reached here through a documentation-range address.
  - deb.debian.org:80
`,
  );
  const key = await run(process.execPath, [cli, '--config', config, 'key', 'create'], { allowFailure: true, cwd: project });
  expect(key.exitCode, key.tail).toBe(0);
}, 600_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await serve;
  }
  await mirror?.close();
  if (project) {
    await stopAgent(gnupgHome(path.join(project, 'state')));
    rmSync(project, { recursive: true, force: true });
  }
});

describe('freshet serve as a service', () => {
  it('publishes a new upstream release that appears on the mirror without any command, and apt installs it', async () => {
    const port = 19000 + (process.pid % 1000);
    url = `http://127.0.0.1:${port}/`;
    serve = execa(process.execPath, [cli, '--config', config, 'serve', '--listen', `127.0.0.1:${port}`], { cwd: project, reject: false, all: true });
    serve.all!.on('data', (chunk: Buffer) => {
      serveLog += chunk.toString();
    });

    // Left alone, the service watches, builds, gates and publishes the newest release it sees.
    await waitFor(async () => hasVersion(await servedPackages(), '4.20.0'), SERVICE_DEADLINE_MS, 'libtasn1 4.20.0 published by the service');

    // Upstream releases 4.21.0; from here the test only waits and reads.
    for (const file of ['libtasn1-4.21.0.tar.gz', 'libtasn1-4.21.0.tar.gz.sig']) cpSync(path.join(held, file), path.join(mirrorDir, 'ftp.gnu.org/gnu/libtasn1', file));
    const released = Date.now();
    const logMark = serveLog.length;
    let queued: number | undefined;
    await waitFor(
      async () => {
        queued ??= serveLog.slice(logMark).includes('scheduled run (recipe=libtasn1 priority=release') ? Date.now() : undefined;
        return hasVersion(await servedPackages(), '4.21.0');
      },
      SERVICE_DEADLINE_MS,
      'libtasn1 4.21.0 published by the service',
    );
    const published = Date.now();

    const client = mkdtempSync(path.join(os.tmpdir(), 'freshet-service-client-'));
    try {
      writeFileSync(path.join(client, 'freshet.gpg'), Buffer.from(await (await fetch(`${url}freshet-archive-keyring.gpg`)).arrayBuffer()));
      writeFileSync(path.join(client, 'freshet.sources'), `Types: deb\nURIs: ${url}\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/freshet.gpg\n`);
      const script = [
        'set -e',
        'install -d /etc/apt/keyrings && install -m 0644 /client/freshet.gpg /etc/apt/keyrings/freshet.gpg',
        'cp /client/freshet.sources /etc/apt/sources.list.d/',
        'apt-get update 2>&1',
        'DEBIAN_FRONTEND=noninteractive apt-get install -y -q libtasn1-bin >/dev/null',
        "dpkg-query -W -f='installed ${Version}\\n' libtasn1-bin",
        'asn1Parser --version | head -1',
      ].join('\n');
      const result = await getEngine('podman').run(
        {
          image: imageRef.base('debian-12'),
          command: ['sh', '-c', script],
          name: `freshet-service-client-${process.pid}`,
          network: 'host',
          mounts: [{ source: client, target: '/client', readonly: true }],
          capabilities: 'default',
        },
        { allowFailure: true },
      );
      expect(result.exitCode, result.tail).toBe(0);
      expect(result.stdout).not.toMatch(/^(W|E|Err):/m);
      expect(result.stdout).toContain('installed 4.21.0-0~deb12+freshet1');
      expect(result.stdout).toMatch(/asn1Parser \(libtasn1\) 4\.21\.0/);
    } finally {
      rmSync(client, { recursive: true, force: true });
    }
    const installed = Date.now();
    const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
    process.stdout.write(
      `service: after 4.21.0 appeared on the mirror: run queued ${seconds(queued! - released)}, published ${seconds(published - released)}, apt-get install succeeded ${seconds(installed - released)}\n`,
    );
    // The runs came from the schedule, not from any command or hook.
    expect(queued).toBeDefined();
    expect(serveLog).not.toMatch(/webhook accepted/);
  }, 2 * SERVICE_DEADLINE_MS + 600_000);

  it('case 56: an upstream that cannot be reached does not stop the schedule: its recipe is checked again each interval, the others are built', async () => {
    // The run above published libtasn1 twice while hello's upstream refused every connection.
    const failedChecks = serveLog.split('\n').filter((line) => line.includes('upstream check failed') && line.includes('recipe=hello'));
    expect(failedChecks.length, serveLog.slice(-4000)).toBeGreaterThanOrEqual(2);
    type Status = { recipes: Array<{ name: string; check: { ok: boolean; error: string | null } | null; nextCheckAt?: string | null }> };
    const status = (await (await fetch(`${url}status.json`)).json()) as Status;
    const hello = status.recipes.find((recipe) => recipe.name === 'hello')!;
    expect(hello.check).toMatchObject({ ok: false });
    expect(hello.nextCheckAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(hello.check!.error).toBeTruthy();
    expect(serve!.exitCode).toBeNull();
  });
});

