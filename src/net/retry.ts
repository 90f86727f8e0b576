/**
 * When to try a request again and how long to wait first. A server's own word (Retry-After,
 * GitHub's x-ratelimit-reset) wins over freshet's exponential backoff; a wait longer than the cap
 * is reported as an error rather than sitting in a hang.
 */
export interface RetryTuning {
  /** Attempts per request, the first included. */
  tries: number;
  /** First backoff; doubles each time, plus up to the same again as jitter. */
  baseDelayMs: number;
  /** The longest freshet waits before a retry, whatever the server asks. */
  maxWaitMs: number;
}

export const defaultRetryTuning: RetryTuning = { tries: 3, baseDelayMs: 500, maxWaitMs: 60_000 };

export function isRetryableStatus(status: number, headers: Record<string, string>): boolean {
  if (status === 429 || status === 502 || status === 503 || status === 504 || status === 500) return true;
  // GitHub answers 403 for an exhausted (primary or secondary) rate limit.
  return status === 403 && (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined);
}

/** The wait the server asked for, in ms, or undefined when it did not say. */
export function serverWaitMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers['x-ratelimit-reset'];
  if (headers['x-ratelimit-remaining'] === '0' && reset !== undefined && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  return undefined;
}

/** Exponential backoff with full jitter for the given attempt (1 = after the first failure). */
export function backoffMs(attempt: number, tuning: RetryTuning, random = Math.random): number {
  const base = tuning.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(tuning.maxWaitMs, base + Math.floor(random() * base));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
