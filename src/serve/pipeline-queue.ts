import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';

/**
 * Webhook-triggered pipeline runs, one at a time. A hook for a recipe that is already waiting
 * joins that run. A hook for the recipe that is running now queues one follow-up run (the running
 * one may have asked upstream before the new release existed); any further hooks join that
 * follow-up. So a burst of hooks costs at most two runs.
 */
export type PipelineRunner = (config: ResolvedConfig, options: { recipes?: string[]; signal?: AbortSignal }) => Promise<unknown>;
export type StatusWriter = () => Promise<unknown>;

export type Enqueued = 'started' | 'queued' | 'coalesced';

export class PipelineQueue {
  private readonly waiting: string[] = [];
  private running: string | undefined;
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly runPipeline: PipelineRunner,
    private readonly writeStatus: StatusWriter,
  ) {}

  enqueue(recipe: string): Enqueued {
    if (this.waiting.includes(recipe)) return 'coalesced';
    this.waiting.push(recipe);
    if (this.running !== undefined) return 'queued';
    this.idle = this.drain();
    return 'started';
  }

  /** The recipe running now and those waiting, for tests and logs. */
  snapshot(): { running: string | undefined; waiting: string[] } {
    return { running: this.running, waiting: [...this.waiting] };
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

  private async drain(): Promise<void> {
    while (!this.stopped && this.waiting.length > 0) {
      const recipe = this.waiting.shift()!;
      this.running = recipe;
      try {
        log.info('webhook run started', { recipe });
        await this.runPipeline(this.config, { recipes: [recipe], signal: this.abort.signal });
        log.info('webhook run finished', { recipe });
      } catch (error) {
        log.error('webhook run failed', { recipe, error: errorMessage(error) });
      }
      try {
        await this.writeStatus();
      } catch (error) {
        log.error('status report could not be written', { error: errorMessage(error) });
      }
      this.running = undefined;
    }
  }
}
