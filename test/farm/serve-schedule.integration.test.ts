import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/core/exec.js';
import { SCHEDULE_QUEUE, SCHEDULER_ID } from '../../src/farm/coordinator/scheduler.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { buildCli } from '../reliability/tick-project.js';
import { cleanupAll, cliBin, freePort, startRedis, type RedisServer } from './harness.js';

/**
 * `freshet serve` with `queue:` in the config schedules on Redis: its ticks are the BullMQ job
 * scheduler every coordinator shares, and a SIGTERM closes its connections so the process ends.
 * hello's upstream is unreachable (TCP port 9): each check fails at once, which is all the
 * schedule needs to show.
 */
const repo = path.join(import.meta.dirname, '../..');
const DOWN_PORT = 9;
let project = '';
let redis: RedisServer;
let serve: ResultPromise | undefined;
let serveLog = '';

beforeAll(async () => {
  await buildCli();
  project = mkdtempSync(path.join(os.tmpdir(), 'freshet-farm-serve-'));
  redis = await startRedis({ dir: path.join(project, 'redis') });
  mkdirSync(path.join(project, 'recipes'));
  cpSync(path.join(repo, 'recipes/hello.yaml'), path.join(project, 'recipes/hello.yaml'));
  cpSync(path.join(repo, 'recipes/hello'), path.join(project, 'recipes/hello'), { recursive: true });
  const base = readFileSync(path.join(repo, 'freshet.config.yaml'), 'utf8').split('\nrewrites:')[0]!;
  writeFileSync(
    path.join(project, 'freshet.config.yaml'),
    `${base.replace('state: var/state', `state: ${path.join(project, 'state')}`).replace('archive: var/archive', `archive: ${path.join(project, 'archive')}`)}
schedule:
  interval: 2s
  jitter: 0%
queue: ${redis.url}
rewrites:
  - from: https://ftp.gnu.org/gnu/hello/
    to: http://127.0.0.1:${DOWN_PORT}/hello/
allowHosts:
  - 127.0.0.1:${DOWN_PORT}
`,
  );
  const key = await run(process.execPath, [cliBin, '--config', path.join(project, 'freshet.config.yaml'), 'key', 'create'], { allowFailure: true, cwd: project });
  expect(key.exitCode, key.tail).toBe(0);
}, 600_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGKILL');
    await serve.catch(() => undefined);
  }
  await cleanupAll();
  if (project) {
    await stopAgent(gnupgHome(path.join(project, 'state')));
    rmSync(project, { recursive: true, force: true });
  }
});

describe('freshet serve with queue: (farm mode)', () => {
  it('ticks through the job scheduler on Redis, checks recipes on it, and ends cleanly on SIGTERM', async () => {
    const port = await freePort();
    serve = execa(process.execPath, [cliBin, '--config', path.join(project, 'freshet.config.yaml'), 'serve', '--listen', `127.0.0.1:${port}`], { cwd: project, all: true, reject: false });
    serve.all!.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
    const checks = () => serveLog.split('\n').filter((line) => line.includes('upstream check failed') && line.includes('recipe=hello')).length;
    // Checked at once (never checked before), then again an interval later: two ticks at least.
    await vi.waitFor(() => expect(checks(), serveLog.slice(-3000)).toBeGreaterThanOrEqual(2), { timeout: 120_000, interval: 500 });
    expect(serveLog).toContain('farm schedule started');
    // The schedule is in Redis, where a second coordinator finds it, with the tick serve derives from the interval.
    expect(await redis.command(['HGET', `bull:${SCHEDULE_QUEUE}:repeat:${SCHEDULER_ID}`, 'every'])).toBe('1000');
    serve.kill('SIGTERM');
    const result = await serve;
    expect(result.exitCode, serveLog.slice(-3000)).toBe(0);
    expect(serveLog).toContain('shutting down');
  });
});
