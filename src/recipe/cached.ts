import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaCodeVersion, ValidatedCache } from '../config/validated-cache.js';
import type { ParseCache } from './parse-cache.js';
import { checkRecipe, listRecipeFiles, type LoadedRecipe } from './resolve.js';
import type { Recipe } from './schema.js';

/**
 * Recipes for commands that start often (`freshet publish`): an unchanged recipe file is taken from
 * the validated cache in the state folder, then checked (its name, the files it names) as
 * loadRecipeFile checks it, without loading the yaml library or zod; any other goes through
 * load.ts and the parse cache as before, with the same errors, and is stored once valid.
 */
export class CachedRecipes {
  private readonly validated: ValidatedCache;
  private parseCache: ParseCache | undefined;

  constructor(private readonly stateDir: string) {
    const version = schemaCodeVersion([new URL('./schema.js', import.meta.url), new URL('./yaml.js', import.meta.url)]);
    this.validated = ValidatedCache.open(path.join(stateDir, 'validated-recipes.bin'), version, 20_000);
  }

  /** The recipe `name` in `recipesDir`, as loadRecipes(recipesDir, [name]) gives it. */
  async load(recipesDir: string, name: string): Promise<LoadedRecipe> {
    const [file] = listRecipeFiles(recipesDir, [name]) as [string];
    const display = path.relative(process.cwd(), path.resolve(file)) || file;
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // load.ts says why, in its own words.
    }
    if (text !== undefined) {
      const known = this.validated.get(text) as Recipe | undefined;
      if (known !== undefined) return checkRecipe(known, file, display);
    }
    const { loadRecipeFile, loadRecipeText } = await import('./load.js');
    if (text === undefined) return loadRecipeFile(file);
    this.parseCache ??= (await import('./parse-cache.js')).ParseCache.inState(this.stateDir);
    // Validated from the bytes the key was made of, so a file changed meanwhile cannot be stored under the old key.
    const loaded = loadRecipeText(file, text, display, this.parseCache);
    this.validated.set(text, loaded.recipe);
    this.validateOthers(recipesDir, file, loadRecipeText);
    return loaded;
  }

  /**
   * Once zod and the yaml library are loaded for a miss, the folder's other unchanged-or-new recipes
   * are validated too, so that the next publish of any of them hits (each build result of a run is
   * often published by a call of its own). An invalid one is left out, to fail with its own error
   * when it is asked for.
   */
  private validateOthers(recipesDir: string, asked: string, loadRecipeText: (typeof import('./load.js'))['loadRecipeText']): void {
    for (const file of listRecipeFiles(recipesDir)) {
      if (file === asked) continue;
      try {
        const text = readFileSync(file, 'utf8');
        if (this.validated.get(text) !== undefined) continue;
        this.validated.set(text, loadRecipeText(file, text, file, this.parseCache!).recipe);
      } catch {
        // Not stored: asking for it goes the slow way and says what is wrong.
      }
    }
  }

  save(): void {
    this.validated.save();
    this.parseCache?.save();
  }
}
