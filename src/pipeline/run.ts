import { existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { artifactPolicy, checkArtifacts, describeProblems, type ArtifactPolicy } from '../build/artifact-policy.js';
import { getEngine } from '../build/engine/api.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { asUserError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { log } from '../core/log.js';
import { fetchRelease } from '../fetch/fetch.js';
import type { GateResult } from '../gate/types.js';
import { HttpClient } from '../net/http.js';
import { httpPolicy } from '../net/policy.js';
import { mainArchive, publisherFor, stagingArchive } from '../publish/api.js';
import { jobCheckpoint, type JobStep } from '../publish/checkpoint.js';
import type { PublishItem, PublishOutcome } from '../publish/types.js';
import { loadRecipes, resolveRecipe, type LoadedRecipe, type ResolvedRecipe } from '../recipe/load.js';
import { KEYRING_GPG } from '../sign/key.js';
import { writeStatus } from '../report/write.js';
import { StateStore } from '../state/store.js';
import type { BuildResult, FetchedRelease } from '../types.js';
import { gateJobId, type BuildSpec, type GateSpec } from '../farm/protocol.js';
import { inProcessExecutor, isNewRelease, type Executor } from './executor.js';
import { targetNeeds } from '../watch/targets.js';
import { watchAll, type WatchOutcome } from '../watch/watch.js';
import { explicitRpmNames, familySteps } from './families.js';
import { gateDepends } from '../gate/rpm/debian-depends.js';
import { inputsHash } from './inputs.js';
import { buildEvidence, classifyFailure, evidenceOf, gateEvidence, retryDueAt, type Failure, type FailureEvidence, type FailureStep } from './failure-class.js';
import { attemptOf, buildId, stateLayout } from './layout.js';
import { assertAcyclic, buildStages, chainsOf, providersOf, recipeGraph, relationNames, type RecipeGraph } from './graph.js';
import { followInterfaces, interfaceRebuildReasons } from './library-interface.js';
import { followLibraries, planAction, type LiveBinaries, type PlannedAction, type PlanOptions, type RecipeSnapshot, type TargetSnapshot } from './plan.js';
import { clearKilledRuns, guardRun } from './run-guard.js';
import { recordChains } from './chain-record.js';

/**
 * `freshet run`: watch → fetch → generate → build → gate → publish, for every recipe and enabled
 * target. The plan is computed first from the state (`--dry-run` stops there); each build is a
 * plain BuildJob, and a package goes live only after its gate passed, in one atomic publish per
 * suite. Failures stay with their recipe and target; everything else goes on.
 */
export interface RunOptions extends PlanOptions {
  recipes?: string[];
  targets?: string[];
  dryRun?: boolean;
  /** Use the releases the state already knows instead of asking upstreams. */
  noWatch?: boolean;
  signal?: AbortSignal;
  /** Called as jobs change state (the progress display). */
  onJob?: (id: string, label: string, state: 'queued' | 'running' | 'ok' | 'failed', step?: string) => void;
  /** An open state store (default: the config's, opened and closed here). */
  state?: StateStore;
  /** Who runs the build and gate jobs (default: this process, `concurrency.builds` at a time). */
  executor?: Executor;
}

export interface JobOutcome {
  action: Extract<PlannedAction, { kind: 'build' }>;
  buildId: string;
  /**
   * `waiting`: a recipe it needs failed, so it was not attempted; `held`: it passed, but another build of its chain did not;
   * `unchanged`: a rebuild that follows a library, not needed because the library's new build changed nothing it links against.
   */
  status: 'published' | 'build-failed' | 'gate-failed' | 'failed' | 'cancelled' | 'waiting' | 'held' | 'unchanged';
  error?: string;
  logFile?: string;
  lint?: BuildResult['lint'];
  /** For `waiting` and `held`: the builds of its chain that kept it out, with their status (`failed-before`: its last build failed). */
  blockedBy?: Array<{ recipe: string; status: string }>;
  /** A failed build or gate: its class, and for an infrastructure failure when a run builds it again by itself. */
  failure?: Failure & { retryAt?: string };
}

export interface RunSummary {
  watch: Array<{ recipe: string; newest?: string; isNew?: boolean; error?: string }>;
  plan: PlannedAction[];
  /** Per target: the builds of this run in dependency order (a stage's builds are independent) and the chains that go live together. */
  order: Array<{ targetId: string; stages: string[][]; chains: string[][] }>;
  jobs: JobOutcome[];
  published: PublishOutcome[];
  resigned: string[];
  /** Recipes or targets that failed somewhere: the run exits 1. */
  failed: boolean;
}

interface RunContext {
  config: ResolvedConfig;
  state: StateStore;
  executor: Executor;
  http: HttpClient;
  signal: AbortSignal | undefined;
  fetches: Map<string, Promise<FetchedRelease>>;
}

function snapshotOf(state: StateStore, recipe: string, target: ResolvedTarget, sourcePackage: string, upstreamVersion: string | undefined): TargetSnapshot {
  const [last] = state.builds({ recipe, targetId: target.id, limit: 1 });
  const next = upstreamVersion ? state.nextRebuild(recipe, target.id, upstreamVersion) : { rebuild: 1, attempts: 0 };
  const published = state.publications({ recipe, targetId: target.id, live: true })[0];
  return {
    shipped: state.shipped(target.id, sourcePackage)?.version,
    published: published && {
      upstreamVersion: published.upstreamVersion,
      packageVersion: published.packageVersion,
      inputsHash: state.build(published.buildId)?.inputsHash ?? null,
    },
    lastBuild: last && {
      upstreamVersion: last.upstreamVersion,
      rebuild: last.rebuild,
      attempt: attemptOf(last.id),
      status: last.status,
      inputsHash: last.inputsHash,
      gate: state.lastGate(last.id)?.status,
      failure: last.failureClass && last.failureReason !== null
        ? { class: last.failureClass, reason: last.failureReason, failedAt: state.lastGate(last.id)?.at ?? last.finishedAt ?? last.startedAt }
        : undefined,
    },
    infrastructureFailures: last && state.infrastructureFailures(recipe, target.id, last.upstreamVersion, last.inputsHash),
    highestRebuild: next.rebuild - 1,
    failedAttempts: next.attempts,
  };
}

/** The dependency graph of the recipes on one target (a skipped recipe provides nothing there). */
export function targetGraph(config: ResolvedConfig, recipes: readonly LoadedRecipe[], target: ResolvedTarget): RecipeGraph {
  const resolved = recipes.map((loaded) => resolveRecipe(loaded, target.family, target.id, config.dependencies)).filter((recipe) => !recipe.skip);
  return recipeGraph(target.id, resolved);
}

/** What each recipe's live build on a target made and depends on, from the control fields its build recorded. */
function liveBinaries(state: StateStore, targetId: string): Map<string, LiveBinaries> {
  const live = new Map<string, LiveBinaries>();
  for (const publication of state.publications({ targetId, live: true })) {
    const artifacts = state.build(publication.buildId)?.result?.artifacts ?? [];
    const fields = artifacts.flatMap((artifact) => (artifact.fields && (artifact.kind === 'deb' || artifact.kind === 'rpm') ? [artifact.fields] : []));
    live.set(publication.recipe, {
      packages: fields.map((field) => field.Package ?? field.NAME ?? '').filter(Boolean),
      dependsOn: fields.flatMap((field) => [field.Depends ?? '', field['Pre-Depends'] ?? ''].flatMap((value) => value.split(',')).flatMap(relationNames)),
    });
  }
  return live;
}

/** Every (recipe, target) decision, from the state alone; dependents of a library that changed its package names are rebuilt. */
export function planRun(config: ResolvedConfig, state: StateStore, recipes: readonly LoadedRecipe[], targets: readonly ResolvedTarget[], options: PlanOptions = {}): PlannedAction[] {
  const actions: PlannedAction[] = [];
  const snapshots = new Map(targets.map((target) => [target.id, new Map<string, { snapshot: TargetSnapshot; inputsHash: string }>()]));
  for (const loaded of recipes) {
    const name = loaded.recipe.name;
    const newestRow = state.lastCheck(name)?.newest ?? undefined;
    const release = newestRow ? state.release(name, newestRow) : undefined;
    const resolved = new Map(targets.map((target) => [target.id, resolveRecipe(loaded, target.family, target.id, config.dependencies)]));
    const snapshot: RecipeSnapshot = {
      name,
      skip: Object.fromEntries(
        targets.map((target) => [
          target.id,
          resolved.get(target.id)!.skip,
        ]),
      ),
      inputsHash: Object.fromEntries(targets.map((target) => [target.id, inputsHash(resolved.get(target.id)!, loaded.filesDir)])),
      newest: release && { upstreamVersion: release.upstreamVersion, seenAt: release.seenAt },
    };
    for (const target of targets) {
      const sourcePackage = loaded.recipe.distroPackage ?? name;
      const targetSnapshot = snapshotOf(state, name, target, sourcePackage, release?.upstreamVersion);
      snapshots.get(target.id)!.set(name, { snapshot: targetSnapshot, inputsHash: snapshot.inputsHash[target.id]! });
      actions.push(planAction(snapshot, target, targetSnapshot, { retry: config.retry, resumeUnfinished: Boolean(config.queue), ...options }));
    }
  }
  let followed = actions;
  for (const target of targets) {
    const graph = targetGraph(config, recipes, target);
    assertAcyclic(graph);
    const declared = new Map(recipes.map((loaded) => [loaded.recipe.name, resolveRecipe(loaded, target.family, target.id, config.dependencies).packages.map((pkg) => pkg.name)]));
    const input = { target, needs: graph.needs, declared, live: liveBinaries(state, target.id), snapshots: snapshots.get(target.id)! };
    const byRecipe = new Map(followInterfaces(followLibraries(followed.filter((action) => action.targetId === target.id), input), input).map((action) => [action.recipe, action]));
    followed = followed.map((action) => (action.targetId === target.id ? byRecipe.get(action.recipe)! : action));
  }
  return followed;
}

function fetchOnce(context: RunContext, loaded: LoadedRecipe, upstreamVersion: string): Promise<FetchedRelease> {
  const key = `${loaded.recipe.name}\0${upstreamVersion}`;
  let pending = context.fetches.get(key);
  if (!pending) {
    const row = context.state.release(loaded.recipe.name, upstreamVersion);
    if (!row) throw new Error(`no recorded release ${loaded.recipe.name} ${upstreamVersion}`);
    pending = fetchRelease(
      {
        recipe: row.recipe,
        upstreamVersion: row.upstreamVersion,
        url: row.url,
        signatureUrl: row.signatureUrl ?? undefined,
        checksumUrl: row.checksumUrl ?? undefined,
        seenAt: row.seenAt,
      },
      loaded.recipe.upstream,
      { http: context.http, cacheDir: stateLayout(context.config).cache, recipeFilesDir: loaded.filesDir, knownSha256: row.sha256 ?? undefined },
    ).then((fetched) => {
      context.state.setReleaseHash(fetched.recipe, fetched.upstreamVersion, fetched.sha256, fetched.size);
      return fetched;
    });
    context.fetches.set(key, pending);
  }
  return pending;
}

/**
 * A staging copy of the live archive (hard links: cheap, and the live files stay untouched), with
 * the builds this run gated before that this one needs: the source of its build dependencies and its gate.
 */
async function stageArchive(config: ResolvedConfig, id: string, earlier: readonly GatedBuild[] = []): Promise<ReturnType<typeof stagingArchive>> {
  const dir = path.join(stateLayout(config).staging, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const staging = stagingArchive(dir);
  const live = mainArchive(config);
  if (existsSync(live.root)) await run('cp', ['-al', '--', live.root, staging.root]);
  else mkdirSync(staging.root, { recursive: true });
  if (existsSync(live.stateDir)) await run('cp', ['-a', '--', live.stateDir, staging.stateDir]);
  if (earlier.length > 0) {
    const [{ target }] = earlier as [GatedBuild];
    await publisherFor(target.family).publish({ config, archive: staging, suite: target.codename, add: earlier.map(publishItem) });
  }
  return staging;
}

const publishItem = (build: GatedBuild): PublishItem => ({ artifacts: build.result.artifacts, recipe: build.action.recipe, targetId: build.target.id, policy: build.policy });

/** What a build takes from freshet's own suite: its providers gated earlier in this run (one target), and `recipe=version` of each provider there. */
interface ArchiveInputs {
  earlier: GatedBuild[];
  versions: string[];
}

/** The recipes with packages in the archive a build sees: rpm-on-Debian takes what they provide from the YUM repository. */
const archiveRecipesOf = (from: ArchiveInputs): string[] => from.versions.map((version) => version.slice(0, version.indexOf('=')));

interface GatedBuild {
  action: Extract<PlannedAction, { kind: 'build' }>;
  target: ResolvedTarget;
  buildId: string;
  result: BuildResult;
  policy: ArtifactPolicy;
}

async function buildAndGate(
  context: RunContext,
  loaded: LoadedRecipe,
  recipe: ResolvedRecipe,
  target: ResolvedTarget,
  action: Extract<PlannedAction, { kind: 'build' }>,
  reportStep: (step: JobStep) => Promise<void>,
  from: ArchiveInputs = { earlier: [], versions: [] },
): Promise<{ outcome: JobOutcome; gated?: GatedBuild }> {
  // The step a failure happened in is the first evidence of its class.
  let step: FailureStep = 'fetch';
  const report = async (next: JobStep): Promise<void> => {
    if (next !== 'publish') step = next;
    await reportStep(next);
  };
  const { config, state } = context;
  const id = buildId(action.recipe, action.targetId, action.upstreamVersion, action.rebuild, action.attempt);
  const dir = path.join(stateLayout(config).builds, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'output', 'build.log');
  const startedAt = new Date().toISOString();
  state.startBuild({ ...action, id, targetId: target.id, logFile, startedAt, inputsHash: action.inputsHash });
  const fail = (status: JobOutcome['status'], error: string, result?: BuildResult, evidence?: FailureEvidence): { outcome: JobOutcome } => {
    state.finishBuild(
      result ?? {
        jobId: id,
        recipe: action.recipe,
        targetId: target.id,
        packageVersion: action.packageVersion,
        status: 'failed',
        error,
        artifacts: [],
        logFile,
        startedAt,
        finishedAt: new Date().toISOString(),
      },
    );
    const failure = noteFailure(context, id, action, evidence ?? (result ? buildEvidence(result) : { step, text: error }));
    return { outcome: { action, buildId: id, status, error, logFile: result?.logFile ?? logFile, lint: result?.lint, failure } };
  };

  let staging: ReturnType<typeof stagingArchive> | undefined;
  try {
    await report('fetch');
    const fetched = await fetchOnce(context, loaded, action.upstreamVersion);
    await report('generate');
    const release = state.release(action.recipe, action.upstreamVersion)!;
    // The cache names blobs by hash; dpkg-source names the orig tarball by upstream's extension.
    const tarball = path.join(dir, 'upstream', path.basename(new URL(fetched.url).pathname));
    mkdirSync(path.dirname(tarball), { recursive: true });
    linkSync(fetched.tarball, tarball);
    const family = familySteps[target.family];
    const generated = await family.generate({
      loaded,
      recipe,
      target,
      config,
      upstreamVersion: action.upstreamVersion,
      packageVersion: action.packageVersion,
      tarball,
      upstreamSignature: fetched.signature,
      // The release's first sighting: regenerating the same inputs gives the same bytes.
      date: new Date(release.seenAt),
      outDir: path.join(dir, 'source'),
      archiveRecipes: archiveRecipesOf(from),
    });
    await report('images');
    staging = await stageArchive(config, id, from.earlier);
    const archive = from.versions.length > 0 ? { root: staging.root, keyring: path.join(staging.root, KEYRING_GPG), suite: target.codename, versions: from.versions } : undefined;
    const spec: BuildSpec = {
      kind: 'build',
      id,
      recipe: action.recipe,
      target,
      upstreamVersion: action.upstreamVersion,
      packageVersion: action.packageVersion,
      rebuild: action.rebuild,
      tarballSha256: fetched.sha256,
      buildDepends: generated.buildDepends,
      archiveRequires: generated.archiveRequires,
      archive: archive && { suite: archive.suite, versions: archive.versions },
      limits: {
        memory: config.limits.buildMemory,
        pids: config.limits.buildPids,
        cpus: config.limits.buildCpus,
        timeoutMs: config.limits.buildTimeoutMs,
        scratchMegabytes: config.limits.buildScratchMegabytes,
        diskReserveMegabytes: config.limits.diskReserveMegabytes,
      },
    };
    const files = { sourceDir: path.join(dir, 'source'), outputDir: path.join(dir, 'output'), archive: archive && { root: archive.root, keyring: archive.keyring } };
    const result = await context.executor.build(spec, files, { signal: context.signal, onBuildStart: () => report('build') });
    if (result.status !== 'ok') return fail('build-failed', result.error ?? 'the build failed', result);
    // Build output is untrusted: only what the recipe declares goes on to staging, gate and publish.
    const policy = artifactPolicy(recipe, { targetId: target.id, packageVersion: action.packageVersion, explicitRpmNames: explicitRpmNames(loaded, target.id) });
    const refused = checkArtifacts(policy, result.artifacts);
    if (refused.length > 0) {
      const error = describeProblems(policy, refused);
      return fail('build-failed', error, { ...result, status: 'failed', error, artifacts: [] }, { step: 'artifacts', text: error });
    }
    state.finishBuild(result);

    await report('gate');
    const gate = await gateBuild(context, loaded, recipe, target, action, id, result, policy, staging, archiveRecipesOf(from));
    state.recordGate(id, { status: gate.status, reason: gate.reason, logFile: gate.logFile, worker: gate.worker, at: new Date().toISOString() });
    if (gate.status !== 'passed') {
      const failure = noteFailure(context, id, action, gateEvidence(gate));
      return { outcome: { action, buildId: id, status: 'gate-failed', error: gate.reason, logFile: gate.logFile, lint: result.lint, failure } };
    }
    return { outcome: { action, buildId: id, status: 'published', logFile: result.logFile, lint: result.lint }, gated: { action, target, buildId: id, result, policy } };
  } catch (error) {
    if (context.signal?.aborted) {
      state.interruptBuild(id, new Date().toISOString());
      return { outcome: { action, buildId: id, status: 'cancelled', error: 'cancelled' } };
    }
    const userError = asUserError(error);
    if (!userError) throw error;
    return fail('failed', userError.message, undefined, evidenceOf(step, error, userError.message));
  } finally {
    if (staging) rmSync(path.dirname(staging.root), { recursive: true, force: true });
  }
}

/** Records the class of a failed build or gate; an infrastructure failure also gets when a run builds it again. */
function noteFailure(context: RunContext, id: string, action: Extract<PlannedAction, { kind: 'build' }>, evidence: FailureEvidence): NonNullable<JobOutcome['failure']> {
  const failure = classifyFailure(evidence);
  context.state.recordFailure(id, failure);
  if (failure.class !== 'infrastructure') return failure;
  const inARow = context.state.infrastructureFailures(action.recipe, action.targetId, action.upstreamVersion, action.inputsHash);
  return { ...failure, retryAt: retryDueAt(new Date().toISOString(), inARow, context.config.retry).toISOString() };
}

async function gateBuild(
  context: RunContext,
  loaded: LoadedRecipe,
  recipe: ResolvedRecipe,
  target: ResolvedTarget,
  action: Extract<PlannedAction, { kind: 'build' }>,
  id: string,
  result: BuildResult,
  policy: ArtifactPolicy,
  staging: ReturnType<typeof stagingArchive>,
  archiveRecipes: readonly string[],
): Promise<GateResult> {
  const { config } = context;
  try {
    await publisherFor(target.family).publish({ config, archive: staging, suite: target.codename, add: [{ artifacts: result.artifacts, recipe: action.recipe, targetId: target.id, policy }] });
    const depends = gateDepends(loaded, target, config, archiveRecipes);
    const spec: GateSpec = {
      kind: 'gate',
      id: gateJobId(id),
      buildId: id,
      request: {
        recipe: action.recipe,
        target,
        buildId: id,
        upstreamVersion: action.upstreamVersion,
        packageVersion: action.packageVersion,
        requires: recipe.gateRequires,
        debianDepends: depends.debian,
        archiveRequires: depends.rpm,
        smoke: recipe.gate?.smoke ?? [],
        expect: recipe.gate?.expect,
        shipped: context.state.shipped(target.id, recipe.distroPackage ?? recipe.name)?.version ?? null,
      },
      artifacts: result.artifacts.map(({ file, ...artifact }) => ({ ...artifact, name: path.basename(file) })),
      limits: {
        timeoutMs: config.limits.gateTimeoutMs,
        memory: config.limits.gateMemory,
        pids: config.limits.gatePids,
        cpus: config.limits.gateCpus,
        diskReserveMegabytes: config.limits.diskReserveMegabytes,
      },
    };
    const files = { stagingDir: staging.root, keyring: path.join(staging.root, KEYRING_GPG), logDir: path.join(stateLayout(config).builds, id, 'output'), artifacts: result.artifacts };
    return await context.executor.gate(spec, files, { signal: context.signal });
  } finally {
    rmSync(path.dirname(staging.root), { recursive: true, force: true });
  }
}

async function publishGated(context: RunContext, gated: readonly GatedBuild[]): Promise<PublishOutcome[]> {
  const bySuite = new Map<string, { target: ResolvedTarget; items: PublishItem[]; builds: GatedBuild[] }>();
  for (const build of gated) {
    const entry = bySuite.get(build.target.codename) ?? { target: build.target, items: [], builds: [] };
    entry.items.push({ artifacts: build.result.artifacts, recipe: build.action.recipe, targetId: build.target.id, policy: build.policy });
    entry.builds.push(build);
    bySuite.set(build.target.codename, entry);
  }
  const outcomes: PublishOutcome[] = [];
  for (const [suite, { target, items, builds }] of bySuite) {
    const outcome = await publisherFor(target.family).publish({ config: context.config, archive: mainArchive(context.config), suite, add: items });
    const publishedAt = outcome.date ? new Date(outcome.date).toISOString() : new Date().toISOString();
    for (const build of builds) {
      for (const previous of context.state.publications({ recipe: build.action.recipe, targetId: target.id, live: true })) {
        context.state.markUnpublished(previous.recipe, previous.targetId, previous.packageVersion, publishedAt);
      }
      context.state.recordPublication({
        recipe: build.action.recipe,
        targetId: target.id,
        packageVersion: build.action.packageVersion,
        upstreamVersion: build.action.upstreamVersion,
        buildId: build.buildId,
        publishedAt,
      });
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** Renew Date and Valid-Until of suites that got nothing new, so the archive never lapses. */
async function resignQuiet(context: RunContext, targets: readonly ResolvedTarget[], published: readonly PublishOutcome[]): Promise<string[]> {
  const resigned: string[] = [];
  const archive = mainArchive(context.config);
  for (const target of targets) {
    if (target.family !== 'deb' || published.some((outcome) => outcome.suite === target.codename)) continue;
    const publisher = publisherFor(target.family);
    if (!(await publisher.suites(archive.root)).includes(target.codename)) continue;
    await publisher.resign({ config: context.config, archive, suite: target.codename });
    resigned.push(target.codename);
  }
  return resigned;
}

/** The providers this build needs, gated earlier in this run, and the `recipe=version` of every provider in freshet's suite. */
function archiveInputs(state: StateStore, graph: RecipeGraph, action: Extract<PlannedAction, { kind: 'build' }>, gated: readonly GatedBuild[]): ArchiveInputs {
  const providers = providersOf(graph, action.recipe, new Set(graph.needs.keys()));
  const earlier = gated.filter((build) => build.target.id === action.targetId && providers.includes(build.action.recipe));
  const versions = providers.flatMap((provider) => {
    const version =
      earlier.find((build) => build.action.recipe === provider)?.action.packageVersion ??
      state.publications({ recipe: provider, targetId: action.targetId, live: true })[0]?.packageVersion;
    return version ? [`${provider}=${version}`] : [];
  });
  return { earlier, versions };
}

/** A job that leaves nothing to hold back: it passed, or it was a rebuild that turned out not to be needed. */
const passed = (status: JobOutcome['status'] | undefined): boolean => status === 'published' || status === 'unchanged';

/** A build that passed is held back when another build of its chain did not: the chain goes live together or not at all. */
function holdBrokenChains(
  finished: ReadonlyMap<string, JobOutcome>,
  order: RunSummary['order'],
  action: Extract<PlannedAction, { kind: 'build' }>,
  key: (targetId: string, recipe: string) => string,
): JobOutcome {
  const outcome = finished.get(key(action.targetId, action.recipe))!;
  if (outcome.status !== 'published') return outcome;
  const chain = order.find((entry) => entry.targetId === action.targetId)?.chains.find((members) => members.includes(action.recipe)) ?? [];
  const broken = chain.filter((recipe) => !passed(finished.get(key(action.targetId, recipe))?.status));
  if (broken.length === 0) return outcome;
  return {
    ...outcome,
    status: 'held',
    error: `not published: ${broken.join(', ')} of its chain (${chain.join(', ')}) did not pass`,
    blockedBy: broken.map((recipe) => ({ recipe, status: finished.get(key(action.targetId, recipe))?.status ?? 'not built' })),
  };
}

export async function runPipeline(config: ResolvedConfig, options: RunOptions = {}): Promise<RunSummary> {
  const state = options.state ?? StateStore.open(config.stateDir);
  try {
    return await runWithState(config, state, options);
  } finally {
    if (!options.state) state.close();
  }
}

async function runWithState(config: ResolvedConfig, state: StateStore, options: RunOptions): Promise<RunSummary> {
  const recipes = loadRecipes(config.recipesDir, options.recipes ?? []);
  const targets = config.targets.filter((target) => target.enabled && (!options.targets?.length || options.targets.includes(target.id)));
  const engine = getEngine(config.engine);
  // --dry-run only reads, so it runs beside a run; anything else waits for the run in progress.
  const guard = options.dryRun ? undefined : await guardRun(config, engine);
  const http = new HttpClient(httpPolicy(config));
  let farm: Awaited<ReturnType<typeof import('../farm/coordinator/index.js').openFarm>> | undefined;
  try {
    // With `queue:`, builds and gates go to farm workers; the farm module (and BullMQ) load only then.
    if (!options.executor && config.queue && !options.dryRun) farm = await (await import('../farm/coordinator/index.js')).openFarm(config);
    const executor = options.executor ?? farm?.executor ?? inProcessExecutor(config, engine);
    const context: RunContext = { config, state, executor, http, signal: options.signal, fetches: new Map() };
    await clearKilledRuns(state, engine);
    let watched: WatchOutcome[] = [];
    if (!options.noWatch) {
      const memo = new Map<string, Promise<unknown>>();
      watched = await watchAll(recipes, config, state, { http, memo });
      await targetNeeds(config, recipes, watched, state, http, memo);
    }
    const plan = planRun(config, state, recipes, targets, options);
    const watch = watched.map((outcome) => ({
      recipe: outcome.recipe,
      newest: outcome.current?.upstreamVersion,
      isNew: outcome.current?.isNew,
      error: outcome.error,
    }));
    const builds = plan.filter((action): action is Extract<PlannedAction, { kind: 'build' }> => action.kind === 'build');
    const graphs = new Map(targets.map((target) => [target.id, targetGraph(config, recipes, target)]));
    const order = targets.map((target) => {
      const members = new Set(builds.filter((action) => action.targetId === target.id).map((action) => action.recipe));
      const graph = graphs.get(target.id)!;
      return { targetId: target.id, stages: buildStages(graph, members), chains: chainsOf(graph, members).filter((chain) => chain.length > 1) };
    });
    if (options.dryRun) {
      return { watch, plan, order, jobs: [], published: [], resigned: [], failed: watch.some((entry) => entry.error) };
    }

    const gated: GatedBuild[] = [];
    const key = (targetId: string, recipe: string) => `${targetId}\0${recipe}`;
    const failedBefore = new Set(plan.filter((action) => action.kind === 'failed-before').map((action) => key(action.targetId, action.recipe)));
    const running = new Map<string, Promise<JobOutcome>>();
    const startJob = (action: Extract<PlannedAction, { kind: 'build' }>): Promise<JobOutcome> => {
      const loaded = recipes.find((candidate) => candidate.recipe.name === action.recipe)!;
      const target = targets.find((candidate) => candidate.id === action.targetId)!;
      const label = `${action.recipe} ${action.targetId} ${action.packageVersion}`;
      const id = buildId(action.recipe, action.targetId, action.upstreamVersion, action.rebuild, action.attempt);
      options.onJob?.(id, label, 'queued');
      return executor.schedule(async (): Promise<JobOutcome> => {
        if (options.signal?.aborted) return { action, buildId: id, status: 'cancelled', error: 'cancelled' };
        const resolved = resolveRecipe(loaded, target.family, target.id, config.dependencies);
        const { outcome, gated: passed } = await buildAndGate(context, loaded, resolved, target, action, async (step) => {
          options.onJob?.(id, label, 'running', step);
          await jobCheckpoint(step);
          // A stop ends each job at its next step; the plan builds it again next time.
          options.signal?.throwIfAborted();
        }, archiveInputs(state, graphs.get(target.id)!, action, gated));
        if (passed) gated.push(passed);
        options.onJob?.(id, label, outcome.status === 'published' ? 'ok' : 'failed', outcome.status === 'published' ? 'gate passed' : outcome.status);
        if (outcome.error) log.error('job failed', { recipe: action.recipe, target: action.targetId, error: outcome.error, log: outcome.logFile });
        return outcome;
      }, { release: isNewRelease(action.rebuild) });
    };
    // Providers first: a job waits (outside the queue) for the jobs of the recipes it needs, so
    // independent builds still share the queue's slots.
    const inOrder = order.flatMap(({ targetId, stages }) => stages.flat().map((recipe) => builds.find((action) => action.targetId === targetId && action.recipe === recipe)!));
    for (const action of inOrder) {
      const graph = graphs.get(action.targetId)!;
      const needed = [...(graph.needs.get(action.recipe)?.keys() ?? [])].sort();
      const id = buildId(action.recipe, action.targetId, action.upstreamVersion, action.rebuild, action.attempt);
      const waitForProviders = async (): Promise<NonNullable<JobOutcome['blockedBy']>> => {
        const blocking: NonNullable<JobOutcome['blockedBy']> = [];
        for (const provider of needed) {
          if (failedBefore.has(key(action.targetId, provider))) blocking.push({ recipe: provider, status: 'failed-before' });
          const outcome = await running.get(key(action.targetId, provider));
          if (outcome && !passed(outcome.status)) blocking.push({ recipe: provider, status: outcome.status });
        }
        return blocking;
      };
      running.set(key(action.targetId, action.recipe), waitForProviders().then((blocking) => {
        const followed = action.onlyIf && blocking.length === 0 ? interfaceRebuildReasons(state, action, gated) : [];
        if (action.onlyIf && blocking.length === 0 && followed.length === 0) {
          const outcome: JobOutcome = { action, buildId: id, status: 'unchanged', error: `not rebuilt: ${action.onlyIf.join(', ')} changed nothing it links against` };
          log.info('rebuild not needed', { recipe: action.recipe, target: action.targetId, providers: action.onlyIf });
          return outcome;
        }
        if (followed.length > 0) log.info('rebuilding against a changed library', { recipe: action.recipe, target: action.targetId, changes: followed.join('; ') });
        if (blocking.length === 0) return startJob(action);
        const on = blocking.map(({ recipe, status }) => `${recipe} (${status === 'failed-before' ? 'its last build failed' : status})`);
        const outcome: JobOutcome = { action, buildId: id, status: 'waiting', error: `waiting on ${on.join(', ')}`, blockedBy: blocking };
        options.onJob?.(id, `${action.recipe} ${action.targetId} ${action.packageVersion}`, 'failed', outcome.error);
        log.warn('job waiting', { recipe: action.recipe, target: action.targetId, on });
        return outcome;
      }));
    }
    const finished = new Map(await Promise.all([...running].map(async ([name, pending]) => [name, await pending] as const)));
    const jobs = builds.map((action) => holdBrokenChains(finished, order, action, key));
    const publishable = gated.filter((build) => jobs.some((job) => job.buildId === build.buildId && job.status === 'published'));
    if (publishable.length > 0) await jobCheckpoint('publish');
    const published = options.signal?.aborted ? [] : await publishGated(context, publishable);
    const resigned = options.signal?.aborted ? [] : await resignQuiet(context, targets, published);
    // A published or failed job's files are in builds/ and the archive now. Not a held one: with a farm the next run takes it
    // up under its id and reads its result again (plan.ts resumeUnfinished); nor a cancelled one, which may still run on a worker.
    if (!options.signal?.aborted) await executor.release(jobs.filter((job) => ['published', 'build-failed', 'gate-failed', 'failed'].includes(job.status)).map((job) => job.buildId));
    recordChains(state, order, graphs, jobs, new Date().toISOString());
    // The report stage: status page, JSON, badges and setup files, also when nothing was published.
    await writeStatus(config, state);
    // Builds that passed their gate are not live when a stop came before the publish.
    const outcomes = options.signal?.aborted
      ? jobs.map((job): JobOutcome => (job.status === 'published' ? { ...job, status: 'cancelled', error: 'stopped before the publish' } : job))
      : jobs;
    const failed = watch.some((entry) => entry.error) || outcomes.some((job) => !passed(job.status));
    return { watch, plan, order, jobs: outcomes, published, resigned, failed };
  } finally {
    http.close();
    await farm?.close();
    await guard?.release();
  }
}
