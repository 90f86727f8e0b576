import PQueue from 'p-queue';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage, isUserError } from '../core/errors.js';
import { log } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { HttpClient } from '../net/http.js';
import { DEFAULT_FORGE_ORIGINS, httpPolicy } from '../net/policy.js';
import type { LoadedRecipe } from '../recipe/load.js';
import type { Upstream } from '../recipe/schema.js';
import type { StateStore } from '../state/store.js';
import { looksLikePrerelease } from '../versioning/prerelease.js';
import { isSafeVersionString, normalizeUpstream, upstreamCompare } from '../versioning/upstream.js';
import { sourceFor } from './api.js';
import type { UpstreamRelease, WatchContext } from './types.js';

/** A release after freshet's rules: version normalized (and mangled), safe, wanted. */
export interface FoundRelease {
  upstreamVersion: string;
  /** As upstream spelled it. */
  rawVersion: string;
  url: string;
  signatureUrl?: string;
  checksumUrl?: string;
  sha256?: string;
  signedHash?: UpstreamRelease['signedHash'];
  publishedAt?: string;
}

export interface WatchResult {
  recipe: string;
  /** Upstream's newest wanted release; absent when it would be a step back from what state recorded. */
  newest?: FoundRelease;
  /** Every wanted release, newest first (dpkg order). */
  versions: FoundRelease[];
  warnings: string[];
  error?: string;
}

export interface WatchOutcome extends WatchResult {
  /** The newest release freshet knows of: upstream's, or the recorded one when upstream went backwards. */
  current?: { upstreamVersion: string; seenAt: string; isNew: boolean };
}

export const WATCH_CONCURRENCY = 32;

export function watchContext(
  http: HttpClient,
  state: Pick<StateStore, 'httpCache' | 'setHttpCache'>,
  recipe: string,
  memo = new Map<string, Promise<unknown>>(),
): WatchContext {
  const github = process.env.GITHUB_TOKEN || undefined;
  const gitlab = process.env.GITLAB_TOKEN || undefined;
  registerSecret(github);
  registerSecret(gitlab);
  const origins = http.policy.forgeOrigins ?? DEFAULT_FORGE_ORIGINS;
  return {
    http,
    recipe,
    cache: { get: (url) => state.httpCache(url), set: (url, entry) => state.setHttpCache(url, entry) },
    tokens: {
      github: github ? { token: github, origin: origins.github } : undefined,
      gitlab: gitlab ? { token: gitlab, origin: origins.gitlab } : undefined,
    },
    memo,
  };
}

function fillTemplate(template: string, values: { url: string; version: string; name: string }): string {
  return template.replace(/\{(url|version|name)\}/g, (_match, key: keyof typeof values) => values[key]);
}

/** Raw release → FoundRelease, or the reason it was dropped (undefined reason: silently unwanted). */
function accept(
  release: UpstreamRelease,
  upstream: Upstream,
  name: string,
): { found?: FoundRelease; rejected?: string } {
  const raw = release.version;
  if (!isSafeVersionString(raw)) return { rejected: `refusing upstream version ${JSON.stringify(String(raw).slice(0, 60))}` };
  let mangled = raw;
  for (const rule of upstream.mangle ?? []) mangled = mangled.replace(new RegExp(rule.match, 'g'), rule.replace);
  if (!isSafeVersionString(mangled)) return { rejected: `refusing mangled version ${JSON.stringify(String(mangled).slice(0, 60))}` };
  const upstreamVersion = normalizeUpstream(mangled);
  if (upstream.versions && !new RegExp(upstream.versions).test(upstreamVersion)) return {};
  const prerelease = release.prerelease === true || looksLikePrerelease(upstreamVersion);
  if (prerelease && upstream.prerelease !== 'include') return {};
  const values = { url: release.url, version: raw, name };
  return {
    found: {
      upstreamVersion,
      rawVersion: raw,
      url: release.url,
      signatureUrl: release.signatureUrl ?? (upstream.signature ? fillTemplate(upstream.signature.url, values) : undefined),
      checksumUrl: release.checksumUrl ?? (upstream.checksumFile ? fillTemplate(upstream.checksumFile.url, values) : undefined),
      sha256: release.sha256,
      signedHash: release.signedHash,
      publishedAt: release.publishedAt,
    },
  };
}

/**
 * Ask one recipe's upstream for its releases and apply the recipe's rules. Changes no state:
 * `recorded` (versions state already holds) only guards against a step back.
 */
export async function watchRecipe(loaded: LoadedRecipe, ctx: WatchContext, recorded: readonly string[] = []): Promise<WatchResult> {
  const { recipe } = loaded;
  const result: WatchResult = { recipe: recipe.name, versions: [], warnings: [] };
  try {
    const source = sourceFor(recipe.upstream);
    const releases = await source.getReleases(recipe.upstream, ctx);
    if (releases === null) {
      result.error = `${recipe.name}: ${source.describe(recipe.upstream)}: no such project upstream (404)`;
      return result;
    }
    const seen = new Set<string>();
    for (const release of releases) {
      const { found, rejected } = accept(release, recipe.upstream, recipe.name);
      if (rejected) result.warnings.push(rejected);
      if (!found || seen.has(found.upstreamVersion)) continue;
      seen.add(found.upstreamVersion);
      result.versions.push(found);
    }
    result.versions.sort((a, b) => upstreamCompare(b.upstreamVersion, a.upstreamVersion));
    const newest = result.versions[0];
    const highestRecorded = [...recorded].filter(isSafeVersionString).sort(upstreamCompare).at(-1);
    if (highestRecorded && (!newest || upstreamCompare(newest.upstreamVersion, highestRecorded) < 0)) {
      result.warnings.push(
        newest
          ? `upstream's newest version ${newest.upstreamVersion} is older than ${highestRecorded}, seen before; keeping ${highestRecorded}`
          : `upstream lists no wanted version any more; keeping ${highestRecorded}`,
      );
    } else {
      result.newest = newest;
    }
  } catch (error) {
    const message = errorMessage(error);
    result.error = isUserError(error) ? `${recipe.name}: ${message}` : `${recipe.name}: internal error: ${message}`;
    if (!isUserError(error)) log.debug('watch internal error', { recipe: recipe.name, stack: (error as Error).stack });
  }
  for (const warning of result.warnings) log.warn(warning, { recipe: recipe.name });
  return result;
}

/** Record a check in state: the newest release when it is one, and the check itself. A failed check adds no release. */
export function recordWatch(result: WatchResult, state: StateStore, checkedAt: string): WatchOutcome {
  if (result.error) {
    state.recordCheck(result.recipe, { ok: false, error: result.error, checkedAt });
    return result;
  }
  let current: WatchOutcome['current'];
  if (result.newest) {
    const { upstreamVersion, url, signatureUrl, checksumUrl, signedHash } = result.newest;
    const recorded = state.recordRelease(result.recipe, { upstreamVersion, url, signatureUrl, checksumUrl }, checkedAt);
    if (recorded.moved) log.info('known release now fetched from a new URL; its recorded tarball hash still holds', { recipe: result.recipe, version: upstreamVersion, url });
    // Recorded before any download: fetch then accepts only the bytes the signed index lists.
    if (signedHash) state.setReleaseHash(result.recipe, upstreamVersion, signedHash.sha256, signedHash.size);
    current = { upstreamVersion, seenAt: recorded.seenAt, isNew: recorded.isNew };
  } else {
    const kept = state
      .releases(result.recipe)
      .filter((row) => isSafeVersionString(row.upstreamVersion))
      .sort((a, b) => upstreamCompare(a.upstreamVersion, b.upstreamVersion))
      .at(-1);
    if (kept) current = { upstreamVersion: kept.upstreamVersion, seenAt: kept.seenAt, isNew: false };
  }
  state.recordCheck(result.recipe, { ok: true, newest: current?.upstreamVersion, checkedAt });
  return { ...result, current };
}

export interface WatchAllOptions {
  http?: HttpClient;
  concurrency?: number;
  memo?: Map<string, Promise<unknown>>;
  now?: () => string;
}

/** Watch every recipe, a bounded number at a time; one recipe's failure is that recipe's error only. */
export async function watchAll(
  recipes: readonly LoadedRecipe[],
  config: ResolvedConfig,
  state: StateStore,
  options: WatchAllOptions = {},
): Promise<WatchOutcome[]> {
  const http = options.http ?? new HttpClient(httpPolicy(config));
  const memo = options.memo ?? new Map<string, Promise<unknown>>();
  const now = options.now ?? (() => new Date().toISOString());
  const queue = new PQueue({ concurrency: options.concurrency ?? WATCH_CONCURRENCY });
  try {
    const results = await Promise.all(
      recipes.map((loaded) =>
        queue.add(
          async () => {
            const ctx = watchContext(http, state, loaded.recipe.name, memo);
            const recorded = state.releases(loaded.recipe.name).map((row) => row.upstreamVersion);
            return { result: await watchRecipe(loaded, ctx, recorded), checkedAt: now() };
          },
          { throwOnTimeout: true },
        ),
      ),
    );
    // One transaction for the whole run: a commit (and fsync) per recipe would dominate a re-check.
    return state.db.transaction(() => results.map(({ result, checkedAt }) => recordWatch(result, state, checkedAt)))();
  } finally {
    if (!options.http) http.close();
  }
}
