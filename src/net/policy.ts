import type { ResolvedConfig } from '../config/load.js';
import type { HttpPolicy } from './http.js';

/** The HTTP policy a config asks for: its rewrites, allowed hosts, limits and per-host concurrency. */
export function httpPolicy(config: ResolvedConfig): HttpPolicy {
  return {
    allowHosts: config.allowHosts,
    rewrites: config.rewrites,
    timeoutMs: config.limits.httpTimeoutMs,
    maxBytes: config.limits.maxDownloadBytes,
    perHost: config.concurrency.perHost,
  };
}
