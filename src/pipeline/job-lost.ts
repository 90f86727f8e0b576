import { UserError } from '../core/errors.js';

/**
 * An executor gave a job up without a verdict of the job's own: its workers went away (it
 * stalled too often) or it threw on every attempt (lost transfers). Nobody's fault: the failure
 * class counts it as infrastructure. (A module of its own: the config loads the failure class.)
 */
export class JobLostError extends UserError {}
