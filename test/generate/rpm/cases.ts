import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RpmViewInput } from '../../../src/generate/rpm/view.js';
import { loadRecipeFile, resolveRecipe } from '../../../src/recipe/load.js';
import type { Target } from '../../../src/types.js';
import { planVersion } from '../../../src/versioning/planner.js';

/** The recipes and targets whose specs are kept as golden files. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));

export const TARGETS: Record<string, Target> = {
  'debian-12-rpm': { id: 'debian-12-rpm', family: 'rpm', distro: 'debian', release: '12', codename: 'debian-12-rpm' },
  'fedora-41': { id: 'fedora-41', family: 'rpm', distro: 'fedora', release: '41', codename: 'fedora-41' },
};

export interface SpecCase {
  recipe: string;
  target: Target;
  upstreamVersion: string;
  tarballName: string;
  topDir: string;
  licenseFiles: string[];
  docFiles: string[];
}

export const CASES: SpecCase[] = [
  {
    recipe: 'hello',
    target: TARGETS['debian-12-rpm']!,
    upstreamVersion: '2.12.3',
    tarballName: 'hello-2.12.3.tar.gz',
    topDir: 'hello-2.12.3',
    licenseFiles: ['COPYING'],
    docFiles: ['AUTHORS', 'NEWS', 'README', 'THANKS'],
  },
  {
    recipe: 'libtasn1',
    target: TARGETS['fedora-41']!,
    upstreamVersion: '4.20.0',
    tarballName: 'libtasn1-4.20.0.tar.gz',
    topDir: 'libtasn1-4.20.0',
    licenseFiles: ['COPYING', 'COPYING.LESSERv2'],
    docFiles: ['AUTHORS', 'NEWS', 'README.md', 'THANKS'],
  },
  {
    recipe: 'cmocka',
    target: TARGETS['fedora-41']!,
    upstreamVersion: '2.0.1',
    tarballName: 'cmocka-2.0.1.tar.xz',
    topDir: 'cmocka-2.0.1',
    licenseFiles: ['COPYING'],
    docFiles: ['AUTHORS', 'README.md'],
  },
];

export const FIXED_DATE = '2026-01-01T12:00:00Z';
export const MAINTAINER = 'Freshet Builder <builds@example.org>';

export function specInput(testCase: SpecCase): RpmViewInput {
  const loaded = loadRecipeFile(path.join(ROOT, 'recipes', `${testCase.recipe}.yaml`));
  return {
    recipe: resolveRecipe(loaded, 'rpm', testCase.target.id),
    target: testCase.target,
    upstreamVersion: testCase.upstreamVersion,
    packageVersion: planVersion({ upstreamVersion: testCase.upstreamVersion, target: testCase.target, rebuild: 1 }).full,
    maintainer: MAINTAINER,
    date: FIXED_DATE,
    tarballName: testCase.tarballName,
    topDir: testCase.topDir,
    licenseFiles: testCase.licenseFiles,
    docFiles: testCase.docFiles,
  };
}
