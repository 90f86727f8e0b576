import { UserError } from '../core/errors.js';

/**
 * An executor gave a job up without a verdict of the job's own: its workers went away (it
 * stalled too often) or it threw on every attempt (lost transfers). Nobody's fault: the failure
 * class counts it as infrastructure. (A module of its own: the config loads the failure class.)
 */
export class JobLostError extends UserError {}

/**
 * A worker returned a result its own uploaded files contradict (src/farm/coordinator/verify-artifacts.ts):
 * a broken or lying worker, not the package. Infrastructure: another worker builds the same inputs
 * after the backoff, and the coordinator reads every file again whoever built it.
 */
export class WorkerFaultError extends UserError {}
