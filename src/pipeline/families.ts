import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitArchiveDepends } from '../build/rpm-archive.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { generateDebianSource } from '../generate/deb/index.js';
import { generateRpmSource } from '../generate/rpm/index.js';
import { AUTORECONF_REQUIRES, autoreconf } from '../generate/rpm/view.js';
import { resolveRecipe, type LoadedRecipe, type ResolvedRecipe } from '../recipe/load.js';
import { explicitRpmNames } from '../recipe/rpm-names.js';
import type { Family } from '../types.js';

/**
 * What the coordinator does differently per package family: write the source. Making the image,
 * building and gating are the job runner's (src/farm/runner.ts), on whichever machine runs the job.
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
};

// In a module of its own so that `freshet publish` checks a result without loading the build stages.
export { explicitRpmNames };

/**
 * RPM: Fedora targets install the spec's BuildRequires with dnf; rpm-on-Debian targets install the
 * recipe's Debian names (the same recipe resolved for the deb family), except what a recipe of the
 * archive provides: that is its RPM, from the target's YUM repository (src/build/rpm-archive.ts).
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
};

export const familySteps: Record<Family, FamilySteps> = { deb, rpm };
