import type { ResolvedConfig } from '../../config/load.js';
import { explicitRpmNames } from '../../pipeline/families.js';
import { resolveRecipe, type LoadedRecipe } from '../../recipe/load.js';
import { rpmNameCollisions } from '../../recipe/rpm-names.js';

/**
 * `freshet lint` for RPM targets: recipe packages that would get the same RPM name (rpm refuses a
 * second `%package` of a name, and generate refuses the spec), as `<file>: packages[i].name: …`.
 */
export function rpmNameProblems(loaded: LoadedRecipe, config: ResolvedConfig): string[] {
  const problems = new Set<string>();
  for (const target of config.targets.filter((candidate) => candidate.family === 'rpm')) {
    const recipe = resolveRecipe(loaded, 'rpm', target.id, config.dependencies);
    if (recipe.skip) continue;
    for (const collision of rpmNameCollisions(recipe, explicitRpmNames(loaded, target.id))) problems.add(`${loaded.file}: ${collision} (rpm target ${target.id})`);
  }
  return [...problems];
}
