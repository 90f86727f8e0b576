import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runDebBuild, type DebBuildOptions } from '../build/debian.js';
import { ensureBuilderImage, ensureDepsImage, type ArchiveSource, type ImageContext, type ImageOutcome } from '../build/images.js';
import { runRpmBuild } from '../build/rpm.js';
import { ensureArchiveRpmImage, resolveArchiveRpms, splitArchiveDepends } from '../build/rpm-archive.js';
import { UserError } from '../core/errors.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { runAptGate } from '../gate/apt/index.js';
import { gatedPackages, runRpmGate } from '../gate/rpm/index.js';
import type { GateContext, GateRequest, GateResult } from '../gate/types.js';
import { generateDebianSource } from '../generate/deb/index.js';
import { generateRpmSource } from '../generate/rpm/index.js';
import { AUTORECONF_REQUIRES, autoreconf } from '../generate/rpm/view.js';
import { resolveRecipe, type LoadedRecipe, type ResolvedRecipe } from '../recipe/load.js';
import { explicitRpmNames } from '../recipe/rpm-names.js';
import type { BuildArtifact, BuildJob, BuildResult, Family } from '../types.js';

/**
 * What `freshet run` does differently per package family: write the source, make the image the
 * build runs in, build, and gate. Everything else (plan, fetch, staging, publish) is shared.
 */
export interface GenerateStep {
  loaded: LoadedRecipe;
  recipe: ResolvedRecipe;
  target: ResolvedTarget;
  config: ResolvedConfig;
  upstreamVersion: string;
  packageVersion: string;
  tarball: string;
  /** The verified upstream signature, armored (FetchedRelease.signature); Debian ships it beside the orig. */
  upstreamSignature?: string;
  date: Date;
  outDir: string;
  /** Recipes with packages in freshet's suite for this target that the build sees (live or gated earlier in this run). */
  archiveRecipes?: readonly string[];
}

export interface FamilySteps {
  /**
   * Writes the source under outDir; returns the build dependencies to install in the deps image,
   * and on rpm-on-Debian targets the RPM relations to take from the target's YUM repository instead.
   */
  generate(step: GenerateStep): Promise<{ buildDepends: string[]; archiveRequires?: string[] }>;
  /** `archive`: freshet's own suite for this target, when the build needs packages from it. */
  depsImage(target: ResolvedTarget, buildDepends: string[], context: ImageContext, archive?: ArchiveSource, archiveRequires?: readonly string[]): Promise<ImageOutcome>;
  build(job: BuildJob, options: Omit<DebBuildOptions, 'limits'> & { limits: DebBuildOptions['limits'] }): Promise<BuildResult>;
  /** The binary packages of a build the gate installs. */
  gatePackages(artifacts: readonly BuildArtifact[]): string[];
  gate(request: GateRequest, artifacts: readonly BuildArtifact[], context: GateContext): Promise<GateResult>;
}

/** Build-Depends of a generated debian/control, one relation per entry. */
export function buildDependsOf(controlFile: string): string[] {
  const source = readFileSync(controlFile, 'utf8').split(/\n\n/)[0] ?? '';
  const match = /^Build-Depends:((?:.*)(?:\n[ \t].*)*)/m.exec(source);
  if (!match) return [];
  return match[1]!
    .split(',')
    .map((entry) => entry.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** What the Debian and RPM generators both take from a step. */
function sourceInput(step: GenerateStep) {
  return {
    recipe: step.recipe,
    recipeFilesDir: step.loaded.filesDir,
    target: step.target,
    upstreamVersion: step.upstreamVersion,
    packageVersion: step.packageVersion,
    tarball: step.tarball,
    maintainer: step.config.maintainer,
    date: step.date,
    outDir: step.outDir,
  };
}

const deb: FamilySteps = {
  async generate(step) {
    const generated = await generateDebianSource({ ...sourceInput(step), upstreamSignature: step.upstreamSignature });
    return { buildDepends: buildDependsOf(path.join(generated.sourceDir, 'debian', 'control')) };
  },
  depsImage: (target, buildDepends, context, archive) => ensureDepsImage(target, buildDepends, context, 'apt', archive),
  build: runDebBuild,
  gatePackages: (artifacts) => artifacts.filter((artifact) => artifact.kind === 'deb').map((artifact) => artifact.fields?.Package ?? '').filter(Boolean),
  gate: (request, artifacts, context) => runAptGate({ ...request, files: artifacts.filter((artifact) => artifact.kind === 'deb').map((artifact) => artifact.file) }, context),
};

// In a module of its own so that `freshet publish` checks a result without loading the build stages.
export { explicitRpmNames };

/**
 * RPM: Fedora targets install the spec's BuildRequires with dnf; rpm-on-Debian targets install the
 * recipe's Debian names (the same recipe resolved for the deb family) and build with --nodeps,
 * except what a recipe of the archive provides: that is its RPM, from the target's YUM repository
 * (src/build/rpm-archive.ts).
 */
const rpm: FamilySteps = {
  async generate(step) {
    const generated = await generateRpmSource({ ...sourceInput(step), explicitNames: explicitRpmNames(step.loaded, step.target.id) });
    if (step.target.distro === 'fedora') return { buildDepends: generated.manifest.buildRequires };
    const debian = resolveRecipe(step.loaded, 'deb', step.target.id, step.config.dependencies);
    // The spec runs autoreconf -fi in %build; its BuildRequires are Fedora names, so name Debian's here.
    const relations = { debian: [...debian.buildDepends, ...(autoreconf(debian) ? AUTORECONF_REQUIRES : [])], rpm: step.recipe.buildDepends };
    const split = splitArchiveDepends(step.config, step.target, step.recipe.name, relations, step.archiveRecipes ?? []);
    return { buildDepends: [...new Set(split.debian)], archiveRequires: split.rpm };
  },
  async depsImage(target, buildDepends, context, archive, archiveRequires = []) {
    await ensureBuilderImage(target, context);
    const image = await ensureDepsImage(target, buildDepends, context, target.distro === 'fedora' ? 'dnf' : 'apt');
    if (archiveRequires.length === 0) return image;
    if (!archive) throw new UserError(`${target.id}: the build needs ${archiveRequires.join(', ')} from freshet's YUM repository, which has none of it`);
    const files = await resolveArchiveRpms(archive.root, target, archiveRequires);
    return ensureArchiveRpmImage(target, image, archive.root, files, context);
  },
  build: (job, options) => runRpmBuild(job, { ...options, nodeps: job.target.distro !== 'fedora' }),
  gatePackages: (artifacts) => gatedPackages(artifacts).packages,
  gate: (request, artifacts, context) => runRpmGate({ ...request, files: gatedPackages(artifacts).files }, context),
};

export const familySteps: Record<Family, FamilySteps> = { deb, rpm };
