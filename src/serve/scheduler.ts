import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../config/load.js';
import { durationMs } from '../core/duration.js';
import { errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import type { PlannedAction } from '../pipeline/plan.js';
import { mainArchive, publisherFor } from '../publish/api.js';
import { field } from '../publish/apt/deb822.js';
import { parseRelease, parseReleaseDate } from '../publish/apt/release.js';
import { listRecipeFiles, loadRecipeFile, type LoadedRecipe } from '../recipe/load.js';
import { ParseCache } from '../recipe/parse-cache.js';
import { keyStatus, type KeyStatus } from '../sign/key.js';
import type { StateStore } from '../state/store.js';
import type { PipelineQueue, StatusWriter } from './pipeline-queue.js';
import { dueRecipes, nextCheckAt, nextWake, runsFromPlan, suitesToResign, type RecipeClock } from './schedule.js';

/**
 * What makes `freshet serve` run by itself: it watches every recipe when due, queues the runs the
 * watch calls for, re-signs APT suites before their Valid-Until, and warns before the archive key
 * expires. Embedded mode does this in-process with timers (EmbeddedScheduler); a farm coordinator
 * can put the same ticks on BullMQ repeatable jobs, so only one coordinator schedules: implement
 * `Scheduler` by calling `scheduleTick` from the repeatable job's processor.
 */
export interface Scheduler {
  /** Begin watching on schedule; returns at once. */
  start(): void;
  /** No new ticks; a tick in progress finishes first. */
  stop(): Promise<void>;
}

/** Watches recipes (no build) and returns each check's outcome and the plan: `runPipeline` with `dryRun`, which records each check in the state. */
export type WatchAndPlan = (
  config: ResolvedConfig,
  options: { recipes: string[]; state: StateStore },
) => Promise<{ watch: Array<{ recipe: string; error?: string }>; plan: PlannedAction[] }>;

export interface TickContext {
  config: ResolvedConfig;
  state: StateStore;
  queue: PipelineQueue;
  watchAndPlan: WatchAndPlan;
  /** The report, rewritten after checks that queued no run (a run writes it itself). */
  writeStatus: StatusWriter;
  /** Checks started by this process, by recipe: a check that failed before recording anything still waits a whole interval. */
  attempted: Map<string, Date>;
  /** The day (YYYY-MM-DD) the key warning was last logged: once a day is enough. */
  keyWarnedOn?: string;
  /** Parsed recipe texts: each tick reads every recipe, and most have not changed since the last. */
  parseCache?: ParseCache;
}

/** Each recipe's clock, from the state and this process's own attempts; recipes that do not load are left out (the status report names them). */
export function recipeClocks(context: Pick<TickContext, 'config' | 'state' | 'attempted' | 'parseCache'>): RecipeClock[] {
  const clocks: RecipeClock[] = [];
  for (const file of listRecipeFiles(context.config.recipesDir)) {
    let loaded: LoadedRecipe;
    try {
      loaded = loadRecipeFile(file, context.parseCache);
    } catch (error) {
      log.warn('recipe left out of the schedule', { file, error: errorMessage(error) });
      continue;
    }
    const { name, watch } = loaded.recipe;
    const checked = context.state.lastCheck(name)?.checkedAt;
    const times = [checked ? Date.parse(checked) : undefined, context.attempted.get(name)?.getTime()].filter((time): time is number => time !== undefined);
    clocks.push({
      recipe: name,
      lastCheckedAt: times.length > 0 ? new Date(Math.max(...times)) : undefined,
      intervalMs: watch?.interval === undefined ? undefined : durationMs(watch.interval),
    });
  }
  return clocks;
}

/** When `freshet serve` checks each recipe next (null: at once), for the status report. */
export function schedulePreview(config: ResolvedConfig, state: StateStore): Array<{ recipe: string; nextCheckAt: string | null }> {
  return recipeClocks({ config, state, attempted: new Map() }).map((clock) => ({
    recipe: clock.recipe,
    nextCheckAt: nextCheckAt(clock, config.schedule)?.toISOString() ?? null,
  }));
}

function validUntil(root: string, suite: string): Date | undefined {
  const release = path.join(root, 'dists', suite, 'Release');
  return existsSync(release) ? parseReleaseDate(field(parseRelease(readFileSync(release, 'utf8')), 'Valid-Until')) : undefined;
}

/** Re-sign the APT suites whose Valid-Until is near; returns their names. */
export async function resignDue(config: ResolvedConfig, now: Date): Promise<string[]> {
  const archive = mainArchive(config);
  const publisher = publisherFor('deb');
  const suites = (await publisher.suites(archive.root)).map((suite) => ({ suite, validUntil: validUntil(archive.root, suite) }));
  const due = suitesToResign(suites, now, config.schedule.resignBeforeMs);
  for (const suite of due) await publisher.resign({ config, archive, suite, now: () => now });
  return due;
}

async function checkKey(context: TickContext, now: Date): Promise<KeyStatus> {
  const status = await keyStatus(context.config.stateDir, context.config.signingKey, now, context.config.keyWarningDays);
  const day = now.toISOString().slice(0, 10);
  if ((status.state === 'expiring-soon' || status.state === 'expired') && context.keyWarnedOn !== day) {
    context.keyWarnedOn = day;
    log.warn(status.state === 'expired' ? 'archive signing key has expired' : 'archive signing key expires soon', {
      fingerprint: status.key?.fingerprint,
      expires: status.key?.expiresAt,
      daysLeft: status.daysLeft,
    });
  }
  return status;
}

/**
 * One look at the clock: key expiry, re-signing, then the checks that are due and the runs they
 * call for. Each part fails on its own (logged), so an unreachable upstream or a broken recipe
 * never stops the schedule. Returns when the next check is due.
 */
export async function scheduleTick(context: TickContext, now: Date): Promise<Date | undefined> {
  const { config, state, queue } = context;
  let canSign = false;
  try {
    const key = await checkKey(context, now);
    canSign = key.state === 'ok' || key.state === 'expiring-soon';
  } catch (error) {
    log.error('archive key could not be checked', { error: errorMessage(error) });
  }
  if (canSign) {
    try {
      const resigned = await resignDue(config, now);
      if (resigned.length > 0) log.info('suites re-signed before Valid-Until', { suites: resigned });
    } catch (error) {
      log.error('re-signing failed', { error: errorMessage(error) });
    }
  }
  let clocks: RecipeClock[] = [];
  try {
    clocks = recipeClocks(context);
    const due = dueRecipes(clocks, config.schedule, now);
    if (due.length > 0) {
      for (const recipe of due) context.attempted.set(recipe, now);
      log.info('scheduled check', { recipes: due });
      const { watch, plan } = await context.watchAndPlan(config, { recipes: due, state });
      for (const check of watch) if (check.error) log.warn('upstream check failed', { recipe: check.recipe, error: check.error });
      const live = (recipe: string, targetId: string) => state.publications({ recipe, targetId, live: true })[0]?.upstreamVersion;
      const runs = runsFromPlan(plan, live);
      for (const run of runs) {
        const outcome = queue.enqueue(run.recipe, { priority: run.priority, watch: false, trigger: 'schedule' });
        log.info('scheduled run', { recipe: run.recipe, priority: run.priority, outcome });
      }
      if (runs.length === 0) await context.writeStatus();
      clocks = recipeClocks(context);
    }
  } catch (error) {
    log.error('scheduled check failed', { error: errorMessage(error) });
  }
  return nextWake(clocks, config.schedule, now);
}

/** In-process scheduling for one machine: a loop of ticks, sleeping until the next check is due (at most `maxSleepMs`, for re-signing and the key). */
export class EmbeddedScheduler implements Scheduler {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly context: TickContext;

  constructor(
    options: Omit<TickContext, 'attempted' | 'keyWarnedOn' | 'parseCache'>,
    private readonly maxSleepMs = 60_000,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.context = { ...options, attempted: new Map(), parseCache: ParseCache.inMemory() };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const now = this.now();
      const wake = await scheduleTick(this.context, now);
      const wait = Math.min(Math.max((wake?.getTime() ?? Infinity) - this.now().getTime(), 1_000), this.maxSleepMs);
      await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }
}
