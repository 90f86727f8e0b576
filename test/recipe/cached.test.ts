import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaCodeVersion, ValidatedCache } from '../../src/config/validated-cache.js';
import { CachedRecipes } from '../../src/recipe/cached.js';
import { loadRecipeFile } from '../../src/recipe/load.js';

const bundledDir = path.join(import.meta.dirname, '../../recipes');
const hello = readFileSync(path.join(bundledDir, 'hello.yaml'), 'utf8');

describe('validated recipe cache', () => {
  let dir: string;
  let recipesDir: string;
  let stateDir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'freshet-validated-recipes-'));
    recipesDir = path.join(dir, 'recipes');
    stateDir = path.join(dir, 'state');
    cpSync(path.join(bundledDir, 'hello'), path.join(recipesDir, 'hello'), { recursive: true });
    writeFileSync(path.join(recipesDir, 'hello.yaml'), hello);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = async () => {
    const recipes = new CachedRecipes(stateDir);
    try {
      return await recipes.load(recipesDir, 'hello');
    } finally {
      recipes.save();
    }
  };
  const cacheFile = () => path.join(stateDir, 'validated-recipes.bin');
  const version = () => schemaCodeVersion([new URL('../../src/recipe/schema.js', import.meta.url), new URL('../../src/recipe/yaml.js', import.meta.url)]);

  it.each(readdirSync(bundledDir).filter((entry) => entry.endsWith('.yaml')))('%s loads as loadRecipeFile loads it, through a cold cache and a warm one', async (entry) => {
    const plain = loadRecipeFile(path.join(bundledDir, entry));
    const recipes = new CachedRecipes(stateDir);
    const name = entry.replace(/\.yaml$/, '');
    expect(await recipes.load(bundledDir, name)).toEqual(plain);
    recipes.save();
    expect(await new CachedRecipes(stateDir).load(bundledDir, name)).toEqual(plain);
  });

  it('serves an unchanged recipe from the cache, and misses once the recipe changes', async () => {
    await load();
    // Only a hit can return a summary the file does not say: plant one under the file's key.
    const cache = ValidatedCache.open(cacheFile(), version());
    const stored = cache.get(hello) as { summary: string };
    cache.set(hello, { ...stored, summary: 'planted' });
    cache.save();
    expect((await load()).recipe.summary).toBe('planted');
    writeFileSync(path.join(recipesDir, 'hello.yaml'), hello.replace(/^summary: .*$/m, 'summary: changed'));
    expect((await load()).recipe.summary).toBe('changed');
  });

  it('misses when the schema version changes', async () => {
    await load();
    expect(ValidatedCache.open(cacheFile(), version()).get(hello)).toBeDefined();
    expect(ValidatedCache.open(cacheFile(), `${version()}-next`).get(hello)).toBeUndefined();
  });

  it('checks on a hit that the file name matches and the named files exist', async () => {
    await load();
    const cache = ValidatedCache.open(cacheFile(), version());
    const stored = cache.get(hello) as { patches?: string[] };
    cache.set(hello, { ...stored, patches: ['missing.patch'] });
    cache.save();
    await expect(load()).rejects.toThrow(/patches\[0\]: .*missing\.patch does not exist/);
  });

  it('ignores a corrupted cache file and writes it again', async () => {
    await load();
    writeFileSync(cacheFile(), 'not a cache');
    expect((await load()).recipe.name).toBe('hello');
    expect(ValidatedCache.open(cacheFile(), version()).get(hello)).toBeDefined();
  });

  it('stores nothing for an invalid recipe and reports it as loadRecipeFile does', async () => {
    writeFileSync(path.join(recipesDir, 'hello.yaml'), hello.replace('build:\n', 'build:\n  bogus: 1\n'));
    const expected = (() => {
      try {
        loadRecipeFile(path.join(recipesDir, 'hello.yaml'));
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the recipe was accepted');
    })();
    await expect(load()).rejects.toThrow(expected);
    await expect(load()).rejects.toThrow(expected);
  });

  it("a miss stores the folder's other valid recipes too, so that a publish of any of them hits; an invalid one still fails with its own error", async () => {
    const other = hello.replace(/^name: hello$/m, 'name: hello2');
    writeFileSync(path.join(recipesDir, 'hello2.yaml'), other);
    cpSync(path.join(bundledDir, 'hello'), path.join(recipesDir, 'hello2'), { recursive: true });
    writeFileSync(path.join(recipesDir, 'broken.yaml'), hello.replace(/^name: hello$/m, 'name: broken').replace('build:\n', 'build:\n  bogus: 1\n'));
    await load();
    const cache = ValidatedCache.open(cacheFile(), version());
    expect((cache.get(other) as { name: string }).name).toBe('hello2');
    const recipes = new CachedRecipes(stateDir);
    await expect(recipes.load(recipesDir, 'broken')).rejects.toThrow(/broken\.yaml.*bogus|bogus.*broken\.yaml/s);
  });
});
