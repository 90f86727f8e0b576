import path from 'node:path';
import type { ParseCache } from './parse-cache.js';
import { checkRecipe, listRecipeFiles, type LoadedRecipe } from './resolve.js';
import { Recipe } from './schema.js';
import { loadYamlFile, validateYamlText } from './yaml.js';

export * from './resolve.js';

/** A recipe file, parsed (or taken from the parse cache), validated, its named files checked. */
export function loadRecipeFile(file: string, cache?: ParseCache): LoadedRecipe {
  const display = path.relative(process.cwd(), path.resolve(file)) || file;
  return checkRecipe(loadYamlFile(Recipe, file, display, cache), file, display);
}

/** loadRecipeFile for the text of `file`, already read. */
export function loadRecipeText(file: string, text: string, display: string, cache?: ParseCache): LoadedRecipe {
  return checkRecipe(validateYamlText(Recipe, text, display, cache), file, display);
}

export function loadRecipes(recipesDir: string, names: readonly string[] = [], cache?: ParseCache): LoadedRecipe[] {
  return listRecipeFiles(recipesDir, names).map((file) => loadRecipeFile(file, cache));
}

