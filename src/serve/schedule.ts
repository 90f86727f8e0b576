import { createHash } from 'node:crypto';
import type { PlannedAction } from '../pipeline/plan.js';

/**
 * When `freshet serve` watches each recipe, what it runs first, and which suites it re-signs:
 * pure functions of the state and the clock, so the loop (scheduler.ts) and the status report
 * compute the same times, and tests need no timers.
 */
export interface ScheduleSettings {
  /** Time between two checks of a recipe. */
  intervalMs: number;
  /** Share of the interval (0 to 0.5) by which each check moves earlier or later. */
  jitter: number;
}

export interface RecipeClock {
  recipe: string;
  /** The last upstream check, ok or not; undefined: never checked. */
  lastCheckedAt: Date | undefined;
  /** The recipe's own `watch.interval`, overriding the config's. */
  intervalMs?: number;
}

/**
 * A number in [-1, 1) fixed by the recipe and its last check: recipes added together spread out
 * over the interval instead of all asking their hosts at once, and the same state always gives
 * the same next time (the status page shows what the loop will do).
 */
export function jitterFactor(recipe: string, lastCheckedAt: Date): number {
  const digest = createHash('sha256').update(`${recipe}\0${lastCheckedAt.toISOString()}`).digest();
  return (digest.readUInt32BE(0) / 0x1_0000_0000) * 2 - 1;
}

/** The next check of a recipe; undefined when it was never checked (due at once). */
export function nextCheckAt(clock: RecipeClock, settings: ScheduleSettings): Date | undefined {
  if (!clock.lastCheckedAt) return undefined;
  const interval = clock.intervalMs ?? settings.intervalMs;
  const delay = interval * (1 + settings.jitter * jitterFactor(clock.recipe, clock.lastCheckedAt));
  return new Date(clock.lastCheckedAt.getTime() + delay);
}

/** Recipes due for a check at `now`: never checked first, then the longest overdue. */
export function dueRecipes(clocks: readonly RecipeClock[], settings: ScheduleSettings, now: Date): string[] {
  const due = clocks
    .map((clock) => ({ recipe: clock.recipe, at: nextCheckAt(clock, settings)?.getTime() ?? -Infinity }))
    .filter((entry) => entry.at <= now.getTime());
  return due.sort((a, b) => a.at - b.at || a.recipe.localeCompare(b.recipe)).map((entry) => entry.recipe);
}

/** The earliest check still to come after `now`, for the loop's next wake-up. */
export function nextWake(clocks: readonly RecipeClock[], settings: ScheduleSettings, now: Date): Date | undefined {
  let earliest: number | undefined;
  for (const clock of clocks) {
    const at = nextCheckAt(clock, settings)?.getTime();
    if (at !== undefined && at > now.getTime() && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest === undefined ? undefined : new Date(earliest);
}

/** `release`: a new upstream version to build; `rebuild`: the same version again (recipe, templates, a library it needs, a retried failure). */
export type RunPriority = 'release' | 'rebuild';

export interface ScheduledRun {
  recipe: string;
  priority: RunPriority;
}

/**
 * The pipeline runs that a watch's plan calls for, one per recipe however many targets it builds
 * for: new upstream releases first, then rebuilds, each group in the order the recipes came due.
 * `liveVersion` gives the upstream version live on a target (undefined: none).
 */
export function runsFromPlan(plan: readonly PlannedAction[], liveVersion: (recipe: string, targetId: string) => string | undefined): ScheduledRun[] {
  const runs = new Map<string, RunPriority>();
  for (const action of plan) {
    if (action.kind !== 'build') continue;
    const priority: RunPriority = liveVersion(action.recipe, action.targetId) === action.upstreamVersion ? 'rebuild' : 'release';
    if (runs.get(action.recipe) !== 'release') runs.set(action.recipe, priority);
  }
  const ordered = [...runs].map(([recipe, priority]) => ({ recipe, priority }));
  return [...ordered.filter((run) => run.priority === 'release'), ...ordered.filter((run) => run.priority === 'rebuild')];
}

/** APT suites whose Valid-Until comes within `marginMs` of `now` (or that have none): re-sign them. */
export function suitesToResign(suites: ReadonlyArray<{ suite: string; validUntil: Date | undefined }>, now: Date, marginMs: number): string[] {
  return suites.filter(({ validUntil }) => !validUntil || validUntil.getTime() - now.getTime() < marginMs).map(({ suite }) => suite);
}
