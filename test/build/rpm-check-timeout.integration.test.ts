import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { runRpmBuild } from '../../src/build/rpm.js';
import { generateRpmSource } from '../../src/generate/rpm/index.js';
import type { ResolvedRecipe } from '../../src/recipe/load.js';
import { hangcheckBuilds } from './hangcheck.js';

/**
 * The hangcheck fixture (a plain Makefile whose `make check` hangs, a sleeper in the background and
 * one in front) built by rpmbuild on debian-12-rpm: %check gives up after build.checkTimeoutMinutes,
 * killing the suite's processes, and the build fails saying so, long before the build timeout;
 * without the check, the recipe's make arguments (with {libdir}) reach %build and %install.
 */
const { config, target, prepare } = hangcheckBuilds('debian-12-rpm', 'freshet-rpm-check-timeout-');

async function build(name: string, change: (recipe: ResolvedRecipe) => void) {
  const { source, job } = await prepare(name, change);
  await generateRpmSource(source);
  const deps = await ensureDepsImage(target, [], { engine: podman, stateDir: config.stateDir });
  return runRpmBuild(job(`rpm-check-timeout-${name}`), { engine: podman, image: deps.ref, nodeps: true, limits: { memory: '2g', pids: 1024, timeoutMs: 20 * 60_000 } });
}

describe('build.checkTimeoutMinutes in a real rpmbuild', () => {
  it('kills a hanging make check after its timeout and fails the build saying why', async () => {
    const result = await build('hangs', () => undefined);
    const log = readFileSync(result.logFile, 'utf8');
    expect(result.status, log.slice(-3000)).toBe('failed');
    expect(log).toMatch(/timeout --kill-after=10 60 \/usr\/bin\/make -O -j\d+ V=1 VERBOSE=1 check/);
    expect(log).toContain('freshet: the upstream test suite ran longer than build.checkTimeoutMinutes (1 min); its processes were killed');
    // rpmbuild writes "error: " and its message in separate writes, and the log interleaves
    // stdout with stderr, so the prefix can land on a line of its own.
    expect(log).toMatch(/Bad exit status from \S+ \(%check\)/);
    expect(result.error ?? '').not.toMatch(/timed out/);
  });

  it('passes the make arguments, with {libdir} filled, to build and install', async () => {
    const result = await build('no-check', (recipe) => {
      recipe.build.check = false;
    });
    const log = readFileSync(result.logFile, 'utf8');
    expect(result.error, log.slice(-3000)).toBeUndefined();
    // The shell's trace of the %install line (set -x prints words unquoted).
    expect(log).toMatch(/\n\+ \/usr\/bin\/make install DESTDIR=\S+ INSTALL=\/usr\/bin\/install -p PREFIX=\/usr MARK=\/usr\/lib64\n/);
    expect(result.artifacts.some((artifact) => artifact.kind === 'rpm')).toBe(true);
  });
});
