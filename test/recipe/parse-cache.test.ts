import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { ParseCache } from '../../src/recipe/parse-cache.js';

const recipesDir = path.join(import.meta.dirname, '../../recipes');
const hello = readFileSync(path.join(recipesDir, 'hello.yaml'), 'utf8');

function writeRecipe(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-parse-cache-'));
  cpSync(path.join(recipesDir, 'hello'), path.join(dir, 'hello'), { recursive: true });
  const file = path.join(dir, 'hello.yaml');
  writeFileSync(file, text);
  return file;
}

function outcome(load: () => unknown): unknown {
  try {
    return { value: load() };
  } catch (error) {
    return { error: (error as Error).message, type: (error as Error).constructor.name };
  }
}

describe('recipe parse cache', () => {
  const bundled = readdirSync(recipesDir).filter((entry) => entry.endsWith('.yaml'));

  it.each(bundled)('%s loads the same without a cache, through a cold cache and a warm one', (entry) => {
    const file = path.join(recipesDir, entry);
    const cache = ParseCache.inMemory();
    const plain = loadRecipeFile(file);
    expect(loadRecipeFile(file, cache)).toEqual(plain);
    expect(loadRecipeFile(file, cache)).toEqual(plain);
  });

  it.each([
    ['an unknown key', hello.replace('build:\n', 'build:\n  bogus: 1\n')],
    ['a numeric scalar where a string belongs', hello.replace('- name: hello', '- name: 1.10')],
    ['a forbidden key', `${hello}__proto__:\n  polluted: true\n`],
    ['a duplicate key', `${hello}license: MIT\n`],
    ['broken YAML', `${hello}\n  - [unclosed\n`],
  ])('reports %s with the same message, line included, every time', (_, text) => {
    const file = writeRecipe(text);
    const expected = outcome(() => loadRecipeFile(file));
    expect(expected).toHaveProperty('error');
    const cache = ParseCache.inMemory();
    expect(outcome(() => loadRecipeFile(file, cache))).toEqual(expected);
    expect(outcome(() => loadRecipeFile(file, cache))).toEqual(expected);
  });

  it('still checks the files a cached recipe names', () => {
    const file = writeRecipe(`${hello}patches: [fix.patch]\n`);
    writeFileSync(path.join(path.dirname(file), 'hello', 'fix.patch'), '');
    const cache = ParseCache.inMemory();
    expect(loadRecipeFile(file, cache).recipe.patches).toEqual(['fix.patch']);
    rmSync(path.join(path.dirname(file), 'hello', 'fix.patch'));
    expect(() => loadRecipeFile(file, cache)).toThrow(/patches\[0\]: .*fix\.patch does not exist/);
  });

  it('hands out copies, so a caller cannot change what the next load sees', () => {
    const cache = ParseCache.inMemory();
    cache.set('text', { list: [1, 2] });
    (cache.get('text') as { list: number[] }).list.push(3);
    expect(cache.get('text')).toEqual({ list: [1, 2] });
    expect(cache.get('other text')).toBeUndefined();
  });

  it('keeps entries between processes in its file, and starts empty from a damaged one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-parse-cache-'));
    const first = ParseCache.inState(dir);
    first.set(hello, { name: 'hello' });
    first.save();
    const file = path.join(dir, readdirSync(dir)[0]!);
    expect(ParseCache.inState(dir).get(hello)).toEqual({ name: 'hello' });
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    expect(ParseCache.inState(dir).get(hello)).toBeUndefined();
    writeFileSync(file, 'not a cache');
    expect(ParseCache.inState(dir).get(hello)).toBeUndefined();
  });
});
