import path from 'node:path';
import type { Command } from 'commander';
import { checkBuildDepends, checkRpmBuildRequires } from '../../build/images.js';
import { loadConfig, type ResolvedConfig } from '../../config/load.js';
import { ExitCode, isUserError } from '../../core/errors.js';
import { debianView } from '../../generate/deb/view.js';
import { rpmNameProblems } from '../../generate/rpm/lint.js';
import { builtinDependencies } from '../../recipe/dependency-map.js';
import { listRecipeFiles, loadRecipeFile, mapDependency, resolveRecipe, type LoadedRecipe } from '../../recipe/load.js';
import type { Dependency, Override, Recipe } from '../../recipe/schema.js';
import type { Family } from '../../types.js';
import { globalOptions, output } from '../context.js';

interface LintFinding {
  file: string;
  ok: boolean;
  errors: string[];
}

/** Every dependency list of a recipe part, with the field path a message names. */
function dependencyFields(part: Pick<Recipe, 'depends' | 'packages' | 'gate'> | Override, prefix: string): Array<[string, Dependency]> {
  const fields: Array<[string, Dependency]> = [];
  const add = (field: string, list: readonly Dependency[] | undefined) => list?.forEach((dependency, index) => fields.push([`${prefix}${field}[${index}]`, dependency]));
  add('depends.build', part.depends?.build);
  add('depends.runtime', part.depends?.runtime);
  part.packages?.forEach((pkg, index) => add(`packages[${index}].depends`, pkg.depends));
  add('gate.requires', part.gate?.requires);
  return fields;
}

/**
 * A name missing from the dependency map is taken as the package name itself; explain and the
 * build refuse it when it is not one for the family (`libevent_core` is a pkg-config module, not a
 * Debian package), so lint does too, naming the field.
 */
function dependencyErrors(loaded: LoadedRecipe, config: ResolvedConfig): string[] {
  const { recipe, file } = loaded;
  const table = { ...builtinDependencies, ...config.dependencies };
  const families = [...new Set(config.targets.map((target) => target.family))];
  const parts: Array<[Pick<Recipe, 'depends' | 'packages' | 'gate'> | Override | undefined, string, Family[]]> = [
    [recipe, '', families],
    [recipe.overrides?.deb, 'overrides.deb.', ['deb']],
    [recipe.overrides?.rpm, 'overrides.rpm.', ['rpm']],
    ...Object.entries(recipe.overrides?.targets ?? {}).map(([id, override]) => [override, `overrides.targets.${id}.`, config.targets.filter((target) => target.id === id).map((target) => target.family)] as [Override, string, Family[]]),
  ];
  const errors: string[] = [];
  for (const [part, prefix, partFamilies] of parts) {
    if (!part) continue;
    for (const [field, dependency] of dependencyFields(part, prefix)) {
      for (const family of partFamilies.filter((candidate) => families.includes(candidate))) {
        const where = `${file}: ${field}`;
        try {
          const name = mapDependency(dependency, family, table, where);
          if (family === 'deb') checkBuildDepends([name]);
          else checkRpmBuildRequires([name]);
        } catch (error) {
          if (!isUserError(error)) throw error;
          const unknown = typeof dependency === 'string' && !(dependency.split(':')[0]! in table);
          errors.push(
            unknown
              ? `${where}: "${dependency}" is not in the dependency map and not a ${family === 'deb' ? 'Debian' : 'RPM'} package name (add it to the config's dependencies:, or write {deb: …, rpm: …})`
              : error.message.startsWith(file) ? error.message : `${where}: ${error.message}`,
          );
        }
      }
    }
  }
  return [...new Set(errors)];
}

/** GitHub's tag and source tarballs (`tarball_url`) have no file extension: dpkg-source refuses them. */
function upstreamErrors({ recipe, file }: LoadedRecipe): string[] {
  const upstream = recipe.upstream;
  if (upstream.kind !== 'github') return [];
  if (upstream.use === 'tags') {
    return [`${file}: upstream.use: tags: GitHub's tag tarballs (tarball_url) have no file extension, and generate refuses them (use a release asset: asset: 'NAME-.+\\.tar\\.gz', or kind: html-index on https://github.com/${upstream.repo}/tags)`];
  }
  if (!upstream.asset) {
    return [`${file}: upstream.asset: missing: without it the release's source tarball (tarball_url) is used, which has no file extension and which generate refuses (name the release asset, such as 'NAME-.+\\.tar\\.gz')`];
  }
  return [];
}

function lintOne(file: string, config: ResolvedConfig): string[] {
  const loaded = loadRecipeFile(file);
  const errors = [...dependencyErrors(loaded, config), ...upstreamErrors(loaded)];
  for (const target of config.targets) {
    const resolved = resolveRecipe(loaded, target.family, target.id, config.dependencies);
    const names = resolved.packages.map((pkg) => pkg.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) errors.push(`${loaded.file}: packages[${index}].name: ${target.family} package ${name} is also packages[${names.indexOf(name)}]`);
    });
    if (target.family === 'deb') {
      try {
        debianView({ recipe: resolved, target, upstreamVersion: '1.0', packageVersion: '1.0-1', maintainer: config.maintainer, date: new Date(0) });
      } catch (error) {
        if (!isUserError(error)) throw error;
        errors.push(error.message.startsWith(loaded.file) ? error.message : `${loaded.file}: ${error.message}`);
      }
    }
  }
  errors.push(...rpmNameProblems(loaded, config));
  return [...new Set(errors)];
}

/** Lint every recipe (all of them, not just up to the first error) against every configured family. */
export function lintRecipes(config: ResolvedConfig, names: readonly string[]): LintFinding[] {
  return listRecipeFiles(config.recipesDir, names).map((file) => {
    const display = path.relative(process.cwd(), file) || file;
    try {
      const errors = lintOne(file, config);
      return { file: display, ok: errors.length === 0, errors };
    } catch (error) {
      if (!isUserError(error)) throw error;
      return { file: display, ok: false, errors: error.message.split('\n') };
    }
  });
}

export async function lint(names: string[], command: Command): Promise<ExitCode> {
  const config = loadConfig(globalOptions(command).config);
  const findings = lintRecipes(config, names);
  const failed = findings.filter((finding) => !finding.ok);
  output(command, { ok: failed.length === 0, config: config.file, recipes: findings }, () =>
    [
      ...failed.flatMap((finding) => finding.errors),
      `${findings.length - failed.length} of ${findings.length} recipes valid (config ${path.relative(process.cwd(), config.file)})`,
    ].join('\n'),
  );
  return failed.length === 0 ? ExitCode.ok : ExitCode.usage;
}
