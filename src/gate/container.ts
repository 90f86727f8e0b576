import { diskGuard } from '../build/engine/disk-guard.js';
import type { RunControl, RunSpec } from '../build/engine/types.js';
import { ownerLabels } from '../build/labels.js';
import type { GateContext } from './types.js';

/**
 * What every gate container gets, whatever the family: its name and owner labels, the default
 * capabilities (it installs packages as root) and the gate's limits.
 */
export function gateContainer(buildId: string, context: GateContext): Pick<RunSpec, 'name' | 'labels' | 'capabilities' | 'memory' | 'pids' | 'timeoutMs'> {
  return {
    name: `freshet-gate-${buildId}`,
    labels: ownerLabels(buildId),
    capabilities: 'default',
    memory: '2g',
    pids: 2048,
    timeoutMs: context.timeoutMs ?? 20 * 60_000,
  };
}

/** A gate reports a failing install as its verdict, not as an error; its disk is watched like a build's. */
export function gateControl(logFile: string, context: GateContext): RunControl {
  return { logFile, allowFailure: true, signal: context.signal, diskGuard: diskGuard([], context.diskReserveMegabytes) };
}
