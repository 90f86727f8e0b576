import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import type { HttpClient } from '../net/http.js';
import type { LoadedRecipe } from '../recipe/load.js';
import type { StateStore } from '../state/store.js';
import { isValid as isValidDebVersion } from '../versioning/deb.js';
import { upstreamCompare } from '../versioning/upstream.js';
import { shippedVersion, upstreamPart } from './debian/index.js';
import { DISTRO_KEYRINGS } from './debian/inrelease.js';
import type { WatchOutcome } from './watch.js';
import { watchContext } from './watch.js';

export interface TargetNeed {
  target: string;
  /** What the distribution ships itself: a Debian version, null for nothing, undefined when unknown. */
  shipped: string | null | undefined;
  /** The upstream version freshet has published there. */
  published: string | undefined;
  /** The newest upstream release is newer than both. */
  needed: boolean;
}

function olderThan(version: string | null | undefined, newest: string, debian: boolean): boolean {
  if (version === null || version === undefined) return true;
  const upstream = debian && isValidDebVersion(version) ? upstreamPart(version) : version;
  return upstreamCompare(upstream, newest) < 0;
}

async function shippedOn(
  target: ResolvedTarget,
  sourcePackage: string,
  state: StateStore,
  http: HttpClient,
  memo: Map<string, Promise<unknown>>,
  checkedAt: string,
): Promise<string | null | undefined> {
  if (target.family !== 'deb' || !target.mirror || target.distro === 'fedora') return undefined;
  try {
    const index = { mirror: target.mirror, suites: target.indexSuites, keyring: target.mirrorKeyring ?? DISTRO_KEYRINGS[target.distro] };
    const version = await shippedVersion(index, sourcePackage, watchContext(http, state, target.id, memo));
    state.setShipped(target.id, sourcePackage, version, checkedAt);
    return version;
  } catch (error) {
    log.warn('could not learn what a target ships; using the last known answer', { target: target.id, error: errorMessage(error) });
    return state.shipped(target.id, sourcePackage)?.version;
  }
}

/**
 * For each recipe, the enabled targets that lack its newest release: the distribution ships an
 * older version or none, and freshet has not published it (or only an older one) there.
 */
export async function targetNeeds(
  config: ResolvedConfig,
  recipes: readonly LoadedRecipe[],
  outcomes: readonly WatchOutcome[],
  state: StateStore,
  http: HttpClient,
  memo = new Map<string, Promise<unknown>>(),
): Promise<Map<string, TargetNeed[]>> {
  const checkedAt = new Date().toISOString();
  const needs = new Map<string, TargetNeed[]>();
  const targets = config.targets.filter((target) => target.enabled);
  await Promise.all(
    outcomes.map(async (outcome, index) => {
      const newest = outcome.current?.upstreamVersion;
      if (!newest) return;
      const { recipe } = recipes[index]!;
      const sourcePackage = recipe.distroPackage ?? recipe.name;
      const rows: TargetNeed[] = [];
      for (const target of targets) {
        const shipped = await shippedOn(target, sourcePackage, state, http, memo, checkedAt);
        const published = state.publishedVersion(recipe.name, target.id);
        const needed = olderThan(shipped, newest, true) && olderThan(published, newest, false);
        rows.push({ target: target.id, shipped, published, needed });
      }
      needs.set(recipe.name, rows);
    }),
  );
  return needs;
}
