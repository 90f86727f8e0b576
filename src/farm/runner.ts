import { runDebBuild } from '../build/debian.js';
import type { ContainerEngine } from '../build/engine/types.js';
import { ensureBuilderImage, ensureDepsImage, type ArchiveSource, type ImageOutcome } from '../build/images.js';
import { runRpmBuild } from '../build/rpm.js';
import { ensureArchiveRpmImage, resolveArchiveRpms } from '../build/rpm-archive.js';
import { UserError } from '../core/errors.js';
import { runAptGate } from '../gate/apt/index.js';
import { gatedPackages, runRpmGate } from '../gate/rpm/index.js';
import type { GateRequest, GateResult } from '../gate/types.js';
import type { BuildArtifact, BuildJob, BuildResult, Family } from '../types.js';
import type { BuildSpec, GateSpec, JobTarget } from './protocol.js';

/**
 * The worker's side of a job, the same for both executors: the in-process one calls it with the
 * coordinator's folders, a farm worker with the inputs it downloaded. It makes the deps image,
 * builds, and gates; it neither signs nor publishes nor touches the state.
 */

/** Where a build's inputs are and its output goes, on the machine that runs it. */
export interface BuildFiles {
  sourceDir: string;
  outputDir: string;
  /** With spec.archive: a copy of freshet's archive holding the providers, and its keyring (binary). */
  archive?: { root: string; keyring: string };
}

export interface GateFiles {
  stagingDir: string;
  keyring: string;
  logDir: string;
  /** spec.artifacts with their local files. */
  artifacts: BuildArtifact[];
}

export interface RunnerContext {
  engine: ContainerEngine;
  /** Folder for image build logs (the coordinator's state folder, or a worker's work folder). */
  stateDir: string;
  signal?: AbortSignal;
  /** Called once the deps image is ready and the build itself starts. */
  onBuildStart?: () => Promise<void>;
}

interface RunnerFamily {
  depsImage(target: JobTarget, buildDepends: string[], context: RunnerContext, archive?: ArchiveSource, archiveRequires?: readonly string[]): Promise<ImageOutcome>;
  build(job: BuildJob, image: string, spec: BuildSpec, context: RunnerContext): Promise<BuildResult>;
  /** The binary packages of a build the gate installs. */
  gatePackages(artifacts: readonly BuildArtifact[]): string[];
  gate(request: GateRequest, artifacts: readonly BuildArtifact[], spec: GateSpec, context: RunnerContext): Promise<GateResult>;
}

const imageContext = (context: RunnerContext) => ({ engine: context.engine, stateDir: context.stateDir });
const buildOptions = (image: string, spec: BuildSpec, context: RunnerContext) => ({ engine: context.engine, image, limits: spec.limits, signal: context.signal });
const gateContext = (spec: GateSpec, context: RunnerContext) => ({ engine: context.engine, signal: context.signal, stateDir: context.stateDir, ...spec.limits });

const deb: RunnerFamily = {
  depsImage: (target, buildDepends, context, archive) => ensureDepsImage(target, buildDepends, imageContext(context), 'apt', archive),
  build: (job, image, spec, context) => runDebBuild(job, buildOptions(image, spec, context)),
  gatePackages: (artifacts) => artifacts.filter((artifact) => artifact.kind === 'deb').map((artifact) => artifact.fields?.Package ?? '').filter(Boolean),
  gate: (request, artifacts, spec, context) =>
    runAptGate({ ...request, files: artifacts.filter((artifact) => artifact.kind === 'deb').map((artifact) => artifact.file) }, gateContext(spec, context)),
};

/**
 * RPM: Fedora targets install the spec's BuildRequires with dnf; rpm-on-Debian targets install the
 * recipe's Debian names and build with --nodeps, except what a recipe of the archive provides:
 * that is its RPM, from the target's YUM repository (src/build/rpm-archive.ts).
 */
const rpm: RunnerFamily = {
  async depsImage(target, buildDepends, context, archive, archiveRequires = []) {
    await ensureBuilderImage(target, imageContext(context));
    const image = await ensureDepsImage(target, buildDepends, imageContext(context), target.distro === 'fedora' ? 'dnf' : 'apt');
    if (archiveRequires.length === 0) return image;
    if (!archive) throw new UserError(`${target.id}: the build needs ${archiveRequires.join(', ')} from freshet's YUM repository, which has none of it`);
    const files = await resolveArchiveRpms(archive.root, target, archiveRequires);
    return ensureArchiveRpmImage(target, image, archive.root, files, imageContext(context));
  },
  build: (job, image, spec, context) => runRpmBuild(job, { ...buildOptions(image, spec, context), nodeps: job.target.distro !== 'fedora' }),
  gatePackages: (artifacts) => gatedPackages(artifacts).packages,
  gate: (request, artifacts, spec, context) => runRpmGate({ ...request, files: gatedPackages(artifacts).files }, gateContext(spec, context)),
};

const families: Record<Family, RunnerFamily> = { deb, rpm };

export async function runBuildJob(spec: BuildSpec, files: BuildFiles, context: RunnerContext): Promise<BuildResult> {
  const family = families[spec.target.family];
  const archive = spec.archive && files.archive ? { ...files.archive, ...spec.archive } : undefined;
  const deps = await family.depsImage(spec.target, spec.buildDepends, context, archive, spec.archiveRequires);
  await context.onBuildStart?.();
  const { id, recipe, target, upstreamVersion, packageVersion, rebuild, tarballSha256 } = spec;
  const job: BuildJob = {
    id,
    recipe,
    target: { id: target.id, family: target.family, distro: target.distro, release: target.release, codename: target.codename },
    upstreamVersion,
    packageVersion,
    rebuild,
    tarballSha256,
    sourceDir: files.sourceDir,
    outputDir: files.outputDir,
  };
  return family.build(job, deps.ref, spec, context);
}

export async function runGateJob(spec: GateSpec, files: GateFiles, context: RunnerContext): Promise<GateResult> {
  const family = families[spec.request.target.family];
  const request: GateRequest = {
    ...spec.request,
    packages: family.gatePackages(files.artifacts),
    stagingDir: files.stagingDir,
    keyring: files.keyring,
    logDir: files.logDir,
  };
  return family.gate(request, files.artifacts, spec, context);
}
