import type { ContainerEngine } from '../build/engine/types.js';
import type { ResolvedTarget } from '../config/load.js';

/** One install test: a built package, installed from a staging copy of the archive. Plain data. */
export interface GateRequest {
  recipe: string;
  target: ResolvedTarget;
  buildId: string;
  upstreamVersion: string;
  packageVersion: string;
  /** Binary packages to install. */
  packages: string[];
  /** Packages from the distribution the smoke commands need (pkg-config…). */
  requires: string[];
  /**
   * rpm-on-Debian targets: the Debian packages the install container needs, because rpm there
   * installs with --nodeps (the recipe's build and runtime dependencies and gate.requires, resolved
   * for Debian; see gateDebianDepends). Made into a deps image over the builder before the gate.
   */
  debianDepends?: string[];
  /**
   * rpm-on-Debian targets: RPM relations that recipes of the archive provide (left out of
   * debianDepends), installed into the gate image from the staging YUM repository.
   */
  archiveRequires?: string[];
  /** Smoke commands, argument arrays; all must exit 0. */
  smoke: string[][];
  /** A regular expression the first smoke command's output must match; `{version}` is the upstream version. */
  expect: string | undefined;
  /** What the target ships itself; when set, that is installed first and upgraded to ours. */
  shipped: string | null;
  /** The staging archive, already holding the new packages, and its public key (binary keyring). */
  stagingDir: string;
  keyring: string;
  /** Folder for the gate's log. */
  logDir: string;
}

export interface GateResult {
  status: 'passed' | 'failed';
  reason?: string;
  logFile: string;
  installed: Record<string, string>;
  /** The distribution's versions installed before the upgrade. */
  upgradedFrom: Record<string, string>;
  /** Who ran it: a farm worker's name, or `local` for the coordinator's own executor. */
  worker?: string;
}

/** How a gate runs: the engine, its limits, cancellation and the disk reserve. */
export interface GateContext {
  engine: ContainerEngine;
  /** For the whole gate, all its containers together. */
  timeoutMs?: number;
  /** Per container: memory (`2g`), processes and CPUs. */
  memory?: string;
  pids?: number;
  cpus?: number;
  signal?: AbortSignal;
  /** The gate container installs as root into its writable root, on the engine's storage. */
  diskReserveMegabytes?: number;
  /** State folder, for the image logs of the rpm-on-Debian gate image (GateRequest.debianDepends). */
  stateDir?: string;
}
