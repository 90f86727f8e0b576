import type { ContainerEngine } from '../build/engine/types.js';
import { cleanupStaleContainers } from '../build/labels.js';
import { startWatchdog } from '../build/watchdog.js';
import type { ResolvedConfig } from '../config/load.js';
import { acquireLock } from '../publish/lock.js';
import type { StateStore } from '../state/store.js';
import { stateLayout } from './layout.js';

/**
 * What keeps runs from losing or doubling work: one run at a time per state folder (a second one
 * waits, naming the first), a watchdog that stops this run's containers if it is killed, and the
 * leftovers of killed runs (builds still marked running, their containers) cleared first.
 */
export interface RunGuard {
  release(): Promise<void>;
}

// A run of many builds takes hours; a timer run started meanwhile waits for it rather than failing.
const RUN_LOCK_WAIT_MS = 12 * 3_600_000;

/** For a run that writes the state and the archive: the run lock, then the watchdog. */
export async function guardRun(config: ResolvedConfig, engine: ContainerEngine): Promise<RunGuard> {
  const lock = await acquireLock(stateLayout(config).runLock, { kind: 'run', holder: 'freshet run', timeoutMs: RUN_LOCK_WAIT_MS });
  const watchdog = startWatchdog(engine.name);
  return {
    release: async () => {
      watchdog.release();
      await lock.release();
    },
  };
}

/** Builds still marked running by a freshet that is gone become interrupted; its containers are removed. */
export async function clearKilledRuns(state: StateStore, engine: ContainerEngine): Promise<void> {
  state.markInterruptedBuilds(new Date().toISOString());
  await cleanupStaleContainers(engine);
}
