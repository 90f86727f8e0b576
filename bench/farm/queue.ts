import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';
import { loadConfig } from '../../src/config/load.js';
import type { FarmBuildJob } from '../../src/farm/protocol.js';
import { startRedis, type RedisServer } from '../../test/farm/harness.js';

/**
 * BullMQ on a real redis-server (AOF on, as docs/farm.md asks): enqueue N plain-JSON jobs shaped
 * like freshet's build jobs, then drain them with W worker processes of concurrency C that do no
 * work. Prints the enqueue rate (one `add` at a time, as a coordinator enqueues while it plans,
 * and `addBulk`), the drain rate, the round trip of one job on an idle queue, and peak memory of
 * redis and of the workers. Completed jobs are kept (BullMQ's default), the most redis holds.
 * Usage: node dist/.bench/bench/farm/queue.js [N] [--fsync=always|everysec]
 */
const here = import.meta.dirname;
const args = process.argv.slice(2);
const COUNT = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10_000);
const FSYNC = (args.find((arg) => arg.startsWith('--fsync='))?.slice('--fsync='.length) ?? 'always') as 'always' | 'everysec';
const SHAPES: Array<{ workers: number; concurrency: number }> = [
  { workers: 2, concurrency: 1 },
  { workers: 2, concurrency: 8 },
  { workers: 4, concurrency: 8 },
];
const ROUND_TRIPS = 200;

const repo = path.resolve(here, '../../../..');
const targets = loadConfig(path.join(repo, 'freshet.config.yaml')).targets.map((target) => ({ ...target, mirrorKeyring: undefined }));

/** `queue.add` arguments as the farm executor's: the build id is the job id. */
const farmJob = (index: number) => {
  const data = buildJob(index);
  return [data, { jobId: data.spec.id }] as const;
};

/** A build job as the farm executor enqueues it (src/farm/protocol.ts): plain JSON, inputs by sha256. */
function buildJob(index: number): FarmBuildJob {
  const hash = (salt: string) => createHash('sha256').update(`${salt}-${index}`).digest('hex');
  const target = targets[index % targets.length]!;
  const recipe = `recipe-${index}`;
  const upstreamVersion = `1.${index % 40}.0`;
  return {
    spec: {
      kind: 'build',
      id: `${recipe}_${target.id}_${upstreamVersion}_r1`,
      recipe,
      target,
      upstreamVersion,
      packageVersion: `${upstreamVersion}-0~deb12+freshet1`,
      rebuild: 1,
      tarballSha256: hash('orig'),
      buildDepends: ['debhelper-compat (= 13)', 'pkgconf', 'libssl-dev'],
      limits: { memory: '4g', pids: 4096, cpus: 2, timeoutMs: 3_600_000, scratchMegabytes: undefined, diskReserveMegabytes: 1024 },
    },
    source: { sha256: hash('source'), size: 7_500_000 },
  };
}

interface DrainWorker {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

async function startWorker(redis: RedisServer, queueName: string, concurrency: number): Promise<DrainWorker> {
  const child = spawn(process.execPath, [path.join(here, 'drain-worker.js'), redis.url, queueName, String(concurrency)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`drain worker did not start: ${String(first.value)}`);
  return { child, lines };
}

async function stopWorker(worker: DrainWorker): Promise<{ processed: number; maxRssKb: number }> {
  worker.child.stdin!.write('stop\n');
  const line = await worker.lines.next();
  return JSON.parse(String(line.value)) as { processed: number; maxRssKb: number };
}

/** Peak resident memory of a process (VmHWM) in MB. */
function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

async function infoField(redis: RedisServer, field: string): Promise<string> {
  const info = (await redis.command(['INFO', 'memory'])) ?? '';
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
}

async function waitCompleted(queue: Queue, count: number): Promise<void> {
  for (;;) {
    const { completed = 0, failed = 0 } = await queue.getJobCounts('completed', 'failed');
    if (failed > 0) throw new Error(`${failed} jobs failed`);
    if (completed >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const rate = (count: number, seconds: number) => `${Math.round(count / seconds).toLocaleString('en')}/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-bench-farm-'));
  const redis = await startRedis({ dir, appendfsync: FSYNC });
  const connection = { host: redis.host, port: redis.port };
  const rows: string[][] = [];
  try {
    console.log(`redis-server on ${redis.url}, appendonly yes, appendfsync ${FSYNC}; ${COUNT.toLocaleString('en')} jobs of ${JSON.stringify(buildJob(0)).length} bytes`);

    // addBulk, once: how fast the queue takes a whole plan at a time.
    const bulkQueue = new Queue('bench-bulk', { connection });
    const bulkStarted = performance.now();
    for (let start = 0; start < COUNT; start += 1000) {
      await bulkQueue.addBulk(Array.from({ length: Math.min(1000, COUNT - start) }, (_, offset) => ({ name: 'build', data: buildJob(start + offset), opts: { jobId: buildJob(start + offset).spec.id } })));
    }
    const bulkSeconds = (performance.now() - bulkStarted) / 1000;
    console.log(`addBulk (1,000 a call): ${bulkSeconds.toFixed(2)} s, ${rate(COUNT, bulkSeconds)}`);
    await bulkQueue.obliterate({ force: true });
    await bulkQueue.close();

    for (const [index, shape] of SHAPES.entries()) {
      const queueName = `bench-${index}`;
      const queue = new Queue(queueName, { connection });
      const enqueueStarted = performance.now();
      for (let job = 0; job < COUNT; job++) await queue.add('build', ...farmJob(job));
      const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

      const workers = await Promise.all(Array.from({ length: shape.workers }, () => startWorker(redis, queueName, shape.concurrency)));
      const drainStarted = performance.now();
      for (const worker of workers) worker.child.stdin!.write('go\n');
      await waitCompleted(queue, COUNT);
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const done = await Promise.all(workers.map(stopWorker));
      const shares = done.map((worker) => worker.processed);
      const usedMemory = await infoField(redis, 'used_memory_human');
      rows.push([
        COUNT.toLocaleString('en'),
        `${shape.workers} × ${shape.concurrency}`,
        `${enqueueSeconds.toFixed(2)} s (${rate(COUNT, enqueueSeconds)})`,
        `${drainSeconds.toFixed(2)} s (${rate(COUNT, drainSeconds)})`,
        shares.join(' / '),
        usedMemory,
        `${Math.max(...done.map((worker) => worker.maxRssKb / 1024)).toFixed(0)} MB`,
      ]);
      console.log(`${shape.workers} workers × ${shape.concurrency}: enqueue ${enqueueSeconds.toFixed(2)} s, drain ${drainSeconds.toFixed(2)} s, jobs per worker ${shares.join('/')}`);
      await queue.obliterate({ force: true });
      await queue.close();
    }

    // Round trip on an idle queue: add one job, wait until the producer hears it completed.
    const queue = new Queue('bench-rtt', { connection });
    const events = new QueueEvents('bench-rtt', { connection });
    await events.waitUntilReady();
    const worker = await startWorker(redis, 'bench-rtt', 1);
    worker.child.stdin!.write('go\n');
    const times: number[] = [];
    for (let job = 0; job < ROUND_TRIPS; job++) {
      const started = performance.now();
      const added = await queue.add('build', ...farmJob(job));
      await added.waitUntilFinished(events);
      times.push(performance.now() - started);
    }
    await stopWorker(worker);
    await events.close();
    await queue.close();
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);

    console.log('');
    console.log(`| jobs | workers × concurrency | enqueue, one add at a time | drain | jobs per worker | redis used_memory after | worker peak RSS |`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log('');
    console.log(`addBulk, 1,000 a call: ${bulkSeconds.toFixed(2)} s (${rate(COUNT, bulkSeconds)})`);
    console.log(`round trip of one job on an idle queue (add → worker → completed event), ${ROUND_TRIPS} jobs: median ${at(0.5)} ms, p95 ${at(0.95)} ms`);
    console.log(`redis-server peak RSS ${peakRssMb(redis.pid()!).toFixed(0)} MB, used_memory_peak ${await infoField(redis, 'used_memory_peak_human')}`);
  } finally {
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
