import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { farmSnapshot } from '../../src/farm/coordinator/farm-status.js';
import { hostArch, queueName } from '../../src/farm/protocol.js';
import { redisConnection } from '../../src/farm/redis.js';
import { StatusDocument, type FarmStatus } from '../../src/report/schema.js';
import { statusTable } from '../../src/report/terminal.js';
import { buildStatus, writeStatus } from '../../src/report/write.js';
import { buildCli } from '../reliability/tick-project.js';
import { makeFixture, type Fixture } from '../report/fixture.js';
import { startTestServer } from '../serve/start.js';
import { cleanupAll, freePort, runCli, startRedis, type CliProcess, type RedisServer } from './harness.js';

/**
 * The farm on the status page, in status.json, /metrics and `freshet status`, read from a real
 * redis-server: real BullMQ queues with jobs waiting, delayed, completed and failed, and real
 * `freshet worker` processes whose heartbeats the report reads. builder-1 holds a job: its
 * coordinator (a loopback server here, as slow as a coordinator can be) never answers the job's
 * first download, so the job stays active on it. builder-2 is killed (SIGKILL: no goodbye) and
 * must show lost once Redis expired its heartbeat; builder-3 is stopped with SIGTERM.
 */
let fixture: Fixture;
let redis: RedisServer;
let config: ResolvedConfig;
let dir: string;
let coordinatorUrl: string;
let stalledCoordinator: http.Server;
const held: http.ServerResponse[] = [];
const arch = hostArch();
const q12 = queueName('debian-12', arch);
const q13 = queueName('debian-13', arch);

const jobData = (id: string, recipe: string, target: string) => ({
  spec: { kind: 'build', id, recipe, target: { id: target } },
  source: { sha256: 'a'.repeat(64), size: 10_240 },
});

function startWorkerProcess(name: string): CliProcess {
  const tokenFile = path.join(dir, `${name}.token`);
  writeFileSync(tokenFile, 'a-token-the-stalled-coordinator-never-checks\n', { mode: 0o600 });
  // prettier-ignore
  return runCli([
    'worker', '--queue', redis.url, '--coordinator', coordinatorUrl, '--token-file', tokenFile,
    '--targets', 'debian-13', '--work-dir', path.join(dir, `work-${name}`), '--name', name, '--heartbeat-seconds', '1',
  ], { cwd: dir });
}

/** Reads the farm until `done` holds (the workers' heartbeats and BullMQ's moves take their time). */
async function farmUntil(done: (farm: FarmStatus) => boolean, what: string): Promise<FarmStatus> {
  let farm: FarmStatus | undefined;
  for (let tries = 0; tries < 300; tries++) {
    farm = await farmSnapshot(config);
    if (farm && done(farm)) return farm;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the farm never showed ${what}: ${JSON.stringify(farm, null, 2)}`);
}

const worker = (farm: FarmStatus, name: string) => farm.workers.find((entry) => entry.name === name);

beforeAll(async () => {
  await buildCli();
  fixture = makeFixture();
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-farm-status-'));
  redis = await startRedis({ dir: path.join(dir, 'redis') });
  config = { ...fixture.config, queue: redis.url };
  stalledCoordinator = http.createServer((_, response) => void held.push(response));
  const port = await freePort();
  await new Promise<void>((resolve) => stalledCoordinator.listen(port, '127.0.0.1', resolve));
  coordinatorUrl = `http://127.0.0.1:${port}`;

  // debian-12: one job completed and one failed by a BullMQ worker taking jobs by hand, then two waiting and one delayed.
  const connection = redisConnection(redis.url);
  const queue12 = new Queue(q12, { connection });
  const byHand = new Worker(q12, null, { connection });
  const once: JobsOptions = { attempts: 1 };
  await queue12.add('build', jobData('hello_debian-12_2.12.3_r1', 'hello', 'debian-12'), { ...once, jobId: 'hello_debian-12_2.12.3_r1' });
  const completed = (await byHand.getNextJob('by-hand'))!;
  await completed.moveToCompleted({ worker: 'by-hand' }, 'by-hand', false);
  await queue12.add('build', jobData('frob_debian-12_1.4_r1', 'frob', 'debian-12'), { ...once, jobId: 'frob_debian-12_1.4_r1' });
  const failed = (await byHand.getNextJob('by-hand'))!;
  await failed.moveToFailed(new Error('the job threw on every attempt'), 'by-hand', false);
  await byHand.close();
  for (const id of ['frob_debian-12_1.5_r1', 'hello_debian-12_2.12.4_r1']) await queue12.add('build', jobData(id, id.split('_')[0]!, 'debian-12'), { ...once, jobId: id });
  await queue12.add('build', jobData('frob_debian-12_1.5_r2', 'frob', 'debian-12'), { ...once, jobId: 'frob_debian-12_1.5_r2', delay: 3_600_000 });
  await queue12.close();

  // debian-13: builder-1 takes the one job and waits on its download; builder-2 and builder-3 find nothing to do.
  const builder1 = startWorkerProcess('builder-1');
  await builder1.waitForOutput(/freshet worker: taking jobs/, 60_000);
  const queue13 = new Queue(q13, { connection });
  await queue13.add('build', jobData('frob_debian-13_1.5_r1', 'frob', 'debian-13'), { ...once, jobId: 'frob_debian-13_1.5_r1' });
  await queue13.close();
  await farmUntil((farm) => farm.running.some((job) => job.worker === 'builder-1') && worker(farm, 'builder-1')?.running === 1, 'builder-1 running its job');

  const builder2 = startWorkerProcess('builder-2');
  await builder2.waitForOutput(/freshet worker: taking jobs/, 60_000);
  await farmUntil((farm) => worker(farm, 'builder-2')?.health === 'ok', 'builder-2 ok');
  await builder2.kill();
  const builder3 = startWorkerProcess('builder-3');
  await builder3.waitForOutput(/freshet worker: taking jobs/, 60_000);
  // A clean goodbye: it exits by itself on SIGTERM, before the harness's SIGKILL (a minute here: the machine may be busy).
  await builder3.stop(60_000);
  expect(await builder3.done, builder3.output()).toEqual({ code: 0, signal: null });
  await farmUntil((farm) => worker(farm, 'builder-2')?.health === 'lost', 'builder-2 lost');
}, 600_000);

afterAll(async () => {
  for (const response of held) response.destroy();
  stalledCoordinator?.closeAllConnections();
  stalledCoordinator?.close();
  await cleanupAll();
  fixture?.state.close();
});

describe('the build farm in the status report, read from redis-server', () => {
  it('status.json lists each queue by job state, the running job with its worker, and each worker\'s health', async () => {
    await writeStatus(config, fixture.state);
    const doc = StatusDocument.parse(JSON.parse(readFileSync(path.join(config.archiveDir, 'status.json'), 'utf8')));
    const farm = doc.farm!;
    expect(farm.error).toBeNull();
    expect(farm.queue).toBe(redis.url);
    expect(farm.queues).toEqual([
      { name: q12, target: 'debian-12', arch, waiting: 2, active: 0, delayed: 1, failed: 1, completed: 1 },
      { name: q13, target: 'debian-13', arch, waiting: 0, active: 1, delayed: 0, failed: 0, completed: 0 },
    ]);
    expect(farm.running).toEqual([{ jobId: 'frob_debian-13_1.5_r1', kind: 'build', recipe: 'frob', target: 'debian-13', worker: 'builder-1', since: expect.any(String), attempt: 1 }]);
    expect(farm.workers.map((entry) => [entry.name, entry.health])).toEqual([
      ['builder-1', 'ok'],
      ['builder-2', 'lost'],
      ['builder-3', 'stopped'],
    ]);
    const builder1 = farm.workers[0]!;
    expect(builder1).toMatchObject({ host: os.hostname(), targets: ['debian-13'], arch, concurrency: 1, running: 1, runningJobs: ['frob_debian-13_1.5_r1'], lastJob: null });
    expect(builder1.version).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    expect(builder1.freeDiskBytes).toBeGreaterThan(0);
    // The page shows the same farm.
    const page = readFileSync(path.join(config.archiveDir, 'status/index.html'), 'utf8');
    expect(page).toContain('<h2 id="farm">Build farm</h2>');
    expect(page).toMatch(/<tr data-worker="builder-2"><td>builder-2<\/td><td class="st-failed"><span class="state">lost<\/span>/);
  });

  it('/metrics has the queues by state and each worker\'s health', async () => {
    const server = await startTestServer(fixture, { config, metricsCacheMs: 0 });
    try {
      const response = await fetch(`${server.url}metrics`);
      expect(response.status).toBe(200);
      const lines = (await response.text()).split('\n');
      expect(lines).toContain('freshet_queue_up 1');
      expect(lines).toContain(`freshet_queue_jobs{queue="${q12}",state="waiting"} 2`);
      expect(lines).toContain(`freshet_queue_jobs{queue="${q12}",state="delayed"} 1`);
      expect(lines).toContain(`freshet_queue_jobs{queue="${q12}",state="failed"} 1`);
      expect(lines).toContain(`freshet_queue_jobs{queue="${q12}",state="completed"} 1`);
      expect(lines).toContain(`freshet_queue_jobs{queue="${q13}",state="active"} 1`);
      expect(lines).toContain('freshet_worker_up{worker="builder-1",health="ok"} 1');
      expect(lines).toContain('freshet_worker_up{worker="builder-2",health="lost"} 0');
      expect(lines).toContain('freshet_worker_up{worker="builder-3",health="stopped"} 0');
      expect(lines).toContain('freshet_worker_running_jobs{worker="builder-1"} 1');
    } finally {
      await server.close();
    }
  });

  it('freshet status prints the queues, the running job and the workers', async () => {
    const text = statusTable(await buildStatus(config, fixture.state));
    expect(text).toContain(`queue ${q12}: 2 waiting, 0 running, 1 delayed, 1 failed, 1 completed`);
    expect(text).toMatch(/running frob_debian-13_1\.5_r1 \(build of frob on debian-13\) on builder-1 since /);
    expect(text).toMatch(/worker builder-1: ok \(.*1\/1 jobs/);
    expect(text).toMatch(/worker builder-2: lost \(/);
    expect(text).toMatch(/worker builder-3: stopped \(/);
  });

  it('a Redis that does not answer gives the report an error, not a hang', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const doc = await buildStatus({ ...config, queue: nobody }, fixture.state);
    expect(doc.farm).toMatchObject({ queue: nobody, queues: [], running: [], workers: [] });
    expect(doc.farm!.error).toMatch(/^could not read the farm from Redis: .*ECONNREFUSED/);
    expect(statusTable(doc)).toContain(`build farm ${nobody}: could not read the farm from Redis`);
  });
});
