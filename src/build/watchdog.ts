import { fileURLToPath } from 'node:url';
import { startDetached } from '../core/exec.js';
import { processOwner } from '../core/process-owner.js';
import { getEngine } from './engine/api.js';
import type { ContainerEngine, EngineName } from './engine/types.js';
import { OWNER_LABEL } from './labels.js';

/**
 * A SIGKILLed freshet cannot remove its containers, and the engine keeps them running (conmon is
 * detached from its client on purpose; podman has no "stop when the parent dies"). So each run
 * starts this small process beside it, in its own session. It reads a pipe from the run, which the
 * kernel closes however the run ends: `done` first means the run ended its containers itself; end
 * of file without it means the run died, and the watchdog removes every container labelled with the
 * run's owner, looking again for a while for one that an orphaned engine client was still creating.
 */
export interface Watchdog {
  /** The run's containers are gone: the watchdog exits without looking. */
  release(): void;
}

const script = fileURLToPath(import.meta.url);
const SWEEPS = 10;
const SWEEP_INTERVAL_MS = 2_000;

export function startWatchdog(engine: EngineName): Watchdog {
  const { input } = startDetached(process.execPath, [script, engine, processOwner]);
  return { release: () => input.end('done\n') };
}

/** Remove the dead run's containers, again for a few sweeps; returns how many were removed. */
export async function sweepOwner(engine: ContainerEngine, owner: string, sweeps = SWEEPS, intervalMs = SWEEP_INTERVAL_MS): Promise<number> {
  let removed = 0;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    if (sweep > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const left = (await engine.listContainers(OWNER_LABEL)).filter((container) => container.labels[OWNER_LABEL] === owner);
    await engine.removeContainers(left.map((container) => container.id));
    removed += left.length;
  }
  return removed;
}

if (process.argv[1] === script) {
  const [engine, owner] = process.argv.slice(2);
  // Ends when the run writes `done` and closes the pipe, or dies and the kernel closes it.
  let said = '';
  for await (const chunk of process.stdin) said += String(chunk);
  if (!said.startsWith('done')) await sweepOwner(getEngine(engine!), owner!);
}
