import { isNewRelease } from '../../pipeline/executor.js';
import type { BuildSpec, GateSpec } from '../protocol.js';

/**
 * A farm job's BullMQ priority (lower goes first). Every job has one: BullMQ hands out jobs queued
 * without a priority before all prioritized ones. Gates first (each finishes a build already made,
 * and the run publishes only when its gates are done), then builds of a new upstream release (the
 * first rebuild number of a version on its target, retries of it included), then rebuilds of a
 * version already built (a recipe or template change, a library it follows). Within a priority
 * BullMQ keeps the order jobs were queued in, and a run queues at most one build per recipe on each
 * target's queue, so a recipe with many targets holds one place in each and cannot starve others.
 */
export function farmJobPriority(spec: BuildSpec | GateSpec): number {
  if (spec.kind === 'gate') return 1;
  return isNewRelease(spec.rebuild) ? 2 : 3;
}
