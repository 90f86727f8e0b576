import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRecipeFile, resolveRecipe } from '../../../src/recipe/load.js';
import type { RenderDebianInput } from '../../../src/generate/deb/render.js';
import type { Target } from '../../../src/types.js';
import { planVersion } from '../../../src/versioning/planner.js';

/** The recipes and targets whose debian/ folders are kept as golden files. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('../golden/', import.meta.url));

export const TARGETS: Record<string, Target> = {
  'debian-12': { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' },
  'debian-13': { id: 'debian-13', family: 'deb', distro: 'debian', release: '13', codename: 'trixie' },
};

export interface GoldenCase {
  recipe: string;
  file: string;
  target: Target;
  upstreamVersion: string;
}

export const CASES: GoldenCase[] = [
  { recipe: 'hello', file: path.join(ROOT, 'recipes/hello.yaml'), target: TARGETS['debian-12']!, upstreamVersion: '2.12.3' },
  { recipe: 'libfoo', file: path.join(FIXTURES, 'libfoo.yaml'), target: TARGETS['debian-13']!, upstreamVersion: '1.4.0' },
  { recipe: 'mesontool', file: path.join(FIXTURES, 'mesontool.yaml'), target: TARGETS['debian-12']!, upstreamVersion: '0.3.1' },
];

export const FIXED_DATE = '2025-06-01T12:00:00Z';
export const MAINTAINER = 'Freshet Builder <builds@example.org>';

export function renderInput(testCase: GoldenCase): RenderDebianInput {
  const loaded = loadRecipeFile(testCase.file);
  return {
    recipe: resolveRecipe(loaded, 'deb', testCase.target.id),
    recipeFilesDir: loaded.filesDir,
    target: testCase.target,
    upstreamVersion: testCase.upstreamVersion,
    packageVersion: planVersion({ upstreamVersion: testCase.upstreamVersion, target: testCase.target, rebuild: 1 }).full,
    maintainer: MAINTAINER,
    date: FIXED_DATE,
  };
}
