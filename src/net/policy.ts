import type { ResolvedConfig } from '../config/load.js';
import type { HttpPolicy } from './http.js';

/** Where each forge's token may go: its API origin. */
export interface ForgeOrigins {
  github: string;
  gitlab: string;
}

export const DEFAULT_FORGE_ORIGINS: ForgeOrigins = { github: 'https://api.github.com', gitlab: 'https://gitlab.com' };

/** The HTTP policy a config asks for: its rewrites, allowed hosts, limits, per-host concurrency and forge token origins. */
export function httpPolicy(config: ResolvedConfig): HttpPolicy {
  return {
    allowHosts: config.allowHosts,
    rewrites: config.rewrites,
    timeoutMs: config.limits.httpTimeoutMs,
    maxBytes: config.limits.maxDownloadBytes,
    perHost: config.concurrency.perHost,
    forgeOrigins: config.forges,
  };
}
