import { existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { artifactPolicy, checkArtifacts, describeProblems, type ArtifactPolicy } from '../build/artifact-policy.js';
import { getEngine } from '../build/engine/api.js';
import type { ContainerEngine } from '../build/engine/types.js';
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
import type { BuildJob, BuildResult, FetchedRelease } from '../types.js';
import { targetNeeds } from '../watch/targets.js';
import { watchAll, type WatchOutcome } from '../watch/watch.js';
import { explicitRpmNames, familySteps } from './families.js';
import { inputsHash } from './inputs.js';
import { buildId, stateLayout } from './layout.js';
import { planAction, type PlannedAction, type PlanOptions, type RecipeSnapshot, type TargetSnapshot } from './plan.js';
import { clearKilledRuns, guardRun } from './run-guard.js';

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
}

export interface JobOutcome {
  action: Extract<PlannedAction, { kind: 'build' }>;
  buildId: string;
  status: 'published' | 'build-failed' | 'gate-failed' | 'failed' | 'cancelled';
  error?: string;
  logFile?: string;
  lint?: BuildResult['lint'];
}

export interface RunSummary {
  watch: Array<{ recipe: string; newest?: string; isNew?: boolean; error?: string }>;
  plan: PlannedAction[];
  jobs: JobOutcome[];
  published: PublishOutcome[];
  resigned: string[];
  /** Recipes or targets that failed somewhere: the run exits 1. */
  failed: boolean;
}

interface RunContext {
  config: ResolvedConfig;
  state: StateStore;
  engine: ContainerEngine;
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
      status: last.status,
      inputsHash: last.inputsHash,
      gate: state.lastGate(last.id)?.status,
    },
    highestRebuild: next.rebuild - 1,
    failedAttempts: next.attempts,
  };
}

/** Every (recipe, target) decision, from the state alone. */
export function planRun(config: ResolvedConfig, state: StateStore, recipes: readonly LoadedRecipe[], targets: readonly ResolvedTarget[], options: PlanOptions = {}): PlannedAction[] {
  const actions: PlannedAction[] = [];
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
      actions.push(planAction(snapshot, target, snapshotOf(state, name, target, sourcePackage, release?.upstreamVersion), options));
    }
  }
  return actions;
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

/** A staging copy of the live archive (hard links: cheap, and the live files stay untouched). */
async function stageArchive(config: ResolvedConfig, id: string): Promise<ReturnType<typeof stagingArchive>> {
  const dir = path.join(stateLayout(config).staging, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const staging = stagingArchive(dir);
  const live = mainArchive(config);
  if (existsSync(live.root)) await run('cp', ['-al', '--', live.root, staging.root]);
  else mkdirSync(staging.root, { recursive: true });
  if (existsSync(live.stateDir)) await run('cp', ['-a', '--', live.stateDir, staging.stateDir]);
  return staging;
}

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
  report: (step: JobStep) => Promise<void>,
): Promise<{ outcome: JobOutcome; gated?: GatedBuild }> {
  const { config, state, engine } = context;
  const id = buildId(action.recipe, action.targetId, action.upstreamVersion, action.rebuild, action.attempt);
  const dir = path.join(stateLayout(config).builds, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'output', 'build.log');
  const startedAt = new Date().toISOString();
  state.startBuild({ ...action, id, targetId: target.id, logFile, startedAt, inputsHash: action.inputsHash });
  const fail = (status: JobOutcome['status'], error: string, result?: BuildResult): { outcome: JobOutcome } => {
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
    return { outcome: { action, buildId: id, status, error, logFile: result?.logFile ?? logFile, lint: result?.lint } };
  };

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
    });
    await report('images');
    const deps = await family.depsImage(target, generated.buildDepends, { engine, stateDir: config.stateDir });
    await report('build');
    const job: BuildJob = {
      id,
      recipe: action.recipe,
      target: { id: target.id, family: target.family, distro: target.distro, release: target.release, codename: target.codename },
      upstreamVersion: action.upstreamVersion,
      packageVersion: action.packageVersion,
      rebuild: action.rebuild,
      tarballSha256: fetched.sha256,
      sourceDir: path.join(dir, 'source'),
      outputDir: path.join(dir, 'output'),
    };
    const result = await family.build(job, {
      engine,
      image: deps.ref,
      limits: {
        memory: config.limits.buildMemory,
        pids: config.limits.buildPids,
        cpus: config.limits.buildCpus,
        timeoutMs: config.limits.buildTimeoutMs,
        scratchMegabytes: config.limits.buildScratchMegabytes,
        diskReserveMegabytes: config.limits.diskReserveMegabytes,
      },
      signal: context.signal,
    });
    if (result.status !== 'ok') return fail('build-failed', result.error ?? 'the build failed', result);
    // Build output is untrusted: only what the recipe declares goes on to staging, gate and publish.
    const policy = artifactPolicy(recipe, { targetId: target.id, packageVersion: action.packageVersion, explicitRpmNames: explicitRpmNames(loaded, target.id) });
    const refused = checkArtifacts(policy, result.artifacts);
    if (refused.length > 0) {
      const error = describeProblems(policy, refused);
      return fail('build-failed', error, { ...result, status: 'failed', error, artifacts: [] });
    }
    state.finishBuild(result);

    await report('gate');
    const gate = await gateBuild(context, recipe, target, action, id, result, policy);
    state.recordGate(id, { status: gate.status, reason: gate.reason, logFile: gate.logFile, at: new Date().toISOString() });
    if (gate.status !== 'passed') {
      return { outcome: { action, buildId: id, status: 'gate-failed', error: gate.reason, logFile: gate.logFile, lint: result.lint } };
    }
    return { outcome: { action, buildId: id, status: 'published', logFile: result.logFile, lint: result.lint }, gated: { action, target, buildId: id, result, policy } };
  } catch (error) {
    if (context.signal?.aborted) {
      state.interruptBuild(id, new Date().toISOString());
      return { outcome: { action, buildId: id, status: 'cancelled', error: 'cancelled' } };
    }
    const userError = asUserError(error);
    if (!userError) throw error;
    return fail('failed', userError.message);
  }
}

async function gateBuild(
  context: RunContext,
  recipe: ResolvedRecipe,
  target: ResolvedTarget,
  action: Extract<PlannedAction, { kind: 'build' }>,
  id: string,
  result: BuildResult,
  policy: ArtifactPolicy,
): Promise<GateResult> {
  const { config } = context;
  const staging = await stageArchive(config, id);
  try {
    await publisherFor(target.family).publish({ config, archive: staging, suite: target.codename, add: [{ artifacts: result.artifacts, recipe: action.recipe, targetId: target.id, policy }] });
    const family = familySteps[target.family];
    return await family.gate(
      {
        recipe: action.recipe,
        target,
        buildId: id,
        upstreamVersion: action.upstreamVersion,
        packageVersion: action.packageVersion,
        packages: family.gatePackages(result.artifacts),
        requires: recipe.gateRequires,
        smoke: recipe.gate?.smoke ?? [],
        expect: recipe.gate?.expect,
        shipped: context.state.shipped(target.id, recipe.distroPackage ?? recipe.name)?.version ?? null,
        stagingDir: staging.root,
        keyring: path.join(staging.root, KEYRING_GPG),
        logDir: path.join(stateLayout(config).builds, id, 'output'),
      },
      result.artifacts,
      {
        engine: context.engine,
        signal: context.signal,
        diskReserveMegabytes: config.limits.diskReserveMegabytes,
        timeoutMs: config.limits.gateTimeoutMs,
        memory: config.limits.gateMemory,
        pids: config.limits.gatePids,
        cpus: config.limits.gateCpus,
      },
    );
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
  const context: RunContext = { config, state, engine, http, signal: options.signal, fetches: new Map() };
  try {
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
    if (options.dryRun) {
      return { watch, plan, jobs: [], published: [], resigned: [], failed: watch.some((entry) => entry.error) };
    }

    const queue = new PQueue({ concurrency: config.concurrency.builds });
    const gated: GatedBuild[] = [];
    const jobs = await Promise.all(
      builds.map((action) => {
        const loaded = recipes.find((candidate) => candidate.recipe.name === action.recipe)!;
        const target = targets.find((candidate) => candidate.id === action.targetId)!;
        const label = `${action.recipe} ${action.targetId} ${action.packageVersion}`;
        const id = buildId(action.recipe, action.targetId, action.upstreamVersion, action.rebuild, action.attempt);
        options.onJob?.(id, label, 'queued');
        return queue.add(async (): Promise<JobOutcome> => {
          if (options.signal?.aborted) return { action, buildId: id, status: 'cancelled', error: 'cancelled' };
          const resolved = resolveRecipe(loaded, target.family, target.id, config.dependencies);
          const { outcome, gated: passed } = await buildAndGate(context, loaded, resolved, target, action, async (step) => {
            options.onJob?.(id, label, 'running', step);
            await jobCheckpoint(step);
            // A stop ends each job at its next step; the plan builds it again next time.
            options.signal?.throwIfAborted();
          });
          if (passed) gated.push(passed);
          options.onJob?.(id, label, outcome.status === 'published' ? 'ok' : 'failed', outcome.status === 'published' ? 'gate passed' : outcome.status);
          if (outcome.error) log.error('job failed', { recipe: action.recipe, target: action.targetId, error: outcome.error, log: outcome.logFile });
          return outcome;
        }) as Promise<JobOutcome>;
      }),
    );
    if (gated.length > 0) await jobCheckpoint('publish');
    const published = options.signal?.aborted ? [] : await publishGated(context, gated);
    const resigned = options.signal?.aborted ? [] : await resignQuiet(context, targets, published);
    // The report stage: status page, JSON, badges and setup files, also when nothing was published.
    await writeStatus(config, state);
    // Builds that passed their gate are not live when a stop came before the publish.
    const outcomes = options.signal?.aborted
      ? jobs.map((job): JobOutcome => (job.status === 'published' ? { ...job, status: 'cancelled', error: 'stopped before the publish' } : job))
      : jobs;
    const failed = watch.some((entry) => entry.error) || outcomes.some((job) => job.status !== 'published');
    return { watch, plan, jobs: outcomes, published, resigned, failed };
  } finally {
    http.close();
    await guard?.release();
  }
}
