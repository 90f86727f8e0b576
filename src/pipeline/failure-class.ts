import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UpstreamError, systemFault } from '../core/errors.js';
import { CommandError } from '../core/exec.js';
import type { JobStep } from '../publish/checkpoint.js';
import { JobLostError, WorkerFaultError } from './job-lost.js';

/**
 * Why a build or gate failed, as far as it matters for what happens next. An infrastructure
 * failure is nobody's fault (the mirror was down, the container engine broke, the disk filled, the
 * job timed out under load): the same inputs are built again on a later run after a backoff. A
 * packaging failure comes from the package (compile error, lintian error, refused artifact, gate):
 * building the same inputs again would fail the same way, so it waits for a change to the recipe,
 * the templates or the release (or `--retry-failed`).
 *
 * Structured signals decide first: the step that failed, the engine's exit code, a timeout, a
 * file-system fault. Log text is read only where no structure says it, from the steps that use the
 * network (the deps image's package install, the gate's download), with the patterns in one table.
 */
export type FailureClass = 'infrastructure' | 'packaging';

/** A job step, or `artifacts`: the check of what a finished build made (src/build/artifact-policy.ts). */
export type FailureStep = Exclude<JobStep, 'publish'> | 'artifacts';

export interface Failure {
  class: FailureClass;
  /** Short, for the status page and the plan: `apt could not download from the mirror`. */
  reason: string;
}

export interface FailureEvidence {
  step: FailureStep;
  /** Exit code of the engine client (podman run …), when a container ran. */
  exitCode?: number;
  timedOut?: boolean;
  /** The error freshet recorded and the tail of the step's log. */
  text: string;
  /** The HTTP client's retries of a connection error, cut body, 429 or 5xx ran out (src/net/http.ts). */
  upstreamUnreachable?: boolean;
  /** A file-system fault of this machine (ENOSPC, EIO…: src/core/errors.ts systemFault). */
  machineFault?: boolean;
  /** The farm worker running the job went away (the queue gave the job up as stalled). */
  lostWorker?: boolean;
  /** The farm worker's result contradicted the files it uploaded. */
  workerFault?: boolean;
}

const ANY_STEP: readonly FailureStep[] = ['fetch', 'generate', 'images', 'build', 'artifacts', 'gate'];
/** Steps whose containers have the network: there, a download error is the mirror's, not the package's. */
const NETWORK_STEPS: readonly FailureStep[] = ['images', 'gate'];

/** The text signals, each checked against real output of the tool named (see test/pipeline/failure-class.test.ts). */
const INFRASTRUCTURE_TEXT: ReadonlyArray<{ pattern: RegExp; steps: readonly FailureStep[]; reason: string }> = [
  // apt-get update and install: an index or a package could not be downloaded from a mirror. apt
  // writes it for a refused or cut connection, a name that does not resolve and an HTTP 5xx alike;
  // `update` only warns (W:) and exits 0, and the install after it fails as "unmet dependencies".
  // (A file:/ source is freshet's own staging archive, not the network.)
  { pattern: /^[WE]: Failed to fetch https?:\/\//m, steps: NETWORK_STEPS, reason: 'apt could not download from the mirror' },
  // dnf (librepo): curl could not reach a repository, or its metadata could not be downloaded.
  { pattern: /Curl error \(\d+\): |^Error: Failed to download metadata for repo /m, steps: NETWORK_STEPS, reason: 'dnf could not download from the repository' },
  // podman exits 126 or 127 both when the OCI runtime cannot start the container's command (a broken
  // image) and when the command inside exits so; only the runtime's own words tell them apart.
  { pattern: /OCI runtime attempted to invoke a command that was not found|OCI permission denied/, steps: ANY_STEP, reason: 'the container engine could not start the container' },
  // src/build/engine/disk-guard.ts stopped the job: the build folder's or the engine's disk ran low.
  { pattern: /MiB freshet keeps free \(limits\.diskReserveMegabytes\)/, steps: ANY_STEP, reason: 'disk full' },
];

// podman and docker exit 125 when the engine itself failed (storage, runtime, network set-up), before or around the container.
const ENGINE_ERROR_EXIT = 125;

export function classifyFailure(evidence: FailureEvidence): Failure {
  const infrastructure = (reason: string): Failure => ({ class: 'infrastructure', reason });
  if (evidence.step === 'artifacts') return { class: 'packaging', reason: 'the build made files the recipe does not declare' };
  if (evidence.machineFault) return infrastructure('file-system fault on the build machine');
  if (evidence.lostWorker) return infrastructure('the worker running the job was lost');
  if (evidence.workerFault) return infrastructure('the worker returned a result its files contradict');
  if (evidence.timedOut) return infrastructure(`the ${evidence.step} step timed out`);
  if (evidence.exitCode === ENGINE_ERROR_EXIT) return infrastructure(`container engine error (exit ${ENGINE_ERROR_EXIT})`);
  if (evidence.upstreamUnreachable) return infrastructure('the upstream could not be reached');
  // The gate's install phase runs the package's own scripts without the network: what fails there is
  // the package's (the reason judgeGate in src/gate/apt/index.ts gives, for APT and RPM gates alike).
  const offline = evidence.step === 'gate' && /\(install, no network, exit \d+\)/.test(evidence.text);
  for (const entry of INFRASTRUCTURE_TEXT) {
    if (offline && entry.steps === NETWORK_STEPS) continue;
    if (entry.steps.includes(evidence.step) && entry.pattern.test(evidence.text)) return infrastructure(entry.reason);
  }
  return { class: 'packaging', reason: `the ${evidence.step === 'gate' ? 'gate' : `${evidence.step} step`} failed` };
}

const LOG_TAIL_BYTES = 64 * 1024;

/** The last bytes of a log, or nothing when it cannot be read: a classification never fails the run. */
export function logTail(file: string | undefined, bytes = LOG_TAIL_BYTES): string {
  if (!file) return '';
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Evidence from what a step threw: a command's exit code, timeout and log, an unreachable upstream, a disk fault. */
export function evidenceOf(step: FailureStep, error: unknown, message: string): FailureEvidence {
  if (error instanceof CommandError) {
    return { step, exitCode: error.exitCode, timedOut: error.timedOut, text: `${message}\n${error.tail}\n${logTail(error.logFile)}` };
  }
  return {
    step,
    text: message,
    upstreamUnreachable: step === 'fetch' && error instanceof UpstreamError && /\(gave up after \d+ tries\)$/.test(error.message),
    machineFault: systemFault(error) !== undefined,
    lostWorker: error instanceof JobLostError,
    workerFault: error instanceof WorkerFaultError,
  };
}

/** Evidence from a build that ran and failed: its container's exit code, a timeout, its error and log. */
export function buildEvidence(result: { error?: string; logFile: string; exitCode?: number; timedOut?: boolean }): FailureEvidence {
  return { step: 'build', exitCode: result.exitCode, timedOut: result.timedOut, text: `${result.error ?? ''}\n${logTail(result.logFile)}` };
}

/** Evidence from a failed gate: its reason (src/gate/*: `… (download, network on, exit 100)`) and its log. */
export function gateEvidence(gate: { reason?: string; logFile: string }): FailureEvidence {
  const reason = gate.reason ?? '';
  const exit = /, exit (\d+)\)$/.exec(reason);
  return { step: 'gate', exitCode: exit ? Number(exit[1]) : undefined, text: `${reason}\n${logTail(gate.logFile)}` };
}

export interface RetryPolicy {
  /** Wait before the first automatic retry of an infrastructure failure. */
  backoffMs: number;
  /** The wait doubles with each infrastructure failure of the same inputs in a row, up to this. */
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { backoffMs: 5 * 60_000, maxBackoffMs: 6 * 3_600_000 };

/** When the `failures`-th infrastructure failure in a row (1 for the first), ended at `failedAt`, is due to be built again. */
export function retryDueAt(failedAt: string, failures: number, policy: RetryPolicy): Date {
  const wait = Math.min(policy.backoffMs * 2 ** Math.max(0, failures - 1), policy.maxBackoffMs);
  return new Date(Date.parse(failedAt) + wait);
}
