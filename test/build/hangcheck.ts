import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { loadRecipeFile, resolveRecipe, type ResolvedRecipe } from '../../src/recipe/load.js';
import type { BuildJob } from '../../src/types.js';
import { planVersion } from '../../src/versioning/planner.js';
import { FIXTURES } from '../generate/deb/cases.js';
import { fixtureTarball } from '../generate/upstream-tarballs.js';

/**
 * The hangcheck fixture (a plain Makefile whose `make check` hangs) ready to generate and build on
 * one of the project's targets, each build in its own folder of a scratch folder removed afterAll.
 */
export function hangcheckBuilds(targetId: string, prefix: string) {
  const config = loadConfig('freshet.config.yaml');
  const target = findTarget(config, targetId);
  const scratch = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** The generator's input (into `<name>/source`) and the build job (into `<name>/output`) for build `name`. */
  async function prepare(name: string, change: (recipe: ResolvedRecipe) => void) {
    const loaded = loadRecipeFile(path.join(FIXTURES, 'hangcheck.yaml'));
    const recipe = resolveRecipe(loaded, target.family, target.id);
    change(recipe);
    const packageVersion = planVersion({ upstreamVersion: '1.0', target, rebuild: 1 }).full;
    const sourceDir = path.join(scratch, name, 'source');
    const source = {
      recipe,
      recipeFilesDir: loaded.filesDir,
      target,
      upstreamVersion: '1.0',
      packageVersion,
      tarball: await fixtureTarball('hangcheck-1.0', 'tar.gz', path.join(scratch, name)),
      maintainer: 'freshet tests <tests@localhost>',
      date: '2025-06-01T12:00:00Z',
      outDir: sourceDir,
    };
    const job = (id: string): BuildJob => ({ id, recipe: 'hangcheck', target, upstreamVersion: '1.0', packageVersion, rebuild: 1, tarballSha256: '', sourceDir, outputDir: path.join(scratch, name, 'output') });
    return { source, job };
  }

  return { config, target, prepare };
}
