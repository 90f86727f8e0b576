import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { builtinDependencies } from '../../src/recipe/dependency-map.js';
import { loadRecipeFile, mapDependency, resolveRecipe } from '../../src/recipe/load.js';

const recipesDir = path.join(import.meta.dirname, '../../recipes');

describe('versioned dependencies', () => {
  it('maps one constraint to both families: Debian relation syntax and rpm syntax', () => {
    const map = (dependency: string, family: 'deb' | 'rpm') => mapDependency(dependency, family, builtinDependencies, 'here');
    expect(map('libgpg-error >= 1.56', 'deb')).toBe('libgpg-error-dev (>= 1.56)');
    expect(map('libgpg-error >= 1.56', 'rpm')).toBe('libgpg-error-devel >= 1.56');
    expect(map('zlib << 2', 'rpm')).toBe('zlib-devel < 2');
    expect(map('libfoo-dev = 1.2+git1~rc1', 'deb')).toBe('libfoo-dev (= 1.2+git1~rc1)');
    expect(map('pkg-config', 'deb')).toBe('pkgconf');
  });

  it('libgcrypt needs libgpg-error 1.56 on every target: the Debian control and the spec both say so', () => {
    const libgcrypt = loadRecipeFile(path.join(recipesDir, 'libgcrypt.yaml'));
    expect(resolveRecipe(libgcrypt, 'deb', 'debian-12').buildDepends).toEqual(['libgpg-error-dev (>= 1.56)']);
    expect(resolveRecipe(libgcrypt, 'deb', 'debian-13').packages.find((pkg) => pkg.name === 'libgcrypt20-dev')?.depends).toEqual(['libgpg-error-dev (>= 1.56)']);
    expect(resolveRecipe(libgcrypt, 'rpm', 'debian-12-rpm').buildDepends).toEqual(['libgpg-error-devel >= 1.56']);
  });

  it('refuses a constraint that is not one operator and a version', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-recipe-'));
    const text = readFileSync(path.join(recipesDir, 'libgcrypt.yaml'), 'utf8');
    for (const bad of ['libgpg-error > 1.56', 'libgpg-error >= 1.56; rm', 'libgpg-error (>= 1.56)', 'libgpg-error >= $(id)']) {
      const file = path.join(dir, 'libgcrypt.yaml');
      writeFileSync(file, text.replace('"libgpg-error >= 1.56"]\n# As', `${JSON.stringify(bad)}]\n# As`));
      expect(() => loadRecipeFile(file)).toThrow(ConfigError);
      expect(() => loadRecipeFile(file)).toThrow(/depends\.build\[0\]: must be a dependency name .*optionally with one version constraint/);
    }
  });
});
