import { statfs } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Queue, type ConnectionOptions } from 'bullmq';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { queueName } from '../protocol.js';
import { redisConnection } from '../redis.js';
import { aliveKey, HEARTBEAT_TTL_INTERVALS, WORKERS_KEY, type WorkerReport } from '../worker-health.js';

// src/farm/worker/ and dist/farm/worker/ are both three folders below the package.
const freshetVersion = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

export interface HeartbeatOptions {
  /** `redis://…`, the farm's queue. */
  queue: string;
  name: string;
  targets: string[];
  arch: string;
  concurrency: number;
  /** Its free space is reported: a full work folder fails every build. */
  workDir: string;
  intervalMs: number;
}

/**
 * A worker's heartbeat (src/farm/worker-health.ts): what it runs, its last job and its free disk,
 * written every intervalMs with an alive key that Redis expires after HEARTBEAT_TTL_INTERVALS. It
 * keeps beating while the worker drains its last job on SIGTERM, so it has a connection of its own
 * (a BullMQ Queue object, used for nothing else), and a write fails rather than waits while Redis
 * is away: the next beat tries again.
 */
export class Heartbeat {
  private readonly running = new Set<string>();
  private lastJob: WorkerReport['lastJob'] = null;
  private readonly startedAt = new Date().toISOString();
  private readonly connection: Queue;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    const connection = { ...redisConnection(options.queue), maxRetriesPerRequest: 1 } as ConnectionOptions;
    this.connection = new Queue(queueName(options.targets[0] ?? 'none', options.arch), { connection });
    this.connection.on('error', () => undefined);
  }

  jobStarted(id: string): void {
    this.running.add(id);
  }

  jobFinished(id: string, outcome: 'completed' | 'failed'): void {
    this.running.delete(id);
    this.lastJob = { id, outcome, finishedAt: new Date().toISOString() };
  }

  async report(state: WorkerReport['state']): Promise<WorkerReport> {
    const { name, targets, arch, concurrency, workDir } = this.options;
    const space = await statfs(workDir).catch(() => undefined);
    return {
      name,
      host: os.hostname(),
      targets,
      arch,
      version: freshetVersion,
      concurrency,
      state,
      runningJobs: [...this.running],
      lastJob: this.lastJob,
      startedAt: this.startedAt,
      seenAt: new Date().toISOString(),
      freeDiskBytes: space ? space.bavail * space.bsize : null,
    };
  }

  private async write(state: WorkerReport['state']): Promise<void> {
    const client = await this.connection.client;
    await client.hset(WORKERS_KEY, { [this.options.name]: JSON.stringify(await this.report(state)) });
    if (state === 'running') await client.set(aliveKey(this.options.name), '1', { PX: this.options.intervalMs * HEARTBEAT_TTL_INTERVALS });
    else await client.del(aliveKey(this.options.name));
  }

  /** One heartbeat now; a beat still being written is not doubled. A failed write is logged, not thrown. */
  async beat(): Promise<void> {
    this.writing ??= this.write('running')
      .catch((error: unknown) => log.warn('farm worker heartbeat not written', { worker: this.options.name, error: errorMessage(error) }))
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs);
  }

  /** A clean goodbye: listed as stopped, not lost. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
    await this.write('stopped').catch((error: unknown) => log.warn('farm worker goodbye not written', { worker: this.options.name, error: errorMessage(error) }));
    await this.connection.close();
  }
}
