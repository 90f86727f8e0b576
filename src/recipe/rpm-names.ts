import type { LoadedRecipe } from './load.js';

/** Whether the recipe named each package for RPM itself (`name: {deb, rpm}`), after overrides. */
export function explicitRpmNames(loaded: LoadedRecipe, targetId: string): boolean[] {
  const { recipe } = loaded;
  const packages = recipe.overrides?.targets?.[targetId]?.packages ?? recipe.overrides?.rpm?.packages ?? recipe.packages;
  return packages.map((pkg) => typeof pkg.name !== 'string');
}
