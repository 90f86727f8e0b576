import { Queue, Worker, type Job } from 'bullmq';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { ParseCache } from '../../recipe/parse-cache.js';
import { scheduleTick, type Scheduler, type TickContext } from '../../serve/scheduler.js';
import { redisConnection } from '../redis.js';

/** The queue the service's ticks run on, and its one job scheduler: every coordinator upserts the same id, so they share one schedule. */
export const SCHEDULE_QUEUE = 'freshet-schedule';
export const SCHEDULER_ID = 'freshet-tick';

/** One look at the clock (src/serve/scheduler.ts scheduleTick); `tickId` (BullMQ's job id: the scheduler's and the tick's time) names the tick, the same on whichever coordinator runs it. */
export type Tick = (now: Date, tickId: string) => Promise<unknown>;

/**
 * How often the service looks at the clock: a tenth of the check interval, between 1 s and 60 s
 * (the embedded loop also looks at least once a minute, for re-signing and the key). A recipe with a
 * shorter `watch.interval` of its own is checked up to one tick late.
 */
export function tickEveryMs(intervalMs: number): number {
  return Math.min(Math.max(Math.round(intervalMs / 10), 1_000), 60_000);
}

/**
 * The farm mode's scheduler: the ticks are a BullMQ repeatable job (a job scheduler) on Redis
 * instead of a timer in each process. Every coordinator pointing at one Redis upserts the same
 * scheduler id, so there is one schedule: BullMQ makes one job per tick (its id holds the tick's
 * time) and hands it to one coordinator's worker. A global concurrency of 1 keeps a slow tick from
 * overlapping the next on another coordinator. A coordinator that stops or dies leaves the schedule
 * to the others (a tick it was running is taken up again once its lock expires).
 */
export class BullmqScheduler implements Scheduler {
  private readonly connection;
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly options: {
      /** redis://… as in the config's `queue:`. */
      queueUrl: string;
      everyMs: number;
      tick: Tick;
      /** For the log and BullMQ's job.processedBy. */
      name?: string;
    },
  ) {
    this.connection = redisConnection(options.queueUrl);
  }

  start(): void {
    this.starting ??= this.open().catch((error: unknown) => log.error('farm schedule could not be set up', { error: errorMessage(error) }));
  }

  /** Resolves once this coordinator takes ticks (for tests; start() returns at once). */
  async ready(): Promise<void> {
    await this.starting;
    await this.worker?.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.starting;
    // Worker.close waits for a tick in progress; the schedule itself stays in Redis for the other coordinators.
    await this.worker?.close();
    await this.queue?.close();
  }

  private async open(): Promise<void> {
    const queue = new Queue(SCHEDULE_QUEUE, { connection: this.connection });
    this.queue = queue;
    const warn = (error: Error) => log.warn('farm schedule connection', { error: error.message });
    queue.on('error', warn);
    await queue.setGlobalConcurrency(1);
    // Upserting an unchanged scheduler keeps its next tick; a changed interval replaces it.
    await queue.upsertJobScheduler(SCHEDULER_ID, { every: this.options.everyMs }, { name: 'tick', opts: { removeOnComplete: true, removeOnFail: true } });
    this.worker = new Worker(SCHEDULE_QUEUE, (job: Job) => this.runTick(job), { connection: this.connection, concurrency: 1, name: this.options.name });
    this.worker.on('error', warn);
    log.info('farm schedule started', { everyMs: this.options.everyMs });
  }

  private async runTick(job: Job): Promise<void> {
    try {
      await this.options.tick(new Date(), job.id!);
    } catch (error) {
      // scheduleTick logs its own failures; anything else must not stop the schedule either.
      log.error('scheduled tick failed', { error: errorMessage(error) });
    }
  }
}

/** `freshet serve`'s scheduler with `queue:` in the config: scheduleTick on the shared schedule. */
export function farmScheduler(options: Omit<TickContext, 'attempted' | 'keyWarnedOn' | 'parseCache'>, queueUrl: string): BullmqScheduler {
  const context: TickContext = { ...options, attempted: new Map(), parseCache: ParseCache.inMemory() };
  return new BullmqScheduler({ queueUrl, everyMs: tickEveryMs(options.config.schedule.intervalMs), tick: (now) => scheduleTick(context, now) });
}
