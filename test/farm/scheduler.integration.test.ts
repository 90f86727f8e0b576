import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { farmJobPriority } from '../../src/farm/coordinator/priority.js';
import { BullmqScheduler, SCHEDULER_ID } from '../../src/farm/coordinator/scheduler.js';
import type { BuildSpec, GateSpec } from '../../src/farm/protocol.js';
import { redisConnection } from '../../src/farm/redis.js';
import { buildCli } from '../reliability/tick-project.js';
import { cleanupAll, startRedis, type RedisServer } from './harness.js';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis({ dir: mkdtempSync(path.join(os.tmpdir(), 'freshet-schedule-redis-')) });
  // The killed coordinator is a process of its own, on the compiled scheduler.
  await buildCli();
}, 600_000);

afterAll(cleanupAll);

/** The time a tick was scheduled for, from its BullMQ job id `repeat:<scheduler>:<millis>`. */
function scheduledAt(tickId: string): number {
  const match = new RegExp(`^repeat:${SCHEDULER_ID}:(\\d+)$`).exec(tickId);
  if (!match) throw new Error(`not a tick of ${SCHEDULER_ID}: ${tickId}`);
  return Number(match[1]);
}

describe('farm mode scheduler (BullMQ job scheduler on a real redis-server)', () => {
  it('two coordinators on one Redis share one schedule: each tick runs once, never two at a time, and the other goes on when one stops', async () => {
    const everyMs = 300;
    const ticks: Array<{ coordinator: string; id: string }> = [];
    let running = 0;
    let mostAtOnce = 0;
    // Each tick takes longer than the interval, so a second coordinator would overlap it if it could.
    const coordinator = (name: string) =>
      new BullmqScheduler({
        queueUrl: redis.url,
        everyMs,
        name,
        tick: async (_now, id) => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          ticks.push({ coordinator: name, id });
          await sleep(everyMs * 1.5);
          running -= 1;
        },
      });
    const first = coordinator('first');
    const second = coordinator('second');
    first.start();
    await first.ready();
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 50 });
    // The second upserts the same schedule while the first is ticking.
    second.start();
    await second.ready();
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(10), { timeout: 60_000, interval: 50 });

    await first.stop();
    const beforeStop = ticks.length;
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(beforeStop + 3), { timeout: 60_000, interval: 50 });
    await second.stop();

    const times = ticks.map(({ id }) => scheduledAt(id));
    // Once each: no tick id twice; one schedule: its times an interval or more apart, in order.
    expect(new Set(ticks.map(({ id }) => id)).size).toBe(ticks.length);
    for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(everyMs);
    expect(mostAtOnce).toBe(1);
    // The schedule outlives the coordinator that made it and whichever took the ticks.
    expect(ticks.slice(beforeStop).every(({ coordinator: name }) => name === 'second')).toBe(true);
  });

  it('a coordinator killed mid-tick holds the schedule only until its lock expires: the other takes that tick up and goes on', async () => {
    const everyMs = 500;
    const compiled = pathToFileURL(path.join(import.meta.dirname, '../../dist/farm/coordinator/scheduler.js')).href;
    // A coordinator whose tick never ends, as one killed in the middle of watching.
    const hung = execa(process.execPath, ['--input-type=module', '-e', `
      const { BullmqScheduler } = await import(${JSON.stringify(compiled)});
      const scheduler = new BullmqScheduler({ queueUrl: ${JSON.stringify(redis.url)}, everyMs: ${everyMs}, name: 'hung', tick: async (_now, id) => { console.log('tick ' + id); await new Promise(() => undefined); } });
      scheduler.start();
    `], { reject: false });
    let hungOutput = '';
    hung.stdout!.on('data', (chunk: Buffer) => (hungOutput += chunk.toString()));
    await vi.waitFor(() => expect(hungOutput).toMatch(/^tick (\S+)$/m), { timeout: 60_000, interval: 100 });
    const stuckTick = /^tick (\S+)$/m.exec(hungOutput)![1]!;
    const ticks: string[] = [];
    const survivor = new BullmqScheduler({ queueUrl: redis.url, everyMs, name: 'survivor', tick: async (_now, id) => void ticks.push(id) });
    survivor.start();
    await survivor.ready();
    hung.kill('SIGKILL');
    await hung;
    try {
      await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(3), { timeout: 180_000, interval: 200 });
    } finally {
      await survivor.stop();
    }
    expect(ticks[0]).toBe(stuckTick);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.map(scheduledAt)).toEqual([...ticks.map(scheduledAt)].sort((a, b) => a - b));
  });

  it('hands out gates first, then new upstream releases, then rebuilds, each in the order queued', async () => {
    const connection = redisConnection(redis.url);
    const queue = new Queue('freshet-priority-test', { connection });
    const build = (recipe: string, rebuild: number) => ({ kind: 'build', id: `${recipe}_debian-12_1.0_r${rebuild}`, recipe, rebuild }) as BuildSpec;
    const gate = (recipe: string) => ({ kind: 'gate', id: `${recipe}_debian-12_1.0_r1.gate`, buildId: `${recipe}_debian-12_1.0_r1` }) as GateSpec;
    // As a run of many recipes might queue them: rebuilds after a template change came first.
    const specs = [build('alpha', 2), build('beta', 3), build('gamma', 1), build('delta', 2), build('epsilon', 1), gate('zeta')];
    for (const spec of specs) await queue.add(spec.kind, { spec }, { jobId: spec.id, priority: farmJobPriority(spec) });
    const taken: string[] = [];
    const worker = new Worker('freshet-priority-test', async (job: Job<{ spec: BuildSpec | GateSpec }>) => void taken.push(job.data.spec.id), { connection, concurrency: 1 });
    try {
      await vi.waitFor(() => expect(taken).toHaveLength(specs.length), { timeout: 30_000, interval: 50 });
    } finally {
      await worker.close();
      await queue.close();
    }
    expect(taken).toEqual([
      'zeta_debian-12_1.0_r1.gate',
      'gamma_debian-12_1.0_r1',
      'epsilon_debian-12_1.0_r1',
      'alpha_debian-12_1.0_r2',
      'beta_debian-12_1.0_r3',
      'delta_debian-12_1.0_r2',
    ]);
  });
});
