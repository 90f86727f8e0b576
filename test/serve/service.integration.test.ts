import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptInstallFromArchive } from '../acceptance/install-client.js';
import * as tick from '../reliability/tick-project.js';

/**
 * The service left alone: `freshet serve` with a 5-second schedule watches tick's upstream (a
 * loopback site laid out like a release folder, test/reliability/tick-project.ts: a real
 * dpkg-buildpackage build of seconds), publishes 1.0 by itself; then 1.1 appears upstream and, with
 * no command, the service watches, builds, gates and publishes it, and a clean Debian 12 container
 * installs it from the archive the service serves. Prints the time from the release appearing to
 * the install succeeding.
 */
const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'src/cli/bin.js');
const SERVICE_DEADLINE_MS = 60 * 60_000;
/** Nothing listens here (TCP port 9, discard): hello's upstream is unreachable. */
const DOWN_PORT = 9;
let project: tick.TickProject | undefined;
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

const hasVersion = (packages: string, version: string) => packages.includes(`Package: tick\n`) && packages.includes(`Version: ${version}-0~deb12+freshet1\n`);

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-service-');
  project.served.set('tick-1.0.tar.gz', await tick.tarball(project, '1.0', 0));
  tick.writeRecipe(project, 'A tiny package that the service publishes by itself.');
  // hello's upstream is down for the whole test (case 56).
  cpSync(path.join(repo, 'recipes/hello.yaml'), path.join(project.dir, 'recipes/hello.yaml'));
  cpSync(path.join(repo, 'recipes/hello'), path.join(project.dir, 'recipes/hello'), { recursive: true });
  const config = JSON.parse(readFileSync(project.configFile, 'utf8')) as { allowHosts: string[] };
  writeFileSync(
    project.configFile,
    JSON.stringify({
      ...config,
      schedule: { interval: '5s', jitter: '0%' },
      rewrites: [{ from: 'https://ftp.gnu.org/gnu/hello/', to: `http://127.0.0.1:${DOWN_PORT}/hello/` }],
      allowHosts: [...config.allowHosts, `127.0.0.1:${DOWN_PORT}`],
    }),
  );
  const key = await tick.cli(project, ['key', 'create']);
  expect(key.exitCode, key.tail).toBe(0);
}, 600_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await serve;
  }
  await project?.close();
});

describe('freshet serve as a service', () => {
  it('publishes a new upstream release that appears on the mirror without any command, and apt installs it', async () => {
    const port = 19000 + (process.pid % 1000);
    url = `http://127.0.0.1:${port}/`;
    serve = execa(process.execPath, [cli, '--config', project!.configFile, 'serve', '--listen', `127.0.0.1:${port}`], { cwd: project!.dir, reject: false, all: true });
    serve.all!.on('data', (chunk: Buffer) => {
      serveLog += chunk.toString();
    });

    // Left alone, the service watches, builds, gates and publishes the newest release it sees.
    await waitFor(async () => hasVersion(await servedPackages(), '1.0'), SERVICE_DEADLINE_MS, 'tick 1.0 published by the service');

    // Upstream releases 1.1; from here the test only waits and reads.
    project!.served.set('tick-1.1.tar.gz', await tick.tarball(project!, '1.1', 0));
    const released = Date.now();
    const logMark = serveLog.length;
    let queued: number | undefined;
    await waitFor(
      async () => {
        queued ??= serveLog.slice(logMark).includes('scheduled run (recipe=tick priority=release') ? Date.now() : undefined;
        return hasVersion(await servedPackages(), '1.1');
      },
      SERVICE_DEADLINE_MS,
      'tick 1.1 published by the service',
    );
    const published = Date.now();

    const result = await aptInstallFromArchive({
      target: 'debian-12',
      url,
      suite: 'bookworm',
      keyring: Buffer.from(await (await fetch(`${url}freshet-archive-keyring.gpg`)).arrayBuffer()),
      pkg: 'tick',
      probe: 'tick',
      name: `freshet-service-client-${process.pid}`,
    });
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).not.toMatch(/^(W|E|Err):/m);
    expect(result.stdout).toContain('installed 1.1-0~deb12+freshet1');
    expect(result.stdout).toMatch(/^tick 1\.1$/m);
    const installed = Date.now();
    const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
    process.stdout.write(
      `service: after tick 1.1 appeared upstream: run queued ${seconds(queued! - released)}, published ${seconds(published - released)}, apt-get install succeeded ${seconds(installed - released)}\n`,
    );
    // The runs came from the schedule, not from any command or hook.
    expect(queued).toBeDefined();
    expect(serveLog).not.toMatch(/webhook accepted/);
  }, 2 * SERVICE_DEADLINE_MS + 600_000);

  it('case 56: an upstream that cannot be reached does not stop the schedule: its recipe is checked again each interval, the others are built', async () => {
    // The run above published tick twice while hello's upstream refused every connection.
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

