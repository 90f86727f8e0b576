import { ConfigError } from '../core/errors.js';
import type { LoadedRecipe, ResolvedRecipe } from './load.js';

// RPM package names, apart from the spec view (generate/rpm/view.ts): the publisher's artifact
// policy needs them without loading the spec generator (issue 17).

/** Whether the recipe named each package for RPM itself (`name: {deb, rpm}`), after overrides. */
export function explicitRpmNames(loaded: LoadedRecipe, targetId: string): boolean[] {
  const { recipe } = loaded;
  const packages = recipe.overrides?.targets?.[targetId]?.packages ?? recipe.overrides?.rpm?.packages ?? recipe.packages;
  return packages.map((pkg) => typeof pkg.name !== 'string');
}

/**
 * Which recipe package is the spec's main package (named after the recipe, its preamble is the
 * spec's own), as Fedora names them: a runtime package named like the recipe (xxhash's tools),
 * else the library, else the first package.
 */
export function mainPackageIndex(recipe: ResolvedRecipe): number {
  const namedLikeSource = recipe.packages.findIndex((pkg) => pkg.name === recipe.name && (pkg.role ?? 'runtime') === 'runtime');
  if (namedLikeSource >= 0) return namedLikeSource;
  return Math.max(
    0,
    recipe.packages.findIndex((pkg) => pkg.role === 'library'),
  );
}

/**
 * The RPM name of each recipe package, in recipe order, Fedora-style unless the recipe named it
 * for RPM itself (`name: {deb, rpm}`): the main package is `<name>`, a library that is not the
 * main package `<name>-libs`, a dev package `<name>-devel`; others keep their name.
 */
export function rpmNames(recipe: ResolvedRecipe, explicitNames?: boolean[]): string[] {
  const mainIndex = mainPackageIndex(recipe);
  return recipe.packages.map((pkg, index) => {
    if (index === mainIndex) return recipe.name;
    if (explicitNames?.[index]) return pkg.name;
    if (pkg.role === 'library') return `${recipe.name}-libs`;
    if (pkg.role === 'dev') return `${recipe.name}-devel`;
    return pkg.name;
  });
}

/**
 * Two recipe packages that would get the same RPM name (rpm refuses a second `%package` of a name),
 * as `packages[i].name` messages; empty when the names are distinct.
 */
export function rpmNameCollisions(recipe: ResolvedRecipe, explicitNames?: boolean[]): string[] {
  const names = rpmNames(recipe, explicitNames);
  return names.flatMap((name, index) => {
    const first = names.indexOf(name);
    if (first === index) return [];
    return [`packages[${index}].name: "${recipe.packages[index]!.name}" would be the RPM package ${name}, as packages[${first}] ("${recipe.packages[first]!.name}") already is`];
  });
}

/** rpmNames, refusing a recipe where two packages would get the same name. */
export function distinctRpmNames(recipe: ResolvedRecipe, explicitNames?: boolean[]): string[] {
  const collisions = rpmNameCollisions(recipe, explicitNames);
  if (collisions.length > 0) {
    throw new ConfigError(`${recipe.name}: ${collisions[0]}`, { hint: 'give the package an RPM name of its own: name: {deb: …, rpm: …}' });
  }
  return rpmNames(recipe, explicitNames);
}

/** Per-package items in the spec's order: the main package first, then the others in recipe order. */
export function inSpecOrder<T>(recipe: ResolvedRecipe, perPackage: readonly T[]): T[] {
  const mainIndex = mainPackageIndex(recipe);
  return [perPackage[mainIndex]!, ...perPackage.filter((_, index) => index !== mainIndex)];
}

/** The binary package names the spec declares, main package first. */
export function rpmPackageNames(recipe: ResolvedRecipe, explicitNames?: boolean[]): string[] {
  return inSpecOrder(recipe, distinctRpmNames(recipe, explicitNames));
}
