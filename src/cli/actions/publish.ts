import type { Command } from 'commander';
import path from 'node:path';
import { artifactPolicy, type ArtifactPolicy } from '../../build/artifact-policy.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { findTarget } from '../../config/resolve.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { archiveAt, mainArchive, publisherFor, stagingArchive } from '../../publish/api.js';
import type { ArchiveLocation, PublishItem, PublishOutcome } from '../../publish/types.js';
import { CachedRecipes } from '../../recipe/cached.js';
import { resolveRecipe } from '../../recipe/resolve.js';
import { explicitRpmNames } from '../../recipe/rpm-names.js';
import type { BuildResult } from '../../types.js';
import { readResult } from './build-result.js';
import { configFor, output } from '../context.js';
import type { PublishOptions } from '../commands/publish.js';

/**
 * What the recipe the build came from declares (case 32): the publisher checks each file against it
 * with its own reading, as for `freshet run`. A result whose recipe is not in this project is refused.
 */
async function policyFor(config: ResolvedConfig, result: BuildResult, file: string, recipes: CachedRecipes): Promise<ArtifactPolicy> {
  const target = findTarget(config, result.targetId);
  let loaded;
  try {
    loaded = await recipes.load(config.recipesDir, result.recipe);
  } catch (error) {
    throw new UserError(`${file}: ${(error as Error).message}; freshet publish only publishes builds of this project's recipes, checked against what the recipe declares`, { cause: error });
  }
  const recipe = resolveRecipe(loaded, target.family, target.id, config.dependencies);
  return artifactPolicy(recipe, { targetId: target.id, packageVersion: result.packageVersion, explicitRpmNames: explicitRpmNames(loaded, target.id) });
}

function location(config: ResolvedConfig, options: PublishOptions): ArchiveLocation {
  if (options.staging) return stagingArchive(path.resolve(options.staging));
  return options.archive ? archiveAt(config, options.archive) : mainArchive(config);
}

function debSuites(config: ResolvedConfig): string[] {
  return [...new Set(config.targets.filter((target) => target.family === 'deb').map((target) => target.codename))];
}

function parseRemove(spec: string): { name: string; version?: string } {
  const [name, version] = spec.split('=', 2);
  if (!name) throw new UserError(`--remove: expected NAME or NAME=VERSION, got ${spec}`, { exitCode: ExitCode.usage });
  return version ? { name, version } : { name };
}

export async function publish(files: string[], options: PublishOptions, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  const archive = location(config, options);
  const outcomes: PublishOutcome[] = [];
  const removals = (options.remove ?? []).map(parseRemove);
  if (options.resign) {
    const publisher = publisherFor('deb');
    const live = new Set(await publisher.suites(archive.root));
    for (const suite of options.suite ?? debSuites(config)) {
      if (live.has(suite)) outcomes.push(await publisher.resign({ config, archive, suite }));
    }
  }
  const bySuite = new Map<string, { family: 'deb' | 'rpm'; items: PublishItem[] }>();
  // Validated recipes are kept between runs: an unchanged recipe loads neither yaml nor zod, and a recipe of 2,000 packages took the yaml library 0.6 s.
  const recipes = new CachedRecipes(config.stateDir);
  for (const file of files) {
    const result = await readResult(file);
    const target = findTarget(config, result.targetId);
    const entry = bySuite.get(target.codename) ?? { family: target.family, items: [] };
    entry.items.push({ artifacts: result.artifacts, recipe: result.recipe, targetId: result.targetId, policy: await policyFor(config, result, file, recipes) });
    bySuite.set(target.codename, entry);
  }
  recipes.save();
  if (removals.length > 0) {
    for (const suite of options.suite ?? debSuites(config)) if (!bySuite.has(suite)) bySuite.set(suite, { family: 'deb', items: [] });
  }
  for (const [suite, { family, items }] of bySuite) {
    outcomes.push(await publisherFor(family).publish({ config, archive, suite, add: items, remove: removals }));
  }
  if (outcomes.length === 0) throw new UserError('nothing to publish', { exitCode: ExitCode.usage, hint: 'pass build-result files, --remove or --resign' });
  output(command, outcomes, () =>
    outcomes
      .map((o) => `${o.suite}: generation ${o.generation}, +${o.added.length} -${o.removed.length}, valid until ${o.validUntil}`)
      .join('\n'),
  );
  return ExitCode.ok;
}
