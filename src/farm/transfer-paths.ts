/**
 * The wire format of farm transfers, shared by the coordinator's routes and the worker's client:
 * blobs are named by their sha256, results by a job id and a file name that a worker chooses.
 * Both come from the network, so they are checked against a narrow charset before they are used
 * in a URL or anywhere near a path.
 */
export const FARM_PREFIX = '/farm/v1/';
export const BLOBS_PREFIX = `${FARM_PREFIX}blobs/`;
export const RESULTS_PREFIX = `${FARM_PREFIX}results/`;
/** The sha256 (lower-case hex) of an upload's body, as the worker computed it. */
export const SHA256_HEADER = 'x-freshet-sha256';

const SHA256 = /^[0-9a-f]{64}$/;
/** Package file names need `+` and `~`; a leading dot would allow `.`, `..` and hidden files. */
const SAFE_NAME = /^[A-Za-z0-9_+~-][A-Za-z0-9._+~-]{0,199}$/;

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

/** A job id or result file name: letters, digits and `._+~-`, no leading dot, at most 200 characters. */
export function isSafeName(value: string): boolean {
  return SAFE_NAME.test(value);
}

export function blobPath(sha256: string): string {
  return `${BLOBS_PREFIX}${sha256}`;
}

export function resultPath(jobId: string, name: string): string {
  return `${RESULTS_PREFIX}${jobId}/${name}`;
}
