import os from 'node:os';
import path from 'node:path';
import { durationMs, percentFraction } from '../core/duration-value.js';
import { ConfigError } from '../core/errors.js';
import { isAllowedHost, isLoopbackLiteral } from '../net/address.js';
import { DEFAULT_FORGE_ORIGINS, type ForgeOrigins } from '../net/policy.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../pipeline/failure-class.js';
import type { Target } from '../types.js';
// Types only: a config served from the validated cache (cached.ts) is resolved without loading zod.
import type { Config, FarmWorker, ImageSource, Rewrite, TargetConfig } from './schema.js';

/** Config with defaults filled in and paths made absolute: what the stages use. */
export interface ResolvedConfig {
  file: string;
  root: string;
  recipesDir: string;
  archiveDir: string;
  stateDir: string;
  targets: ResolvedTarget[];
  archive: { origin: string; label: string; validDays: number; graceHours: number; keep: number; url: string | undefined };
  signingKey: string | undefined;
  /** Days before the archive key expires from which freshet warns. */
  keyWarningDays: number;
  maintainer: string;
  engine: 'podman' | 'docker';
  concurrency: { builds: number; perHost: number };
  limits: {
    buildTimeoutMs: number;
    buildMemory: string;
    buildPids: number;
    buildCpus: number;
    buildScratchMegabytes: number | undefined;
    gateTimeoutMs: number;
    gateMemory: string;
    gatePids: number;
    gateCpus: number;
    diskReserveMegabytes: number | undefined;
    httpTimeoutMs: number;
    maxDownloadBytes: number;
  };
  /** Backoff before a run builds an infrastructure failure again by itself. */
  retry: RetryPolicy;
  rewrites: Rewrite[];
  allowHosts: string[];
  /** Origins the forge tokens may go to. */
  forges: ForgeOrigins;
  dependencies: NonNullable<Config['dependencies']>;
  listen: string;
  webhooks: NonNullable<Config['webhooks']>;
  /** `freshet serve`'s own watching and re-signing (src/serve/scheduler.ts). */
  schedule: { intervalMs: number; jitter: number; resignBeforeMs: number };
  /** The coordinator's transfer endpoint and its workers; undefined without a `farm:` block. */
  farm: { listen: string; maxUploadBytes: number; workers: FarmWorker[] } | undefined;
  /** BullMQ's Redis URL: builds and gates go to farm workers; undefined: in this process. */
  queue: string | undefined;
}

export interface ResolvedTarget extends Target {
  image: ImageSource;
  mirror: string | undefined;
  /** Absolute path of the keyring configured for the mirror's InRelease; undefined: the distribution's. */
  mirrorKeyring: string | undefined;
  indexSuites: string[];
  enabled: boolean;
}

export const DEFAULT_CONFIG_FILE = 'freshet.config.yaml';

function resolveTarget(target: TargetConfig, root: string): ResolvedTarget {
  const mirror = target.mirror ?? ('bootstrap' in target.image ? target.image.bootstrap.mirror : undefined);
  const indexSuites =
    target.indexSuites ??
    (target.family === 'deb' ? [target.codename, `${target.codename}-updates`] : []);
  return {
    id: target.id,
    family: target.family,
    distro: target.distro,
    release: target.release,
    codename: target.codename,
    image: target.image,
    mirror,
    mirrorKeyring: target.mirrorKeyring === undefined ? undefined : path.resolve(root, target.mirrorKeyring),
    indexSuites,
    enabled: target.enabled ?? true,
  };
}

/** A forge's API origin: https, or plain http only to a loopback host allowHosts lists (a token would cross the network in clear). */
function forgeOrigin(file: string, forge: keyof ForgeOrigins, value: string | undefined, allowHosts: readonly string[]): string {
  const url = new URL(value ?? DEFAULT_FORGE_ORIGINS[forge]);
  if (url.protocol !== 'https:' && !(isLoopbackLiteral(url) && isAllowedHost(url, allowHosts))) {
    throw new ConfigError(`${file}: forges.${forge}: ${url.origin} is plain http; a forge token is only sent over https (or to a loopback address listed in allowHosts)`);
  }
  return url.origin;
}

/** The engine refuses a CPU limit above what the machine has. */
function machineCpus(wanted: number): number {
  return Math.min(wanted, os.availableParallelism());
}

export function resolveConfig(config: Config, file: string): ResolvedConfig {
  const root = path.dirname(path.resolve(file));
  const inRoot = (value: string | undefined, fallback: string) => path.resolve(root, value ?? fallback);
  const ids = new Set<string>();
  for (const [index, target] of config.targets.entries()) {
    if (ids.has(target.id)) throw new ConfigError(`${file}: targets[${index}].id: duplicate target id ${target.id}`);
    ids.add(target.id);
  }
  return {
    file: path.resolve(file),
    root,
    recipesDir: inRoot(config.recipes, 'recipes'),
    archiveDir: inRoot(config.archive, 'var/archive'),
    stateDir: inRoot(config.state, 'var/state'),
    targets: config.targets.map((target) => resolveTarget(target, root)),
    archive: {
      origin: config.archiveInfo?.origin ?? 'freshet',
      label: config.archiveInfo?.label ?? 'freshet',
      validDays: config.archiveInfo?.validDays ?? 7,
      graceHours: config.archiveInfo?.graceHours ?? 24,
      keep: config.archiveInfo?.keep ?? 3,
      url: config.archiveInfo?.url,
    },
    signingKey: config.signing?.key,
    keyWarningDays: config.signing?.expiryWarningDays ?? 30,
    maintainer: config.maintainer ?? 'freshet builds <builds@example.org>',
    engine: config.engine ?? 'podman',
    concurrency: { builds: config.concurrency?.builds ?? 2, perHost: config.concurrency?.perHost ?? 4 },
    limits: {
      buildTimeoutMs: (config.limits?.buildTimeoutMinutes ?? 60) * 60_000,
      buildMemory: config.limits?.buildMemory ?? '4g',
      buildPids: config.limits?.buildPids ?? 4096,
      buildCpus: machineCpus(config.limits?.buildCpus ?? 8),
      // Unset: the build runner's default (src/build/container-build.ts).
      buildScratchMegabytes: config.limits?.buildScratchMegabytes,
      // Unset: src/build/engine/disk-guard.ts's default.
      diskReserveMegabytes: config.limits?.diskReserveMegabytes,
      gateTimeoutMs: (config.limits?.gateTimeoutMinutes ?? 20) * 60_000,
      gateMemory: config.limits?.gateMemory ?? '2g',
      gatePids: config.limits?.gatePids ?? 2048,
      gateCpus: machineCpus(config.limits?.gateCpus ?? 2),
      httpTimeoutMs: (config.limits?.httpTimeoutSeconds ?? 30) * 1000,
      maxDownloadBytes: (config.limits?.maxDownloadMegabytes ?? 512) * 1024 * 1024,
    },
    retry: {
      backoffMs: (config.retry?.infrastructureBackoffSeconds ?? DEFAULT_RETRY.backoffMs / 1000) * 1000,
      maxBackoffMs: (config.retry?.infrastructureMaxBackoffSeconds ?? DEFAULT_RETRY.maxBackoffMs / 1000) * 1000,
    },
    rewrites: config.rewrites ?? [],
    allowHosts: config.allowHosts ?? [],
    forges: {
      github: forgeOrigin(file, 'github', config.forges?.github, config.allowHosts ?? []),
      gitlab: forgeOrigin(file, 'gitlab', config.forges?.gitlab, config.allowHosts ?? []),
    },
    dependencies: config.dependencies ?? {},
    listen: config.serve?.listen ?? '127.0.0.1:8780',
    webhooks: config.webhooks ?? {},
    schedule: {
      intervalMs: durationMs(config.schedule?.interval ?? '6h'),
      jitter: percentFraction(config.schedule?.jitter ?? '10%'),
      // A margin as long as the validity would re-sign on every check.
      resignBeforeMs: Math.min(durationMs(config.schedule?.resignBefore ?? '2d'), ((config.archiveInfo?.validDays ?? 7) * 86_400_000) / 2),
    },
    farm: config.farm && {
      listen: config.farm.listen ?? '127.0.0.1:8790',
      maxUploadBytes: (config.farm.maxUploadMegabytes ?? 2048) * 1024 * 1024,
      workers: config.farm.workers,
    },
    queue: config.queue,
  };
}

export function findTarget(config: ResolvedConfig, id: string): ResolvedTarget {
  const target = config.targets.find((candidate) => candidate.id === id);
  if (!target) {
    throw new ConfigError(`${config.file}: no target "${id}" (configured: ${config.targets.map((t) => t.id).join(', ')})`);
  }
  return target;
}

/** Apply the config's URL rewrites: a real upstream prefix is served from a mirror. */
export function rewriteUrl(url: string, rewrites: readonly Rewrite[]): string {
  for (const rewrite of rewrites) {
    if (url.startsWith(rewrite.from)) return rewrite.to + url.slice(rewrite.from.length);
  }
  return url;
}
