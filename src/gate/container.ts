import os from 'node:os';
import { diskGuard } from '../build/engine/disk-guard.js';
import type { NetworkMode, RunControl, RunSpec } from '../build/engine/types.js';
import { ownerLabels } from '../build/labels.js';
import type { GateContext } from './types.js';

/**
 * What apt, dpkg, rpm and dnf need as root in a gate container, and nothing more: owning and
 * setting the modes of the files they unpack (CHOWN, DAC_OVERRIDE, FOWNER, FSETID) and switching to apt's
 * unprivileged `_apt` user for its fetchers (SETUID, SETGID). The engine's default set adds
 * KILL, NET_BIND_SERVICE, SETFCAP, SETPCAP and SYS_CHROOT, which no install step needs.
 */
export const PACKAGE_MANAGER_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID'] as const;

export const GATE_DEFAULTS = { timeoutMs: 20 * 60_000, memory: '2g', pids: 2048, cpus: 2 };

type GateSpec = Pick<RunSpec, 'name' | 'labels' | 'capabilities' | 'memory' | 'pids' | 'cpus' | 'timeoutMs' | 'network'>;

/**
 * The gate's containers share one deadline: each phase gets what the phases before it left.
 * `started` is when the gate began (Date.now()).
 */
export interface GatePhase {
  /** `download`: only the package manager runs, with the network, to fetch what the install needs; `install`: the package's own code runs, with no network. */
  kind: 'download' | 'install';
  started: number;
}

/**
 * What every gate container gets, whatever the family: its name and owner labels, the package
 * manager's capabilities only, and the gate's limits. The network is on only in the download
 * phase, which runs the package manager and never the package's scripts; the install phase, where
 * maintainer scripts, scriptlets and smoke commands run, has none.
 */
export function gateContainer(buildId: string, context: GateContext, phase: GatePhase): GateSpec {
  const timeoutMs = context.timeoutMs ?? GATE_DEFAULTS.timeoutMs;
  // The engine's default network: a bridge that reaches the distribution's mirror, not the host's loopback.
  const network: NetworkMode = phase.kind === 'download' ? 'default' : 'none';
  return {
    name: `freshet-gate-${phase.kind}-${buildId}`,
    labels: ownerLabels(buildId),
    network,
    capabilities: { keep: PACKAGE_MANAGER_CAPABILITIES },
    memory: context.memory ?? GATE_DEFAULTS.memory,
    pids: context.pids ?? GATE_DEFAULTS.pids,
    cpus: context.cpus ?? Math.min(GATE_DEFAULTS.cpus, os.availableParallelism()),
    timeoutMs: Math.max(1000, phase.started + timeoutMs - Date.now()),
  };
}

/** A gate reports a failing install as its verdict, not as an error; its disk is watched like a build's. */
export function gateControl(logFile: string, context: GateContext): RunControl {
  return { logFile, allowFailure: true, signal: context.signal, diskGuard: diskGuard([], context.diskReserveMegabytes) };
}
