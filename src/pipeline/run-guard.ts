import { getEngine } from '../build/engine/api.js';
import type { ContainerEngine } from '../build/engine/types.js';
import { cleanupStaleContainers } from '../build/labels.js';
import { startWatchdog } from '../build/watchdog.js';
import type { ResolvedConfig } from '../config/load.js';
import { log } from '../core/log.js';
import { acquireLock } from '../publish/lock.js';
import { StateStore } from '../state/store.js';
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

/**
 * The state as commands that write it open it (status, watch, generate, forget): builds of a freshet
 * that is gone are marked interrupted, and its containers removed, one engine listing. A killed run's
 * watchdog removes them already; this catches a watchdog that was killed too. Without a working
 * engine (a host that only reports) the containers wait for the next `freshet run`.
 */
export async function openStateClearingKilledRuns(config: ResolvedConfig): Promise<StateStore> {
  const state = StateStore.open(config.stateDir);
  await cleanupStaleContainers(getEngine(config.engine)).catch((error: unknown) =>
    log.warn('could not look for containers of killed freshet runs; the next freshet run removes them', { error: error instanceof Error ? error.message : String(error) }),
  );
  return state;
}
