import { existsSync } from 'node:fs';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { redact } from '../core/redact.js';
import type { LoadedRecipe } from '../recipe/load.js';
import type { BuildRow, StateStore } from '../state/store.js';
import type { LintReport } from '../types.js';
import { upstreamPart } from '../watch/debian/index.js';
import { upstreamCompare } from '../versioning/upstream.js';
import { logLink } from './logs.js';
import {
  STATUS_SCHEMA_VERSION,
  type Blocked,
  type BuildSummary,
  type Cell,
  type Chain,
  type CellState,
  type LagPoint,
  type LintSummary,
  type RecipeStatus,
  type StatusDocument,
} from './schema.js';
import { setupFor } from './setup.js';
import { servedUrl } from '../serve/served-url.js';

/**
 * The status model: state rows in, one plain StatusDocument out. Everything the page, the CSV,
 * the badges and the metrics show is decided here, so they cannot disagree.
 */
export interface RecipeInfo {
  name: string;
  summary: string;
  homepage: string;
  /** The source package name in the target distributions (for the shipped table). */
  sourcePackage: string;
  /** Targets the recipe skips, with the reason. */
  skips: Record<string, string>;
}

export const HISTORY_LENGTH = 20;
const TOP_TAGS = 5;

export function recipeInfo(loaded: LoadedRecipe, targets: readonly ResolvedTarget[]): RecipeInfo {
  const { recipe } = loaded;
  const skips: Record<string, string> = {};
  for (const target of targets) {
    const reason = recipe.overrides?.targets?.[target.id]?.skip ?? recipe.overrides?.[target.family]?.skip;
    if (reason) skips[target.id] = reason;
  }
  return { name: recipe.name, summary: recipe.summary, homepage: recipe.homepage, sourcePackage: recipe.distroPackage ?? recipe.name, skips };
}

/** Version order that never throws: an unparsable version counts as older. */
function atLeast(version: string, newest: string): boolean {
  try {
    return upstreamCompare(version, newest) >= 0;
  } catch {
    return false;
  }
}

function shippedUpstream(shipped: string): string {
  try {
    return upstreamPart(shipped);
  } catch {
    return shipped;
  }
}

export interface CellFacts {
  skip: string | undefined;
  newest: string | null;
  /** The distribution's own version (a Debian version such as 2.10-3). */
  shipped: string | null;
  published: string | null;
  /** The latest build of the newest version on this target, with its gate. */
  newestBuild: { status: BuildRow['status']; gate: 'passed' | 'failed' | null; failureClass?: BuildRow['failureClass'] } | null;
}

/** The vocabulary decision for one recipe × target. */
export function decideState(facts: CellFacts): { state: CellState; note: string | null } {
  const { skip, newest, shipped, published, newestBuild } = facts;
  if (skip) return { state: 'skipped', note: skip };
  if (!newest) return { state: 'unknown', note: 'no upstream release known yet' };
  if (published && atLeast(published, newest)) return { state: 'newest', note: null };
  if (shipped && atLeast(shippedUpstream(shipped), newest)) {
    return { state: 'distro-current', note: `the distribution ships ${shipped}` };
  }
  const served = published ? `${published} still served` : 'nothing published yet';
  // An infrastructure failure is nobody's fault: a later run builds it again by itself.
  const failureClass = newestBuild?.failureClass === 'infrastructure' ? ' (infrastructure failure, retried after a backoff)' : newestBuild?.failureClass === 'packaging' ? ' (packaging failure)' : '';
  if (newestBuild && (newestBuild.status === 'failed' || newestBuild.status === 'interrupted')) {
    return { state: 'failed', note: `build of ${newest} ${newestBuild.status}${failureClass}; ${served}` };
  }
  if (newestBuild?.gate === 'failed') return { state: 'failed', note: `gate of ${newest} failed${failureClass}; ${served}` };
  const progress =
    newestBuild?.status === 'running' ? `building ${newest}` : newestBuild ? `${newest} built, not yet published` : `${newest} not yet built`;
  if (published) return { state: 'outdated', note: progress };
  return { state: 'pending', note: progress };
}

/** Findings shown per build in status.json and the status page. */
const MAX_STATUS_FINDINGS = 50;

export function lintSummary(lint: LintReport | undefined): LintSummary | null {
  if (!lint) return null;
  const counts = new Map<string, number>();
  // The findings say how often each tag came up; builds recorded before findings were kept list each tag once.
  for (const tag of lint.findings?.map((finding) => finding.tag) ?? lint.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  const topTags = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_TAGS)
    .map(([tag, count]) => ({ tag, count }));
  const findings = [...(lint.findings ?? [])].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1)).slice(0, MAX_STATUS_FINDINGS);
  return { tool: lint.tool, errors: lint.errors, warnings: lint.warnings, topTags, findings };
}

export function buildSummary(build: BuildRow, state: StateStore): BuildSummary {
  const gate = state.lastGate(build.id);
  return {
    id: build.id,
    target: build.targetId,
    upstreamVersion: build.upstreamVersion,
    packageVersion: build.packageVersion,
    status: build.status,
    error: build.error === null ? null : redact(build.error),
    startedAt: build.startedAt,
    finishedAt: build.finishedAt,
    log: build.logFile && existsSync(build.logFile) ? logLink(build.id, 'build') : null,
    gate: gate
      ? {
          status: gate.status,
          reason: gate.reason === null ? null : redact(gate.reason),
          at: gate.at,
          log: gate.logFile && existsSync(gate.logFile) ? logLink(build.id, 'gate') : null,
          worker: gate.worker,
        }
      : null,
    lint: lintSummary(build.result?.lint),
    worker: build.result?.worker ?? null,
    failure: build.failureClass && build.failureReason !== null ? { class: build.failureClass, reason: build.failureReason } : null,
  };
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

function newestOf(recipe: string, state: StateStore): string | null {
  const checked = state.lastCheck(recipe)?.newest;
  if (checked) return checked;
  let best: string | null = null;
  for (const release of state.releases(recipe)) {
    if (best === null || !atLeast(best, release.upstreamVersion)) best = release.upstreamVersion;
  }
  return best;
}

const lagStates: ReadonlySet<CellState> = new Set(['newest', 'outdated', 'failed', 'pending']);

function cellFor(info: RecipeInfo, target: ResolvedTarget, newest: string | null, state: StateStore, now: Date): Cell {
  const live = state.publications({ recipe: info.name, targetId: target.id, live: true })[0];
  const shipped = state.shipped(target.id, info.sourcePackage)?.version ?? null;
  const latest = state.builds({ recipe: info.name, targetId: target.id, limit: 1 })[0];
  const newestBuildRow = newest ? state.builds({ recipe: info.name, targetId: target.id }).find((b) => b.upstreamVersion === newest) : undefined;
  const newestGate = newestBuildRow ? (state.lastGate(newestBuildRow.id)?.status ?? null) : null;
  const { state: cellState, note } = decideState({
    skip: info.skips[target.id],
    newest,
    shipped,
    published: live?.upstreamVersion ?? null,
    newestBuild: newestBuildRow ? { status: newestBuildRow.status, gate: newestGate, failureClass: newestBuildRow.failureClass } : null,
  });
  const blocked = blockedOf(info.name, target.id, state);
  const why = blocked ? blockedText(blocked) : note;
  return {
    target: target.id,
    state: cellState,
    note: why === null ? null : redact(why),
    newest,
    shipped,
    published: live?.upstreamVersion ?? null,
    publishedPackageVersion: live?.packageVersion ?? null,
    publishedAt: live?.publishedAt ?? null,
    build: latest ? buildSummary(latest, state) : null,
    lag: newest && lagStates.has(cellState) ? lagFor(info.name, target.id, newest, state, now) : null,
    blocked,
  };
}

function blockedOf(recipe: string, targetId: string, state: StateStore): Blocked | null {
  const row = state.blockedJobs({ recipe, targetId })[0];
  return row ? { status: row.status, packageVersion: row.packageVersion, on: row.blockedBy, at: row.at } : null;
}

const outcomeWords = (status: string): string => (status === 'failed-before' ? 'its last build failed' : status.replace(/-/g, ' '));

/** `waiting on libtick (build failed)`, `held: libtick of its chain did not pass`. */
export function blockedText(blocked: Blocked): string {
  if (blocked.status === 'waiting') return `waiting on ${blocked.on.map((entry) => `${entry.recipe} (${outcomeWords(entry.status)})`).join(', ')}`;
  return `held: ${blocked.on.map((entry) => entry.recipe).join(', ')} of its chain did not pass`;
}

/** The chains runs recorded on enabled targets, each with its state now. */
export function chainStatus(targets: readonly ResolvedTarget[], state: StateStore): Chain[] {
  return targets.flatMap((target) =>
    state.chains(target.id).map((chain): Chain => {
      const blocked = chain.members.flatMap((recipe) => {
        const row = blockedOf(recipe, target.id, state);
        return row ? [`${recipe}: ${blockedText(row)}`] : [];
      });
      const live = chain.members.every((recipe) => state.publications({ recipe, targetId: target.id, live: true }).length > 0);
      return {
        target: target.id,
        members: chain.members,
        edges: chain.edges,
        state: blocked.length > 0 ? 'held' : live ? 'live' : 'pending',
        note: blocked.length > 0 ? redact(blocked.join('; ')) : null,
        recordedAt: chain.recordedAt,
      };
    }),
  );
}

/** From seen upstream to live on the target; for a version not yet live, the lag so far. */
export function lagFor(recipe: string, targetId: string, version: string, state: StateStore, now: Date): Cell['lag'] {
  const seenAt = state.release(recipe, version)?.seenAt;
  if (!seenAt) return null;
  const firstLive = state
    .publications({ recipe, targetId })
    .filter((publication) => publication.upstreamVersion === version)
    .at(-1);
  if (firstLive) return { seconds: secondsBetween(seenAt, firstLive.publishedAt), ongoing: false, upstreamVersion: version };
  return { seconds: secondsBetween(seenAt, now.toISOString()), ongoing: true, upstreamVersion: version };
}

function lagHistory(recipe: string, state: StateStore): LagPoint[] {
  const points: LagPoint[] = [];
  const seen = new Set<string>();
  for (const publication of [...state.publications({ recipe })].reverse()) {
    const key = `${publication.targetId}\0${publication.upstreamVersion}`;
    const seenAt = state.release(recipe, publication.upstreamVersion)?.seenAt;
    if (seen.has(key) || !seenAt) continue;
    seen.add(key);
    points.push({
      target: publication.targetId,
      upstreamVersion: publication.upstreamVersion,
      seenAt,
      publishedAt: publication.publishedAt,
      seconds: secondsBetween(seenAt, publication.publishedAt),
    });
  }
  return points;
}

export function recipeStatus(info: RecipeInfo, targets: readonly ResolvedTarget[], state: StateStore, now: Date): RecipeStatus {
  const newest = newestOf(info.name, state);
  const check = state.lastCheck(info.name);
  return {
    name: info.name,
    summary: info.summary,
    homepage: info.homepage,
    newest,
    newestSeenAt: newest ? (state.release(info.name, newest)?.seenAt ?? null) : null,
    check: check ? { ok: check.ok, error: check.error === null ? null : redact(check.error), checkedAt: check.checkedAt } : null,
    cells: targets.map((target) => cellFor(info, target, newest, state, now)),
    history: state
      .builds({ recipe: info.name, limit: HISTORY_LENGTH })
      .filter((build) => targets.some((target) => target.id === build.targetId))
      .map((build) => buildSummary(build, state)),
    lagHistory: lagHistory(info.name, state),
  };
}

/**
 * The base URL operators point apt and dnf at: the configured public URL, else the address the
 * running `freshet serve` answers on, else the configured serve address.
 */
export function archiveUrl(config: Pick<ResolvedConfig, 'archive' | 'listen'> & Partial<Pick<ResolvedConfig, 'stateDir'>>): string {
  const base = config.archive.url ?? (config.stateDir ? servedUrl(config.stateDir) : undefined) ?? `http://${config.listen}/`;
  return base.endsWith('/') ? base : `${base}/`;
}

export function statusDocument(
  config: Pick<ResolvedConfig, 'targets' | 'archive' | 'listen'> & Partial<Pick<ResolvedConfig, 'stateDir'>>,
  recipes: readonly RecipeInfo[],
  state: StateStore,
  options: { now: Date; fingerprint: string | null },
): StatusDocument {
  const targets = config.targets.filter((target) => target.enabled);
  const url = archiveUrl(config);
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    generatedAt: options.now.toISOString(),
    archive: { url, fingerprint: options.fingerprint },
    targets: targets.map((target) => ({
      id: target.id,
      family: target.family,
      distro: target.distro,
      release: target.release,
      codename: target.codename,
      ...setupFor(target, url),
    })),
    recipes: recipes.map((info) => recipeStatus(info, targets, state, options.now)),
    chains: chainStatus(targets, state),
  };
}
