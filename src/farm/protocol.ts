import type { GateRequest, GateResult } from '../gate/types.js';
import type { ResolvedTarget } from '../config/load.js';
import type { BuildArtifact, BuildResult, LintReport } from '../types.js';

/**
 * The jobs the coordinator hands an executor and the results it gets back: plain JSON, shared by
 * both roles. The in-process executor passes them to the job runner with the coordinator's own
 * folders; the farm puts them on BullMQ with their inputs named by sha256 (FarmBuildJob,
 * FarmGateJob), and a worker fetches those over HTTP. No local path is part of a job.
 */

/** A target as the build needs it: where its images come from. On the queue its mirrorKeyring (a coordinator path only the watch reads) is left out. */
export type JobTarget = ResolvedTarget;

export interface BuildLimits {
  memory: string;
  pids: number;
  cpus: number;
  timeoutMs: number;
  scratchMegabytes: number | undefined;
  diskReserveMegabytes: number | undefined;
}

export interface GateLimits {
  timeoutMs: number;
  memory: string;
  pids: number;
  cpus: number;
  diskReserveMegabytes: number | undefined;
}

/** Build one generated source package: make its deps image, then build it with the network off. */
export interface BuildSpec {
  kind: 'build';
  /** The build id (src/pipeline/layout.ts buildId): also the job id on the queue. */
  id: string;
  recipe: string;
  target: JobTarget;
  upstreamVersion: string;
  packageVersion: string;
  rebuild: number;
  tarballSha256: string;
  /** Installed into the deps image from the distribution. */
  buildDepends: string[];
  /** rpm-on-Debian: RPM relations taken from freshet's YUM repository (spec.archive). */
  archiveRequires?: string[];
  /** freshet's suite, when the build takes packages from it: `recipe=packageVersion` of each provider (the deps image's cache key). */
  archive?: { suite: string; versions: string[] };
  limits: BuildLimits;
}

/** Install-test a build's packages from a staging archive the coordinator signed. */
export interface GateSpec {
  kind: 'gate';
  /** `<buildId>.gate` */
  id: string;
  buildId: string;
  request: Omit<GateRequest, 'target' | 'packages' | 'stagingDir' | 'keyring' | 'logDir'> & { target: JobTarget };
  /** The build's artifacts the gate installs, as the coordinator accepted them. */
  artifacts: ArtifactRecord[];
  limits: GateLimits;
}

/** An artifact without its local file: its name in the build's output folder. */
export type ArtifactRecord = Omit<BuildArtifact, 'file'> & { name: string };

/** A blob in the coordinator's content-addressed store; a folder travels as an uncompressed tar. */
export interface BlobRef {
  sha256: string;
  size: number;
}

/** A build job on the queue: its spec and its inputs by content hash. */
export interface FarmBuildJob {
  spec: BuildSpec;
  /** The generated source folder (orig tarball, its signature, debian/ or the spec), as a tar. */
  source: BlobRef;
  /** With spec.archive: the staging archive as a tar, and its keyring's path inside it. */
  archive?: { tree: BlobRef; keyring: string };
}

export interface FarmGateJob {
  spec: GateSpec;
  /** The staging archive holding the build's packages, signed by the coordinator, as a tar. */
  archive: { tree: BlobRef; keyring: string };
  /** The artifact files by hash, in the order of spec.artifacts. */
  artifacts: BlobRef[];
}

/** What a worker returns for a build: the files it uploaded (PUT /farm/v1/results/<jobId>/<name>), by name and hash. */
export interface FarmBuildResult {
  worker: string;
  status: BuildResult['status'];
  error?: string;
  artifacts: ArtifactRecord[];
  /** build.log and lint.txt when the build wrote them. */
  logs: Array<{ name: string } & BlobRef>;
  lint?: LintReport;
  /** Of the build container, as BuildResult has them (the failure class reads them). */
  exitCode?: number;
  timedOut?: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface FarmGateResult extends Omit<GateResult, 'logFile'> {
  worker: string;
  log?: { name: string } & BlobRef;
}

/** One BullMQ queue per target and architecture, so a worker takes only the jobs it can run. */
export function queueName(targetId: string, arch: string): string {
  return `freshet-${targetId}-${arch}`;
}

/** A build job's progress once its deps image is ready and the build itself runs (job.updateProgress). */
export const BUILD_STARTED = 'build';

/** BullMQ job ids may not contain ':'; a build id never does (layout.ts). */
export const gateJobId = (buildId: string): string => `${buildId}.gate`;

/** The Debian name of this machine's architecture, which names its queues. */
export function hostArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64el', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

/** A job the runner refused for a reason of its own (a failed image or gate setup), returned instead of thrown so BullMQ does not try it again. */
export interface FarmJobError {
  worker: string;
  error: string;
  /** When a command failed (src/core/exec.ts CommandError): its exit code and output, the tail of its log included, so the coordinator classes the failure as it would its own. */
  command?: { command: string; exitCode: number | undefined; timedOut: boolean; tail: string };
}

export function isJobError(result: object): result is FarmJobError {
  return 'error' in result && !('status' in result);
}
