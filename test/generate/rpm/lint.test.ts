import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintRecipes } from '../../../src/cli/actions/lint.js';
import { loadConfig } from '../../../src/config/load.js';

describe('freshet lint: RPM package names', () => {
  const config = loadConfig('freshet.config.yaml');
  const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

  it('refuses two packages that would both be <name>-devel, naming the file and field', () => {
    const [finding] = lintRecipes({ ...config, recipesDir: fixtures }, ['twodev']);
    expect(finding!.ok).toBe(false);
    expect(finding!.errors).toContain(
      `test/generate/rpm/fixtures/twodev.yaml: packages[2].name: "libtwodev-extra-dev" would be the RPM package twodev-devel, as packages[1] ("libtwodev-dev") already is (rpm target debian-12-rpm)`,
    );
  });

  it('accepts tools named like the recipe beside its library: tinyhash, tinyhash-libs, tinyhash-devel', () => {
    const [finding] = lintRecipes({ ...config, recipesDir: fixtures }, ['tinyhash']);
    expect(finding!.errors).toEqual([]);
  });
});
