import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ContainerEngine } from '../build/engine/types.js';
import { checkBuildDepends, checkRpmBuildRequires, depsKey, imageRef } from '../build/images.js';
import { LOG_FILE } from '../build/container-build.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { baseImageFor } from '../gate/apt/index.js';
import { debianView } from '../generate/deb/view.js';
import { AUTORECONF_REQUIRES, autoreconf, rpmView } from '../generate/rpm/view.js';
import { gateDepends as gateDependsOf } from '../gate/rpm/debian-depends.js';
import { splitArchiveDepends } from '../build/rpm-archive.js';
import { explicitRpmNames } from '../pipeline/families.js';
import { buildId, stateLayout } from '../pipeline/layout.js';
import { buildStages, providersOf, relationNames } from '../pipeline/graph.js';
import { planRun, targetGraph } from '../pipeline/run.js';
import type { PlannedAction } from '../pipeline/plan.js';
import { poolDir } from '../publish/apt/control.js';
import { mainArchive } from '../publish/api.js';
import { loadRecipes, resolveRecipe, type LoadedRecipe } from '../recipe/load.js';
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
  step: 'deps-install' | 'deps-archive' | 'build' | 'lintian' | 'rpmlint' | 'gate-image' | 'gate-archive' | 'gate-host' | 'gate-download' | 'gate';
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
  /** Where each build and runtime dependency comes from: freshet's own suite (built from a recipe) or the distribution. */
  dependencySources: Array<{ dependency: string; from: 'archive' | 'distribution'; recipe?: string }>;
  /** The recipes this one needs, and itself, in the order `freshet run` builds them (a stage's recipes are independent). */
  buildOrder: string[][];
  images: ImageStatus[];
  commands: CommandStep[];
  /** `suite`: the APT suite (`dists/<codename>`) or the YUM repository (`rpm/<target>`); `pool`: where the package files go. */
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
  const others = loadRecipes(config.recipesDir).filter((other) => other.recipe.name !== loaded.recipe.name);
  const graph = targetGraph(config, [loaded, ...others], target);
  // A name once, however many relations name it; the recipe's own packages come from its own build.
  const dependencyNames = new Set([...recipe.buildDepends, ...recipe.packages.flatMap((pkg) => pkg.depends)].flatMap(relationNames));
  const dependencySources = [...dependencyNames].flatMap((dependency): Explanation['dependencySources'] => {
    const provider = graph.providers.get(dependency);
    if (provider === recipe.name) return [];
    return provider ? [{ dependency, from: 'archive' as const, recipe: provider }] : [{ dependency, from: 'distribution' as const }];
  });
  const buildOrder = buildStages(graph, [...providersOf(graph, recipe.name, new Set(graph.needs.keys())), recipe.name]);
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

  const rpm = target.family === 'rpm';
  const fedora = rpm && target.distro === 'fedora';
  const versions = { target, upstreamVersion: plan?.version ?? '0', packageVersion: plan?.full ?? '0-0', maintainer: config.maintainer, date: new Date(0) };
  const view = rpm
    ? rpmView({ ...versions, recipe, tarballName: 'source.tar.gz', topDir: undefined, explicitNames: explicitRpmNames(loaded, target.id) })
    : debianView({ ...versions, recipe });
  // As src/pipeline/families.ts: rpm-on-Debian installs the recipe's Debian names, Fedora the spec's BuildRequires.
  // What the recipe's providers in the archive provide comes from the target's YUM repository instead (src/build/rpm-archive.ts).
  const archiveRecipes = rpm && !fedora ? providersOf(graph, recipe.name, new Set(graph.needs.keys())) : [];
  const debian = resolveRecipe(loaded, 'deb', target.id, config.dependencies);
  const buildSplit = splitArchiveDepends(config, target, recipe.name, { debian: [...debian.buildDepends, ...(autoreconf(debian) ? AUTORECONF_REQUIRES : [])], rpm: recipe.buildDepends }, archiveRecipes);
  const debianNames = () => [...new Set(buildSplit.debian)];
  const buildDepends = 'buildRequires' in view ? (fedora ? checkRpmBuildRequires(view.buildRequires) : checkBuildDepends(debianNames())) : checkBuildDepends(view.buildDepends);
  const engine = options.engine;
  const builderId = engine ? (await engine.inspectImage(imageRef.builder(target.id)).catch(() => undefined))?.id : undefined;
  if (!engine) notes.push('no container engine answered: image cache states are unknown');
  const depsRef = builderId ? imageRef.deps(target.id, depsKey(target.id, buildDepends, builderId)) : imageRef.deps(target.id, '<key of the deps and builder image id>');
  const gateSplit = gateDependsOf(loaded, target, config, archiveRecipes);
  const gateDepends = gateSplit.debian;
  const gateRef = rpm && !fedora ? (gateDepends.length === 0 ? imageRef.builder(target.id) : builderId ? imageRef.deps(target.id, depsKey(target.id, gateDepends, builderId)) : imageRef.deps(target.id, '<key of the gate packages and builder image id>')) : baseImageFor(target);
  const images: ImageStatus[] = [
    { role: 'base', ref: imageRef.base(target.id), cached: await cached(engine, imageRef.base(target.id)) },
    { role: 'builder', ref: imageRef.builder(target.id), cached: builderId !== undefined ? true : await cached(engine, imageRef.builder(target.id)) },
    { role: 'deps', ref: depsRef, cached: builderId ? await cached(engine, depsRef) : undefined },
    { role: 'gate', ref: gateRef, cached: gateRef.includes('<') ? undefined : await cached(engine, gateRef) },
  ];

  const id = upstreamVersion ? buildId(recipe.name, target.id, upstreamVersion, rebuild) : undefined;
  const buildDir = id ? path.join(stateLayout(config).builds, id) : undefined;
  const packages = 'buildRequires' in view ? [view.main, ...view.subpackages].map((pkg) => pkg.name) : view.packages.map((pkg) => pkg.name);
  const smoke = `${recipe.gate?.smoke?.map((argv) => argv.join(' ')).join('; ') || 'no smoke command'}${recipe.gate?.expect ? ` and expects /${recipe.gate.expect}/` : ''}`;
  const depsInstall: CommandStep = {
    step: 'deps-install',
    image: imageRef.builder(target.id),
    command: fedora
      ? ['sh', '-c', 'dnf -y install --setopt=install_weak_deps=False "$@"', 'sh', ...[...new Set(buildDepends)].sort()]
      : ['sh', '-c', 'apt-get update; apt-get satisfy -y --no-install-recommends "$1"', 'sh', [...new Set(buildDepends)].sort().join(', ')],
    network: 'default',
    note: 'only when the deps image is not cached; committed as the deps image',
  };
  const sandbox = 'as the builder user (uid 2000), no capabilities, read-only root with size-capped tmpfs on /tmp, /var/tmp and HOME; /build = a scratch copy of the generated source';
  const commands: CommandStep[] = rpm
    ? rpmCommands({ recipe: recipe.name, packages, depsInstall, depsRef, gateRef, gateDepends, fedora, sandbox, smoke, target, buildArchive: buildSplit.rpm, gateArchive: gateSplit.rpm })
    : debianCommands({ recipe: recipe.name, packages, depsInstall, depsRef, sandbox, smoke, target, tree: plan ? `${recipe.name}-${plan.version}` : '<source tree>', version: plan?.full });
  const archive = mainArchive(config).root;
  return {
    recipe: recipe.name,
    target: target.id,
    action,
    upstreamVersion,
    packageVersion: plan?.full,
    shipped,
    buildDepends,
    dependencySources,
    buildOrder,
    images,
    commands,
    results: {
      buildDir,
      log: buildDir ? path.join(buildDir, 'output', LOG_FILE) : undefined,
      archive,
      suite: rpm ? `rpm/${target.codename}` : `dists/${target.codename}`,
      pool: rpm ? path.join(archive, 'rpm', target.codename, 'packages') : path.join(archive, poolDir(recipe.name)),
      packages,
    },
    notes,
  };
}

interface CommandInput {
  recipe: string;
  packages: string[];
  depsInstall: CommandStep;
  depsRef: string;
  sandbox: string;
  smoke: string;
  target: ResolvedTarget;
}

/** The commands as src/build/images.ts, src/build/debian.ts and src/gate/apt run them (scripts abridged). */
function debianCommands(input: CommandInput & { tree: string; version: string | undefined }): CommandStep[] {
  const { packages, depsRef, target } = input;
  return [
    input.depsInstall,
    { step: 'build', image: depsRef, command: ['sh', '-c', 'cd "/build/$1" && dpkg-buildpackage -us -uc -F', 'sh', input.tree], network: 'none', note: input.sandbox },
    {
      step: 'lintian',
      image: depsRef,
      command: ['lintian', '--no-tag-display-limit', `${input.recipe}_${input.version?.replace(/^\d+:/, '') ?? '<version>'}_<arch>.changes`],
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
      note: `installs the downloaded ${packages.join(' ')} at the versions read from the package files, with only the package manager's capabilities, then runs ${input.smoke}`,
    },
  ];
}

/** The commands as src/build/rpm.ts and src/gate/rpm run them (scripts abridged). */
/** The host and layer steps that take an rpm-on-Debian build's or gate's archive-provided dependencies from the YUM repository. */
function archiveRpmStep(step: 'deps-archive' | 'gate-archive', requires: readonly string[], over: string): CommandStep {
  return {
    step,
    image: '(host)',
    command: ['dnf', 'repoquery', '--repo', 'freshet', '--latest-limit', '1', '--whatprovides', ...requires],
    network: 'host',
    note: `in the staging YUM repository served on loopback (gpgcheck=1, repo_gpgcheck=1), with what those require from it (repoquery --requires --resolve); rpm -K with the archive key; then rpm -i --nodeps (signatures required) in a layer over ${over}, /usr/lib64 first in ld.so.conf.d`,
  };
}

function rpmCommands(input: CommandInput & { gateRef: string; gateDepends: string[]; fedora: boolean; buildArchive: string[]; gateArchive: string[] }): CommandStep[] {
  const { packages, depsRef, target, fedora } = input;
  const spec = `SPECS/${input.recipe}.spec`;
  const steps: CommandStep[] = [
    input.depsInstall,
    ...(input.buildArchive.length > 0 ? [archiveRpmStep('deps-archive', input.buildArchive, 'the deps image')] : []),
    {
      step: 'build',
      image: depsRef,
      command: ['rpmbuild', '-ba', ...(fedora ? [] : ['--nodeps']), '--define', '_topdir /build', spec],
      network: 'none',
      note: `${input.sandbox}${fedora ? '' : "; --nodeps: the BuildRequires name Fedora packages, the Debian ones are installed in the deps image"}`,
    },
    {
      step: 'rpmlint',
      image: depsRef,
      command: ['rpmlint', ...(fedora ? [] : ['-c', '/etc/freshet/rpmlint.toml']), spec, 'RPMS/<arch>/*.rpm', 'SRPMS/*.src.rpm'],
      network: 'none',
      note: 'same container as the build; kept as rpmlint.txt, errors are reported, the package is still gated',
    },
    {
      step: 'gate-host',
      image: '(host)',
      command: ['dnf', 'repoquery', '--repo', 'freshet', '--qf', '%{name} %{evr}'],
      network: 'host',
      note: `against a staging copy of the YUM repository served on loopback (gpgcheck=1, repo_gpgcheck=1): dnf must list ${packages.join(' ')}; then rpmkeys --checksig with the archive key, and the versions read from the package files (rpm -qp)`,
    },
  ];
  if (fedora) {
    steps.push({
      step: 'gate-download',
      image: input.gateRef,
      command: ['bash', '-c', '<RPM_DOWNLOAD_SCRIPT>'],
      network: 'default',
      note: `dnf only (install --downloadonly, no scriptlet runs): downloads ${packages.join(' ')} from the staging repository (file:///staging) and what they need from Fedora`,
    });
  } else if (input.gateDepends.length > 0) {
    steps.push({
      step: 'gate-image',
      image: imageRef.builder(target.id),
      command: ['sh', '-c', 'apt-get update; apt-get satisfy -y --no-install-recommends "$1"', 'sh', input.gateDepends.join(', ')],
      network: 'default',
      note: 'only when the gate image is not cached: the Debian packages of the recipe\'s build and runtime dependencies and gate.requires, so rpm -i --nodeps finds the libraries the programs link against',
    });
  }
  if (!fedora && input.gateArchive.length > 0) steps.push(archiveRpmStep('gate-archive', input.gateArchive, 'the gate image'));
  steps.push({
    step: 'gate',
    image: input.gateRef,
    command: ['bash', '-c', '<RPM_INSTALL_SCRIPT>'],
    network: 'none',
    note: `${fedora ? `dnf --cacheonly install of ${packages.join(' ')}` : `rpm -i --nodeps of ${packages.join(' ')} with signatures required`} at the versions read from the package files, with only the package manager's capabilities, then runs ${input.smoke}`,
  });
  return steps;
}

export function formatExplanation(explanation: Explanation): string {
  const { action, results } = explanation;
  const lines = [
    `${explanation.recipe} on ${explanation.target}`,
    `  plan:     ${action ? `${action.kind}${'why' in action ? ` (${action.why})` : ''}` : 'unknown (no state)'}`,
    `  version:  upstream ${explanation.upstreamVersion ?? '?'} → package ${explanation.packageVersion ?? '?'}`,
    `  shipped:  ${explanation.shipped === undefined ? 'not checked yet' : (explanation.shipped ?? `${explanation.target} ships none`)}`,
    `  ${explanation.results.suite.startsWith('rpm/') ? 'build dependencies' : 'Build-Depends'}: ${explanation.buildDepends.join(', ')}`,
    `  from:     ${explanation.dependencySources.map((source) => `${source.dependency} (${source.from === 'archive' ? `freshet archive, recipe ${source.recipe}` : 'distribution'})`).join(', ') || 'nothing beyond the toolchain'}`,
    `  order:    ${explanation.buildOrder.map((stage) => stage.join(' + ')).join(' → ')}`,
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
