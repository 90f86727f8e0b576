import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPhaseTimings } from '../../src/build/container-build.js';
import { runDebBuild } from '../../src/build/debian.js';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { RUN_LABEL } from '../../src/build/labels.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import type { BuildJob } from '../../src/types.js';
import { generateDebianSource } from '../../src/generate/deb/index.js';
import { buildDependsOf } from '../../src/pipeline/families.js';
import { CASES, renderInput } from '../generate/deb/cases.js';
import { helloSignature, helloTarball } from '../generate/upstream-tarballs.js';
import { HELLO_BUILD_DEPENDS, helloSourceDir } from './fixtures/hello-source.js';

const config = loadConfig('freshet.config.yaml');
const context = { engine: podman, stateDir: config.stateDir };
const target = findTarget(config, 'debian-12');
let image = '';
const madeDirs: string[] = [];

function job(sourceDir: string, id: string, buildTarget = target): BuildJob {
  const outputDir = mkdtempSync(path.join(os.tmpdir(), `freshet-out-${id}-`));
  madeDirs.push(sourceDir, outputDir);
  return {
    id,
    recipe: 'hello',
    target: buildTarget,
    upstreamVersion: '2.10',
    packageVersion: '2.10-3',
    rebuild: 0,
    tarballSha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b',
    sourceDir,
    outputDir,
  };
}

const limits = { memory: '4g', pids: 4096, timeoutMs: 20 * 60_000 };

async function timedBuild(buildJob: BuildJob, buildImage = image) {
  const started = Date.now();
  const result = await runDebBuild(buildJob, { engine: podman, image: buildImage, limits });
  const totalMs = Date.now() - started;
  if (result.status === 'ok') {
    const phases = readPhaseTimings(result.logFile);
    console.log(`build ${buildJob.id}: ${totalMs} ms total, dpkg-buildpackage ${phases.buildMs} ms, lintian ${phases.lintMs} ms, outside ${totalMs - phases.buildMs - phases.lintMs} ms`);
  }
  return result;
}

beforeAll(async () => {
  const first = await ensureDepsImage(target, HELLO_BUILD_DEPENDS, context);
  const cached = await ensureDepsImage(target, [...HELLO_BUILD_DEPENDS].reverse(), context);
  console.log(`deps layer: ${first.how} in ${first.durationMs} ms, then ${cached.how} in ${cached.durationMs} ms`);
  expect(cached).toMatchObject({ how: 'cached', ref: first.ref });
  image = first.ref;
});

afterAll(() => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

describe('runDebBuild on debian-12', () => {
  it('builds hello from source and collects its packages, sums, fields and lintian result', async () => {
    const buildJob = job(await helloSourceDir(), 'hello-ok');
    const result = await timedBuild(buildJob);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('ok');
    const names = result.artifacts.map((artifact) => path.basename(artifact.file));
    expect(names).toEqual(
      expect.arrayContaining(['hello_2.10-3.dsc', 'hello_2.10-3.debian.tar.xz', 'hello_2.10.orig.tar.gz', 'hello_2.10-3_amd64.deb', 'hello_2.10-3_amd64.changes', 'hello_2.10-3_amd64.buildinfo']),
    );
    const deb = result.artifacts.find((artifact) => artifact.kind === 'deb' && artifact.fields?.Package === 'hello');
    expect(deb?.fields).toMatchObject({ Package: 'hello', Version: '2.10-3', Architecture: 'amd64' });
    expect(deb?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(deb && readFileSync(deb.file).length).toBe(deb?.size);
    expect(result.lint?.tool).toBe('lintian');
    expect(readFileSync(result.logFile, 'utf8')).toMatch(/freshet: lintian exited with \d+/);
    // Nothing but the collected artifacts, the log and lintian's findings remain; the scratch copy is gone.
    expect(readdirSync(buildJob.outputDir).sort()).toEqual([...names, 'build.log', 'lintian.txt'].sort());

    const repeat = await timedBuild(job(buildJob.sourceDir, 'hello-repeat'));
    expect(repeat.status).toBe('ok');
  });

  it('reports a failing build with the log path and its last lines', async () => {
    const sourceDir = await helloSourceDir();
    appendFileSync(
      path.join(sourceDir, 'hello-2.10/debian/rules'),
      '\noverride_dh_auto_build:\n\techo "freshet test: deliberately broken build"\n\texit 3\n',
    );
    const buildJob = job(sourceDir, 'hello-broken');
    const result = await timedBuild(buildJob);
    expect(result.status).toBe('failed');
    expect(result.artifacts).toEqual([]);
    expect(result.error).toContain('build of hello 2.10-3 for debian-12 exited with');
    expect(result.error).toContain(`full log: ${path.join(buildJob.outputDir, 'build.log')}`);
    expect(result.error).toContain('freshet test: deliberately broken build');
  });

  it('case 21: rejects files a build leaves that are not packages of this source', async () => {
    const sourceDir = await helloSourceDir();
    appendFileSync(path.join(sourceDir, 'hello-2.10/debian/rules'), '\noverride_dh_auto_install:\n\tdh_auto_install\n\ttouch ../evil.sh\n\tln -s /etc/shadow ../hello_2.10-3.dsc.asc\n');
    const buildJob = job(sourceDir, 'hello-smuggle');
    const result = await timedBuild(buildJob);
    expect(result.status).toBe('failed');
    expect(result.error).toContain('unexpected file "evil.sh"');
    expect(result.error).toContain('unexpected file "hello_2.10-3.dsc.asc"');
    expect(existsSync(path.join(buildJob.outputDir, 'hello_2.10-3_amd64.deb'))).toBe(false);
  });

  it('stops and removes the build container when cancelled', async () => {
    const buildJob = job(await helloSourceDir(), 'hello-cancel');
    const controller = new AbortController();
    const outcome = runDebBuild(buildJob, { engine: podman, image, limits, signal: controller.signal });
    const ours = async () => (await podman.listContainers(RUN_LABEL)).filter((container) => container.labels[RUN_LABEL] === 'hello-cancel');
    for (let tries = 0; tries < 100 && (await ours()).length === 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await ours()).toHaveLength(1);
    controller.abort();
    await expect(outcome).rejects.toMatchObject({ isCanceled: true });
    expect(await ours()).toEqual([]);
  });

  it('leaves no labelled container behind', async () => {
    const mine = (await podman.listContainers(RUN_LABEL)).filter((container) => container.name.startsWith('freshet-build-hello-'));
    expect(mine).toEqual([]);
  });
});

describe('runDebBuild of a generated source with an upstream signature', () => {
  it('lists the .orig.tar.gz.asc in the .dsc, verifies it in the build and leaves lintian nothing to say about it', async () => {
    const testCase = CASES.find((item) => item.recipe === 'hello')!;
    const sourceDir = mkdtempSync(path.join(os.tmpdir(), 'freshet-hello-signed-'));
    const signature = path.join(sourceDir, 'upstream.asc');
    writeFileSync(signature, await helloSignature());
    const generated = await generateDebianSource({ ...renderInput(testCase), tarball: await helloTarball(), upstreamSignature: signature, outDir: sourceDir });
    rmSync(signature);
    const deps = await ensureDepsImage(target, buildDependsOf(path.join(generated.sourceDir, 'debian', 'control')), context);
    const buildJob = { ...job(sourceDir, 'hello-signed'), upstreamVersion: '2.12.3', packageVersion: renderInput(testCase).packageVersion };
    const result = await timedBuild(buildJob, deps.ref);
    expect(result.error).toBeUndefined();
    const dsc = result.artifacts.find((artifact) => artifact.kind === 'dsc')!;
    expect(readFileSync(dsc.file, 'utf8')).toMatch(/^ [0-9a-f]{32} \d+ hello_2\.12\.3\.orig\.tar\.gz\.asc$/m);
    expect(result.artifacts.map((artifact) => path.basename(artifact.file))).toContain('hello_2.12.3.orig.tar.gz.asc');
    const log = readFileSync(result.logFile, 'utf8');
    expect(log).toContain('dpkg-source: info: verifying ./hello_2.12.3.orig.tar.gz.asc');
    expect(log).not.toMatch(/dpkg-source: warning/);
    expect(result.lint?.tags.filter((tag) => /upstream-signature|public-upstream-key/.test(tag))).toEqual([]);
    expect(result.lint).toMatchObject({ errors: 0, warnings: 0 });
  });
});

describe('runDebBuild on debian-13', () => {
  it('builds hello in the trixie image and records what lintian finds', async () => {
    const trixie = findTarget(config, 'debian-13');
    const deps = await ensureDepsImage(trixie, HELLO_BUILD_DEPENDS, context);
    const sourceDir = await helloSourceDir();
    // A maintainer without an address is a lintian error (and makes the upload look like an NMU: warnings).
    const control = path.join(sourceDir, 'hello-2.10/debian/control');
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Maintainer: .*$/m, 'Maintainer: Santiago Vila'));
    const result = await timedBuild(job(sourceDir, 'hello-trixie', trixie), deps.ref);
    expect(result.error).toBeUndefined();
    const deb = result.artifacts.find((artifact) => artifact.kind === 'deb' && artifact.fields?.Package === 'hello');
    expect(deb?.fields).toMatchObject({ Version: '2.10-3', Architecture: 'amd64' });
    expect(result.status).toBe('ok');
    expect(result.lint?.tags).toContain('malformed-contact');
    expect(result.lint?.errors).toBeGreaterThan(0);
    expect(result.lint?.warnings).toBeGreaterThan(0);
  });
});
