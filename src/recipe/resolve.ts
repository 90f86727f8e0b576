import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Family } from '../types.js';
import { builtinDependencies, type DependencyNames } from './dependency-map.js';
// Types only: a recipe served from the validated cache (cached.ts) is checked and resolved without loading zod.
import type { BinaryPackage, Dependency, Override, Recipe } from './schema.js';

export interface LoadedRecipe {
  recipe: Recipe;
  /** The recipe file, relative to the working directory, for messages. */
  file: string;
  /** Folder holding the recipe's patches, keys and extra files: recipes/<name>/. */
  filesDir: string;
}

/** A validated recipe of `file` (`display` in messages): its name must match the file's, and the files it names exist. */
export function checkRecipe(recipe: Recipe, file: string, display: string): LoadedRecipe {
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (recipe.name !== expected) {
    throw new ConfigError(`${display}: name: "${recipe.name}" must match the file name "${expected}"`);
  }
  const filesDir = path.join(path.dirname(path.resolve(file)), recipe.name);
  const loaded = { recipe, file: display, filesDir };
  checkRecipeFiles(loaded);
  return loaded;
}

/** Every file a recipe names (patches, keys) must exist beside it. */
function checkRecipeFiles({ recipe, file, filesDir }: LoadedRecipe): void {
  const named: Array<[string, string]> = [];
  if (recipe.upstream.signature) named.push(['upstream.signature.key', recipe.upstream.signature.key]);
  for (const [index, patch] of (recipe.patches ?? []).entries()) named.push([`patches[${index}]`, patch]);
  const overrides = recipe.overrides;
  for (const [scope, override] of [
    ['deb', overrides?.deb],
    ['rpm', overrides?.rpm],
    ...Object.entries(overrides?.targets ?? {}).map(([id, o]) => [`targets.${id}`, o] as const),
  ] as const) {
    for (const [index, patch] of (override?.patches ?? []).entries()) named.push([`overrides.${scope}.patches[${index}]`, patch]);
  }
  for (const [field, relative] of named) {
    if (!existsSync(path.join(filesDir, relative))) {
      throw new ConfigError(`${file}: ${field}: ${path.join(path.relative(process.cwd(), filesDir), relative)} does not exist`);
    }
  }
}

/** Recipe files in a folder; names given on the command line select among them. */
export function listRecipeFiles(recipesDir: string, names: readonly string[] = []): string[] {
  if (!existsSync(recipesDir)) throw new ConfigError(`${recipesDir}: no such recipes folder`);
  const all = readdirSync(recipesDir)
    .filter((entry) => /^[a-z0-9][a-z0-9+.-]*\.ya?ml$/.test(entry))
    .sort();
  if (names.length === 0) return all.map((entry) => path.join(recipesDir, entry));
  return names.map((name) => {
    if (name.endsWith('.yaml') || name.endsWith('.yml')) return name;
    const match = all.find((entry) => entry.replace(/\.ya?ml$/, '') === name);
    if (!match) throw new ConfigError(`no recipe "${name}" in ${path.relative(process.cwd(), recipesDir) || recipesDir}`);
    return path.join(recipesDir, match);
  });
}

/**
 * A recipe as one family and target see it: overrides applied (family first, then target),
 * dependencies mapped to real package names. Plain data.
 */
export interface ResolvedRecipe extends Omit<Recipe, 'overrides' | 'depends' | 'packages'> {
  family: Family;
  targetId: string;
  buildDepends: string[];
  packages: Array<Omit<BinaryPackage, 'name' | 'depends'> & { name: string; depends: string[] }>;
  /** Package names the gate installs for the smoke commands. */
  gateRequires: string[];
  patches: string[];
  skip: string | undefined;
}

export function mergeOverride(base: Recipe, override: Override | undefined): Recipe {
  if (!override) return base;
  return {
    ...base,
    build: { ...base.build, ...override.build },
    depends: override.depends ? { ...base.depends, ...override.depends } : base.depends,
    packages: override.packages ?? base.packages,
    gate: override.gate ? { ...base.gate, ...override.gate } : base.gate,
    patches: override.patches ?? base.patches,
  };
}

export function mapDependency(
  dependency: Dependency,
  family: Family,
  table: Record<string, Dependency | DependencyNames>,
  where: string,
): string {
  if (typeof dependency !== 'string') {
    const name = dependency[family];
    if (!name) throw new ConfigError(`${where}: no ${family} name given for this dependency`);
    return name;
  }
  const [spec, operator, version] = dependency.split(' ') as [string, string | undefined, string | undefined];
  const [bare, qualifier] = spec.split(':') as [string, string | undefined];
  const entry = table[bare];
  // Not in the map: taken as the package name itself.
  const mapped = entry === undefined ? bare : typeof entry === 'string' ? entry : entry[family];
  if (!mapped) throw new ConfigError(`${where}: dependency "${bare}" has no ${family} name in the dependency map`);
  const name = qualifier ? `${mapped}:${qualifier}` : mapped;
  if (!operator || !version) return name;
  return family === 'deb' ? `${name} (${operator} ${version})` : `${name} ${rpmOperators[operator] ?? operator} ${version}`;
}

/** Debian's strict `<<`/`>>` are rpm's `<`/`>`; the others are spelt alike. */
const rpmOperators: Record<string, string> = { '<<': '<', '>>': '>' };

export function resolveRecipe(
  loaded: LoadedRecipe,
  family: Family,
  targetId: string,
  extraDependencies: Record<string, Dependency> = {},
): ResolvedRecipe {
  const { recipe, file } = loaded;
  const familyOverride = recipe.overrides?.[family];
  const targetOverride = recipe.overrides?.targets?.[targetId];
  const merged = mergeOverride(mergeOverride(recipe, familyOverride), targetOverride);
  const table = { ...builtinDependencies, ...extraDependencies };
  const { overrides: _overrides, depends, packages, ...common } = merged;
  const buildDepends = (depends?.build ?? []).map((dep, index) => mapDependency(dep, family, table, `${file}: depends.build[${index}]`));
  const runtime = (depends?.runtime ?? []).map((dep, index) => mapDependency(dep, family, table, `${file}: depends.runtime[${index}]`));
  return {
    ...common,
    family,
    targetId,
    buildDepends: [...new Set(buildDepends)],
    packages: packages.map((pkg, index) => ({
      ...pkg,
      name: typeof pkg.name === 'string' ? pkg.name : pkg.name[family],
      depends: [
        ...(pkg.role === 'dev' || index > 0 ? [] : runtime),
        ...(pkg.depends ?? []).map((dep, depIndex) => mapDependency(dep, family, table, `${file}: packages[${index}].depends[${depIndex}]`)),
      ],
    })),
    gateRequires: (merged.gate?.requires ?? []).map((dep, index) => mapDependency(dep, family, table, `${file}: gate.requires[${index}]`)),
    patches: merged.patches ?? [],
    skip: targetOverride?.skip ?? familyOverride?.skip,
  };
}
