import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { readManifest, runRpmBuild } from '../../src/build/rpm.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { generateRpmSource } from '../../src/generate/rpm/index.js';
import { loadRecipeFile, resolveRecipe } from '../../src/recipe/load.js';
import type { BuildJob } from '../../src/types.js';
import { planVersion } from '../../src/versioning/planner.js';
import { helloTarball } from '../generate/upstream-tarballs.js';

/**
 * hello 2.12.3 from the same recipe as the .deb, built as an SRPM and binary RPM on debian-12-rpm
 * (Debian's rpmbuild, --nodeps, Debian build dependencies in the deps layer), with rpmlint.
 */
const config = loadConfig('freshet.config.yaml');
const target = findTarget(config, 'debian-12-rpm');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-build-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function helloJob(): Promise<BuildJob> {
  const loaded = loadRecipeFile('recipes/hello.yaml');
  const packageVersion = planVersion({ upstreamVersion: '2.12.3', target, rebuild: 1 }).full;
  const sourceDir = path.join(scratch, 'source');
  await generateRpmSource({
    recipe: resolveRecipe(loaded, 'rpm', target.id),
    recipeFilesDir: loaded.filesDir,
    target,
    upstreamVersion: '2.12.3',
    packageVersion,
    tarball: await helloTarball(),
    maintainer: 'Freshet Builder <builds@example.org>',
    date: '2026-01-01T12:00:00Z',
    outDir: sourceDir,
  });
  return {
    id: 'hello-rpm-test',
    recipe: 'hello',
    target,
    upstreamVersion: '2.12.3',
    packageVersion,
    rebuild: 1,
    tarballSha256: '',
    sourceDir,
    outputDir: path.join(scratch, 'output'),
  };
}

describe('runRpmBuild on debian-12-rpm', () => {
  it('builds hello as an SRPM and a binary RPM that rpmlint finds no error in', async () => {
    const job = await helloJob();
    expect(readManifest(job.sourceDir)).toMatchObject({ name: 'hello', version: '2.12.3', release: '0.deb12.freshet1', packages: ['hello'] });
    const deps = await ensureDepsImage(target, [], { engine: podman, stateDir: config.stateDir });
    const started = Date.now();
    const result = await runRpmBuild(job, { engine: podman, image: deps.ref, nodeps: true, limits: { memory: '4g', pids: 4096, timeoutMs: 20 * 60_000 } });
    console.log(`hello rpm build: ${Date.now() - started} ms; rpmlint ${JSON.stringify(result.lint)}`);
    console.log(readFileSync(path.join(job.outputDir, 'rpmlint.txt'), 'utf8').split('\n').filter((line) => / [EW]: /.test(line)).join('\n'));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('ok');
    const names = result.artifacts.map((artifact) => `${artifact.kind} ${path.basename(artifact.file)}`);
    expect(names).toEqual(['srpm hello-2.12.3-0.deb12.freshet1.src.rpm', 'rpm hello-2.12.3-0.deb12.freshet1.x86_64.rpm']);
    const binary = result.artifacts.find((artifact) => artifact.kind === 'rpm')!;
    expect(binary.fields).toMatchObject({ NAME: 'hello', VERSION: '2.12.3', RELEASE: '0.deb12.freshet1', ARCH: 'x86_64' });
    expect(result.lint?.tool).toBe('rpmlint');
    expect(result.lint?.errors).toBe(0);
  });
});
