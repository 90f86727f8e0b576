import type { Target } from '../types.js';
import { planVersion } from '../versioning/planner.js';
import { DEFAULT_RETRY, retryDueAt, type Failure, type FailureClass, type RetryPolicy } from './failure-class.js';

/**
 * What `freshet run` will do for each (recipe, target), computed without side effects from a
 * snapshot of the state: `--dry-run` prints it, and the apply step carries it out. Plain data, so a
 * build action can be queued to another machine.
 */
export interface RecipeSnapshot {
  name: string;
  /** Per target id: a skip reason from the recipe's overrides. */
  skip: Record<string, string | undefined>;
  /** Hash of the resolved recipe and templates per target id: when it changes, the package is rebuilt. */
  inputsHash: Record<string, string>;
  /** Newest upstream release freshet knows (from watch), or none yet. */
  newest: { upstreamVersion: string; seenAt: string } | undefined;
}

export interface TargetSnapshot {
  /** Version the distribution itself ships (from its own index), null when it ships none. */
  shipped: string | null | undefined;
  /** Live publication of this recipe on this target, with the inputs hash of the build it came from. */
  published: { upstreamVersion: string; packageVersion: string; inputsHash: string | null } | undefined;
  /** The latest build of this recipe on this target. */
  lastBuild:
    | {
        upstreamVersion: string;
        rebuild: number;
        /** Its attempt at that rebuild number (the `.N` of its build id; 1 without). */
        attempt?: number;
        status: 'running' | 'ok' | 'failed' | 'interrupted';
        inputsHash: string | null;
        gate?: 'passed' | 'failed';
        /** Of a failed build or gate (builds recorded before failures were classed have none: packaging). */
        failure?: Failure & { failedAt: string };
      }
    | undefined;
  /** How many builds of the last build's inputs in a row failed for the infrastructure (the backoff doubles with each). */
  infrastructureFailures?: number;
  /** Highest rebuild number consumed so far (by a build that may have reached the live pool) of the newest upstream version on this target. */
  highestRebuild: number;
  /** Failed builds that already used the next rebuild number (default 0): this build is one more attempt at it. */
  failedAttempts?: number;
}

export type PlannedAction =
  | {
      kind: 'build';
      recipe: string;
      targetId: string;
      upstreamVersion: string;
      packageVersion: string;
      rebuild: number;
      /** 1, or more when failed builds used this rebuild number before (their bytes never went live). */
      attempt?: number;
      inputsHash: string;
      why: string;
      /** A rebuild that follows its providers' shared libraries: built only if one of these recipes' new builds changes what it links against. */
      onlyIf?: string[];
    }
  | { kind: 'up-to-date'; recipe: string; targetId: string; upstreamVersion: string; packageVersion: string }
  | { kind: 'distro-current'; recipe: string; targetId: string; upstreamVersion: string; shipped: string }
  | {
      kind: 'failed-before';
      recipe: string;
      targetId: string;
      upstreamVersion: string;
      why: string;
      failureClass?: FailureClass;
      /** An infrastructure failure: when a run builds it again by itself. */
      retryAt?: string;
    }
  | { kind: 'skip'; recipe: string; targetId: string; why: string };

export interface PlanOptions {
  /** Build again even when a build of the same inputs failed before. */
  retryFailed?: boolean;
  /** The backoff before an infrastructure failure is built again without --retry-failed. */
  retry?: RetryPolicy;
  /** The time the plan is made for (default: now). */
  now?: Date;
  /**
   * With a build farm: a build of the same inputs that a stopped coordinator left unfinished is
   * taken up under its own build id, which is its farm job's id, so a job the farm finished or is
   * running is not built again. (In this process nothing of it survives: it gets the next number.)
   */
  resumeUnfinished?: boolean;
}

/** Why the last build of the same inputs is not done, or undefined when it ended (and failed). */
function unfinished(last: NonNullable<TargetSnapshot['lastBuild']>): string | undefined {
  if (last.status === 'running') return 'the previous build has not finished (a freshet is still running it)';
  if (last.status === 'interrupted') return 'the previous build was interrupted';
  if (last.status === 'ok' && last.gate === undefined) return 'the previous build was interrupted before its gate finished';
  if (last.status === 'ok' && last.gate === 'passed') return 'the previous build passed its gate but was not published';
  return undefined;
}

export function planAction(recipe: RecipeSnapshot, target: Target, snapshot: TargetSnapshot, options: PlanOptions = {}): PlannedAction {
  const base = { recipe: recipe.name, targetId: target.id };
  const skip = recipe.skip[target.id];
  if (skip) return { ...base, kind: 'skip', why: skip };
  if (!recipe.newest) return { ...base, kind: 'skip', why: 'no upstream release known yet (run freshet watch)' };
  const { upstreamVersion } = recipe.newest;
  const inputsHash = recipe.inputsHash[target.id] ?? '';
  const shipped = snapshot.shipped ?? undefined;
  const first = planVersion({ upstreamVersion, target, rebuild: 1, shipped });
  if (first.shippedIsNewerOrSame) return { ...base, kind: 'distro-current', upstreamVersion, shipped: shipped! };

  // Only what is live counts as done: a later build of these inputs may have been interrupted anywhere before the publish.
  if (snapshot.published?.upstreamVersion === upstreamVersion && snapshot.published.inputsHash === inputsHash) {
    return { ...base, kind: 'up-to-date', upstreamVersion, packageVersion: snapshot.published.packageVersion };
  }
  const last = snapshot.lastBuild;
  const sameInputs = last !== undefined && last.upstreamVersion === upstreamVersion && last.inputsHash === inputsHash;
  let retry: string | undefined;
  if (sameInputs && !options.retryFailed && (last.status === 'failed' || last.gate === 'failed')) {
    const failure = last.failure;
    if (failure?.class !== 'infrastructure') {
      const why = 'the same inputs failed before; change the recipe or pass --retry-failed';
      return { ...base, kind: 'failed-before', upstreamVersion, why, ...(failure && { failureClass: failure.class }) };
    }
    // Nobody's fault: built again once the backoff has passed, with no change and no --retry-failed.
    const due = retryDueAt(failure.failedAt, snapshot.infrastructureFailures ?? 1, options.retry ?? DEFAULT_RETRY).toISOString();
    if (Date.parse(due) > (options.now ?? new Date()).getTime()) {
      const why = `waiting for backoff until ${due} (infrastructure failure: ${failure.reason})`;
      return { ...base, kind: 'failed-before', upstreamVersion, why, failureClass: 'infrastructure', retryAt: due };
    }
    retry = `retry (infrastructure failure: ${failure.reason}, due at ${due})`;
  }
  const resumed = sameInputs && options.resumeUnfinished && last.status !== 'running' ? unfinished(last) : undefined;
  if (resumed && last) {
    const { full } = planVersion({ upstreamVersion, target, rebuild: last.rebuild, shipped });
    return { ...base, kind: 'build', upstreamVersion, packageVersion: full, rebuild: last.rebuild, attempt: last.attempt ?? 1, inputsHash, why: `${resumed}; its farm job is taken up` };
  }
  const rebuild = snapshot.highestRebuild + 1;
  const why = !last || last.upstreamVersion !== upstreamVersion
    ? snapshot.published
      ? `new upstream release (published: ${snapshot.published.upstreamVersion})`
      : 'not published yet'
    : sameInputs
      ? (retry ?? unfinished(last) ?? 'retrying a failed build')
      : 'the recipe or templates changed';
  const { full } = planVersion({ upstreamVersion, target, rebuild, shipped });
  return { ...base, kind: 'build', upstreamVersion, packageVersion: full, rebuild, attempt: (snapshot.failedAttempts ?? 0) + 1, inputsHash, why };
}

/** What a recipe's live build on one target made, from the control fields the build recorded. */
export interface LiveBinaries {
  packages: string[];
  /** Package names its packages' Depends and Pre-Depends name (what they link against, via shlibs). */
  dependsOn: string[];
}

export interface FollowInput {
  target: Target;
  /** Recipe → the recipes it needs on this target, with the packages it needs from each. */
  needs: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** Recipe → the binary packages its build on this target makes now (the recipe's declared packages). */
  declared: ReadonlyMap<string, readonly string[]>;
  live: ReadonlyMap<string, LiveBinaries>;
  /** Recipe → its snapshot (highest rebuild, the distribution's version) and current inputs. */
  snapshots: ReadonlyMap<string, { snapshot: TargetSnapshot; inputsHash: string }>;
}

/** A live dependent's release built again with the next rebuild number, because a provider it needs changed. */
export function rebuildFollowing(
  action: Extract<PlannedAction, { kind: 'up-to-date' }>,
  input: Pick<FollowInput, 'target' | 'snapshots'>,
  why: string,
): Extract<PlannedAction, { kind: 'build' }> {
  const { snapshot, inputsHash } = input.snapshots.get(action.recipe)!;
  const rebuild = snapshot.highestRebuild + 1;
  const { full } = planVersion({ upstreamVersion: action.upstreamVersion, target: input.target, rebuild, shipped: snapshot.shipped ?? undefined });
  return {
    kind: 'build',
    recipe: action.recipe,
    targetId: action.targetId,
    upstreamVersion: action.upstreamVersion,
    packageVersion: full,
    rebuild,
    attempt: (snapshot.failedAttempts ?? 0) + 1,
    inputsHash,
    why,
  };
}

/**
 * Rebuilds that follow a library: when a provider builds a release that no longer makes a package
 * a live dependent's packages depend on (a new shared-library package name, libtick1 → libtick2),
 * the dependent is built again against it with the next rebuild number, so both go live together.
 */
export function followLibraries(actions: readonly PlannedAction[], input: FollowInput): PlannedAction[] {
  const building = new Map(actions.filter((action) => action.kind === 'build').map((action) => [action.recipe, action]));
  return actions.map((action) => {
    if (action.kind !== 'up-to-date') return action;
    const dependsOn = new Set(input.live.get(action.recipe)?.dependsOn ?? []);
    for (const provider of input.needs.get(action.recipe)?.keys() ?? []) {
      const providerBuild = building.get(provider);
      if (!providerBuild) continue;
      const declared = new Set(input.declared.get(provider) ?? []);
      const gone = (input.live.get(provider)?.packages ?? []).filter((name) => dependsOn.has(name) && !declared.has(name));
      if (gone.length === 0) continue;
      const now = [...declared].filter((name) => !(input.live.get(provider)?.packages ?? []).includes(name));
      return rebuildFollowing(
        action,
        input,
        `rebuilt against ${provider} ${providerBuild.upstreamVersion}: it depends on ${gone.join(', ')}, which ${provider} no longer builds${now.length > 0 ? ` (now ${now.join(', ')})` : ''}`,
      );
    }
    return action;
  });
}
