import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import type { RunPriority } from './schedule.js';

/**
 * Pipeline runs of `freshet serve`, one run at a time: from webhooks and from the schedule.
 * A run for a recipe that is already waiting joins that run. A run for a recipe that is running
 * now queues one follow-up run (the running one may have asked upstream before the new release
 * existed); any further requests join that follow-up. So a burst of hooks costs at most two runs.
 * Runs for a new upstream release go before rebuilds; within each, first come first served, and
 * a recipe holds one place however many targets it builds for, so none starves the others.
 * The recipes waiting at the head with the same priority and watch go in one run, so their builds
 * share the build slots (or the farm's workers), a chain builds in order, and they publish together.
 */
export type PipelineRunner = (config: ResolvedConfig, options: { recipes?: string[]; signal?: AbortSignal; noWatch?: boolean }) => Promise<unknown>;
export type StatusWriter = () => Promise<unknown>;

export type Enqueued = 'started' | 'queued' | 'coalesced';

export interface RunRequest {
  /** Default `release`: a webhook says upstream published something. */
  priority?: RunPriority;
  /** Ask upstream first (default true); the scheduler has just asked, so its runs plan from the state. */
  watch?: boolean;
  /** For the log: webhook or schedule. */
  trigger?: string;
}

interface WaitingRun {
  recipe: string;
  priority: RunPriority;
  watch: boolean;
  trigger: string;
}

export class PipelineQueue {
  private readonly waiting: WaitingRun[] = [];
  private running: string[] = [];
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly runPipeline: PipelineRunner,
    private readonly writeStatus: StatusWriter,
  ) {}

  enqueue(recipe: string, request: RunRequest = {}): Enqueued {
    const run: WaitingRun = { recipe, priority: request.priority ?? 'release', watch: request.watch ?? true, trigger: request.trigger ?? 'webhook' };
    const joined = this.waiting.find((entry) => entry.recipe === recipe);
    if (joined) {
      joined.watch ||= run.watch;
      if (run.priority === 'release' && joined.priority === 'rebuild') {
        this.waiting.splice(this.waiting.indexOf(joined), 1);
        this.insert({ ...joined, priority: 'release' });
      }
      return 'coalesced';
    }
    this.insert(run);
    if (this.running.length > 0) return 'queued';
    this.idle = this.drain();
    return 'started';
  }

  /** The recipes running now and those waiting, in the order they will run. */
  snapshot(): { running: string[]; waiting: string[] } {
    return { running: [...this.running], waiting: this.waiting.map((entry) => entry.recipe) };
  }

  /** Resolves when nothing runs or waits. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** Cancel the running pipeline, drop waiting runs, and wait for the running one to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    this.abort.abort();
    await this.idle;
  }

  /** A release goes after the releases already waiting and before every rebuild. */
  private insert(run: WaitingRun): void {
    const firstRebuild = this.waiting.findIndex((entry) => entry.priority === 'rebuild');
    if (run.priority === 'release' && firstRebuild >= 0) this.waiting.splice(firstRebuild, 0, run);
    else this.waiting.push(run);
  }

  /** The head of the queue and every run after it with the same priority and watch. */
  private takeBatch(): WaitingRun[] {
    const [head] = this.waiting;
    const batch = this.waiting.filter((entry) => entry.priority === head!.priority && entry.watch === head!.watch);
    for (const entry of batch) this.waiting.splice(this.waiting.indexOf(entry), 1);
    return batch;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.waiting.length > 0) {
      const batch = this.takeBatch();
      const { watch, priority } = batch[0]!;
      const recipes = batch.map((entry) => entry.recipe);
      const trigger = [...new Set(batch.map((entry) => entry.trigger))].join(',');
      this.running = recipes;
      try {
        log.info('pipeline run started', { recipes, trigger, priority });
        await this.runPipeline(this.config, { recipes, signal: this.abort.signal, ...(watch ? {} : { noWatch: true }) });
        log.info('pipeline run finished', { recipes, trigger });
      } catch (error) {
        log.error('pipeline run failed', { recipes, trigger, error: errorMessage(error) });
      }
      try {
        await this.writeStatus();
      } catch (error) {
        log.error('status report could not be written', { error: errorMessage(error) });
      }
      this.running = [];
    }
  }
}
