import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ContainerEngine } from '../build/engine/types.js';
import { checkBuildDepends, depsKey, imageRef } from '../build/images.js';
import { LOG_FILE } from '../build/container-build.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { baseImageFor } from '../gate/apt/index.js';
import { debianView } from '../generate/deb/view.js';
import { buildId, stateLayout } from '../pipeline/layout.js';
import { planRun } from '../pipeline/run.js';
import type { PlannedAction } from '../pipeline/plan.js';
import { poolDir } from '../publish/apt/control.js';
import { mainArchive } from '../publish/api.js';
import { resolveRecipe, type LoadedRecipe } from '../recipe/load.js';
import { StateStore } from '../state/store.js';
import { planVersion } from '../versioning/planner.js';

/**
 * `freshet explain`: what `freshet run` would do for one recipe on one target, from the same
 * functions the pipeline uses (planRun, buildId, stateLayout, the version planner, the Debian
 * view), and what the engine already has. Reads only: no image is made, no state row written.
 */
export interface ImageStatus {
  role: 'base' | 'builder' | 'deps' | 'gate';
  ref: string;
  /** true/false from the engine; undefined when no engine answered. */
  cached: boolean | undefined;
}

export interface CommandStep {
  step: 'deps-install' | 'build' | 'lintian' | 'gate-download' | 'gate';
  image: string;
  /** The command inside the container, one argument per element. */
  command: string[];
  network: 'none' | 'default' | 'host';
  note: string;
}

export interface Explanation {
  recipe: string;
  target: string;
  action: PlannedAction | undefined;
  upstreamVersion: string | undefined;
  packageVersion: string | undefined;
  /** What the target's own distribution ships of this package, when state knows it. */
  shipped: string | null | undefined;
  buildDepends: string[];
  images: ImageStatus[];
  commands: CommandStep[];
  results: { buildDir?: string; log?: string; archive: string; suite: string; pool: string; packages: string[] };
  notes: string[];
}

async function cached(engine: ContainerEngine | undefined, ref: string): Promise<boolean | undefined> {
  if (!engine) return undefined;
  try {
    return (await engine.inspectImage(ref)) !== undefined;
  } catch {
    return undefined;
  }
}

/** The state, when there is one: explain never creates it. */
function openState(config: ResolvedConfig): StateStore | undefined {
  return existsSync(config.stateDir) ? StateStore.open(config.stateDir) : undefined;
}

export async function explainRecipe(
  config: ResolvedConfig,
  loaded: LoadedRecipe,
  target: ResolvedTarget,
  options: { version?: string; engine?: ContainerEngine },
): Promise<Explanation> {
  const notes: string[] = [];
  const recipe = resolveRecipe(loaded, target.family, target.id, config.dependencies);
  const sourcePackage = recipe.distroPackage ?? recipe.name;
  const state = openState(config);
  let action: PlannedAction | undefined;
  let shipped: string | null | undefined;
  try {
    if (state) {
      [action] = planRun(config, state, [loaded], [target]);
      shipped = state.shipped(target.id, sourcePackage)?.version;
    } else notes.push(`no state folder yet (${config.stateDir}): nothing watched or built so far`);
  } finally {
    state?.close();
  }
  const planned = action && 'upstreamVersion' in action ? action.upstreamVersion : undefined;
  const upstreamVersion = options.version ?? planned;
  const rebuild = action?.kind === 'build' && !options.version ? action.rebuild : 1;
  const plan = upstreamVersion ? planVersion({ upstreamVersion, target, rebuild, shipped: shipped ?? undefined }) : undefined;
  if (!upstreamVersion) notes.push('no upstream version known: run freshet watch, or pass --version');
  if (options.version && planned && options.version !== planned) notes.push(`--version ${options.version}: the plan would build ${planned}`);

  const view = debianView({
    recipe,
    target,
    upstreamVersion: plan?.version ?? '0',
    packageVersion: plan?.full ?? '0-0',
    maintainer: config.maintainer,
    date: new Date(0),
  });
  const buildDepends = checkBuildDepends(view.buildDepends);
  const engine = options.engine;
  const builderId = engine ? (await engine.inspectImage(imageRef.builder(target.id)).catch(() => undefined))?.id : undefined;
  if (!engine) notes.push('no container engine answered: image cache states are unknown');
  const depsRef = builderId ? imageRef.deps(target.id, depsKey(target.id, buildDepends, builderId)) : imageRef.deps(target.id, '<key of the deps and builder image id>');
  const images: ImageStatus[] = [
    { role: 'base', ref: imageRef.base(target.id), cached: await cached(engine, imageRef.base(target.id)) },
    { role: 'builder', ref: imageRef.builder(target.id), cached: builderId !== undefined ? true : await cached(engine, imageRef.builder(target.id)) },
    { role: 'deps', ref: depsRef, cached: builderId ? await cached(engine, depsRef) : undefined },
    { role: 'gate', ref: baseImageFor(target), cached: await cached(engine, baseImageFor(target)) },
  ];

  const id = upstreamVersion ? buildId(recipe.name, target.id, upstreamVersion, rebuild, action?.kind === 'build' && !options.version ? action.attempt : 1) : undefined;
  const buildDir = id ? path.join(stateLayout(config).builds, id) : undefined;
  const tree = plan ? `${recipe.name}-${plan.version}` : '<source tree>';
  const packages = view.packages.map((pkg) => pkg.name);
  // The commands as src/build/images.ts, src/build/debian.ts and src/gate/apt run them (scripts abridged).
  const commands: CommandStep[] = [
    {
      step: 'deps-install',
      image: imageRef.builder(target.id),
      command: ['sh', '-c', 'apt-get update; apt-get satisfy -y --no-install-recommends "$1"', 'sh', [...new Set(buildDepends)].sort().join(', ')],
      network: 'default',
      note: 'only when the deps image is not cached; committed as the deps image',
    },
    {
      step: 'build',
      image: depsRef,
      command: ['sh', '-c', 'cd "/build/$1" && dpkg-buildpackage -us -uc -F', 'sh', tree],
      network: 'none',
      note: 'as the builder user (uid 2000), no capabilities, read-only root with size-capped tmpfs on /tmp, /var/tmp and HOME; /build = a scratch copy of the generated source',
    },
    {
      step: 'lintian',
      image: depsRef,
      command: ['lintian', '--no-tag-display-limit', `${recipe.name}_${plan?.full.replace(/^\d+:/, '') ?? '<version>'}_<arch>.changes`],
      network: 'none',
      note: 'same container as the build; errors are reported, the package is still gated',
    },
    {
      step: 'gate-download',
      image: baseImageFor(target),
      command: ['bash', '/freshet/apt-download.sh'],
      network: 'default',
      note: `apt only (no maintainer script runs): downloads ${packages.join(' ')} from a staging copy of the archive (a read-only file:/ source, signatures checked) and what they need from the mirror`,
    },
    {
      step: 'gate',
      image: baseImageFor(target),
      command: ['bash', '/freshet/apt-install.sh'],
      network: 'none',
      note: `installs the downloaded ${packages.join(' ')} at the versions read from the package files, with only the package manager's capabilities, then runs ${
        recipe.gate?.smoke?.map((argv) => argv.join(' ')).join('; ') || 'no smoke command'
      }${recipe.gate?.expect ? ` and expects /${recipe.gate.expect}/` : ''}`,
    },
  ];
  const archive = mainArchive(config).root;
  return {
    recipe: recipe.name,
    target: target.id,
    action,
    upstreamVersion,
    packageVersion: plan?.full,
    shipped,
    buildDepends,
    images,
    commands,
    results: {
      buildDir,
      log: buildDir ? path.join(buildDir, 'output', LOG_FILE) : undefined,
      archive,
      suite: `dists/${target.codename}`,
      pool: path.join(archive, poolDir(recipe.name)),
      packages,
    },
    notes,
  };
}

export function formatExplanation(explanation: Explanation): string {
  const { action, results } = explanation;
  const lines = [
    `${explanation.recipe} on ${explanation.target}`,
    `  plan:     ${action ? `${action.kind}${'why' in action ? ` (${action.why})` : ''}` : 'unknown (no state)'}`,
    `  version:  upstream ${explanation.upstreamVersion ?? '?'} → package ${explanation.packageVersion ?? '?'}`,
    `  shipped:  ${explanation.shipped === undefined ? 'not checked yet' : (explanation.shipped ?? `${explanation.target} ships none`)}`,
    `  Build-Depends: ${explanation.buildDepends.join(', ')}`,
    '  images:',
    ...explanation.images.map((image) => `    ${image.role.padEnd(8)} ${image.ref}  ${image.cached === undefined ? '(cache unknown)' : image.cached ? '(cached)' : '(to make)'}`),
    '  commands:',
    ...explanation.commands.flatMap((step) => [`    ${step.step} [${step.image}, network ${step.network}]`, `      ${JSON.stringify(step.command)}`, `      ${step.note}`]),
    '  results:',
    `    build folder: ${results.buildDir ?? '?'}`,
    `    log:          ${results.log ?? '?'}`,
    `    archive:      ${results.archive} (${results.suite}, ${results.pool})`,
    `    packages:     ${results.packages.join(', ')}`,
    ...explanation.notes.map((note) => `  note: ${note}`),
  ];
  return lines.join('\n');
}
