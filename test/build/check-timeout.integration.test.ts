import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDebBuild } from '../../src/build/debian.js';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { generateDebianSource } from '../../src/generate/deb/index.js';
import { buildDependsOf } from '../../src/pipeline/families.js';
import type { ResolvedRecipe } from '../../src/recipe/load.js';
import { hangcheckBuilds } from './hangcheck.js';

/**
 * A real build of a plain-Makefile upstream whose `make check` hangs (a sleeper in the background
 * and one in front): with build.checkTimeoutMinutes the suite's processes are killed and the build
 * fails saying so, long before the build timeout; without the check, the recipe's make arguments
 * (with {libdir}) reach build, install and clean.
 */
const { config, target, prepare } = hangcheckBuilds('debian-12', 'freshet-check-timeout-');

async function build(name: string, change: (recipe: ResolvedRecipe) => void) {
  const { source, job } = await prepare(name, change);
  const generated = await generateDebianSource(source);
  const deps = await ensureDepsImage(target, buildDependsOf(path.join(generated.sourceDir, 'debian', 'control')), { engine: podman, stateDir: config.stateDir });
  return runDebBuild(job(`check-timeout-${name}`), { engine: podman, image: deps.ref, limits: { memory: '2g', pids: 1024, timeoutMs: 20 * 60_000 } });
}

describe('build.checkTimeoutMinutes in a real build', () => {
  it('kills a hanging test suite after its timeout and fails the build saying why', async () => {
    const result = await build('hangs', () => undefined);
    expect(result.status).toBe('failed');
    const log = readFileSync(result.logFile, 'utf8');
    expect(log).toContain('timeout --kill-after=10 60 dh_auto_test');
    expect(log).toContain('freshet: the upstream test suite ran longer than build.checkTimeoutMinutes (1 min); its processes were killed');
    expect(result.error ?? '').not.toMatch(/timed out/);
  });

  it('passes the make arguments, with {libdir} filled, to build, install and clean', async () => {
    const result = await build('no-check', (recipe) => {
      recipe.build.check = false;
    });
    const log = readFileSync(result.logFile, 'utf8');
    expect(result.error, log.slice(-3000)).toBeUndefined();
    expect(log).toMatch(/make -j\d+ install DESTDIR=\S+ AM_UPDATE_INFO_DIR=no PREFIX=\/usr 'MARK=\/usr\/lib\/x86_64-linux-gnu'|install .*MARK=\/usr\/lib\/x86_64-linux-gnu/);
    expect(log).toMatch(/make -j\d+ clean PREFIX=\/usr 'MARK=\/usr\/lib\/x86_64-linux-gnu'|clean .*MARK=\/usr\/lib\/x86_64-linux-gnu/);
    expect(result.artifacts.some((artifact) => artifact.kind === 'deb')).toBe(true);
  });
});
