import PQueue from 'p-queue';
import type { ContainerEngine } from '../build/engine/types.js';
import type { ResolvedConfig } from '../config/load.js';
import type { GateResult } from '../gate/types.js';
import type { BuildSpec, GateSpec } from '../farm/protocol.js';
import { runBuildJob, runGateJob, type BuildFiles, type GateFiles } from '../farm/runner.js';
import type { BuildResult } from '../types.js';

/**
 * The coordinator (src/pipeline/run.ts) plans, fetches, generates, stages, signs and publishes;
 * an executor runs the build and gate jobs it hands over. The files are the coordinator's own
 * folders: the in-process executor runs the job runner on them, the farm executor
 * (src/farm/coordinator/) ships them to a worker by content hash and brings the results back into
 * them, so both return results whose files are on the coordinator.
 */
export interface Executor {
  /** Runs one job's coordinator side (fetch to gate) when there is room: the build slots of the machine or the farm; waiting builds of a new upstream release go first. */
  schedule<T>(work: () => Promise<T>, order: { release: boolean }): Promise<T>;
  build(spec: BuildSpec, files: BuildFiles, control: JobControl): Promise<BuildResult>;
  gate(spec: GateSpec, files: GateFiles, control: JobControl): Promise<GateResult>;
  /** The run has published: what the executor kept for these builds (and their gates) may go. */
  release(buildIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface JobControl {
  signal?: AbortSignal;
  /** The deps image is ready and the build starts (the job's `build` step). */
  onBuildStart?: () => Promise<void>;
}

/** A build of a new upstream release: the first rebuild number of its version on the target (another attempt at it included); it goes before rebuilds. */
export const isNewRelease = (rebuild: number): boolean => rebuild <= 1;

/** The build slots' order (p-queue: higher first; equal ones first come, first served). */
export const slotPriority = (order: { release: boolean }): number => (order.release ? 1 : 0);

/** The worker the state records for a job the coordinator ran itself. */
export const LOCAL_WORKER = 'local';

/** Today's mode, the default: `concurrency.builds` jobs at a time in this process. */
export function inProcessExecutor(config: ResolvedConfig, engine: ContainerEngine): Executor {
  const queue = new PQueue({ concurrency: config.concurrency.builds });
  const context = (control: JobControl) => ({ engine, stateDir: config.stateDir, signal: control.signal, onBuildStart: control.onBuildStart });
  return {
    schedule: (work, order) => queue.add(work, { throwOnTimeout: true, priority: slotPriority(order) }),
    build: async (spec, files, control) => ({ ...(await runBuildJob(spec, files, context(control))), worker: LOCAL_WORKER }),
    gate: async (spec, files, control) => ({ ...(await runGateJob(spec, files, context(control))), worker: LOCAL_WORKER }),
    // The runner works in the build's own folders: nothing to release.
    release: async () => undefined,
    close: async () => undefined,
  };
}
