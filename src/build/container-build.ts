import { randomBytes } from 'node:crypto';
import { cpSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { CommandError } from '../core/exec.js';
import { log } from '../core/log.js';
import type { BuildJob, BuildResult } from '../types.js';
import { diskGuard } from './engine/disk-guard.js';
import type { ContainerEngine } from './engine/types.js';
import { ownerLabels } from './labels.js';

/**
 * What the Debian and RPM build runners share: a scratch copy of the source owned by the
 * unprivileged `builder`, one container with no network, no capabilities and the job's limits
 * over that copy, and failures that name the build, its full log and the log's tail.
 *
 * The container's root is read-only: besides the build folder a build writes only to size-capped
 * tmpfs on /tmp, /var/tmp and HOME, so filling them ends in "No space left on device" rather
 * than filling the engine's storage. Their pages count against the memory limit too. The build
 * folder sits on the host's disk: the container is stopped when that disk, or the engine's, runs
 * low (src/build/engine/disk-guard.ts).
 */
export interface BuildRunOptions {
  engine: ContainerEngine;
  /** The deps image the build runs in. */
  image: string;
  limits?: { memory?: string; pids?: number; cpus?: number; timeoutMs?: number; scratchMegabytes?: number; diskReserveMegabytes?: number };
  signal?: AbortSignal;
}

export const BUILDER_UID = 2000;
export const LOG_FILE = 'build.log';
/** Size of each of /tmp, /var/tmp and HOME in a build container unless the limits say otherwise. */
export const DEFAULT_SCRATCH_MEGABYTES = 1024;
const WORK_DIR = '.work';

export interface PreparedBuild {
  logFile: string;
  /** The scratch copy of the source, mounted at /build. */
  workDir: string;
  /** Number of parallel jobs to ask the build tool for. */
  cpus: number;
  /** A BuildResult of this job: failed unless the fields say otherwise. */
  result(fields: Partial<BuildResult>): BuildResult;
}

function chownTree(target: string, uid: number): void {
  lchownSync(target, uid, uid);
  if (!lstatSync(target).isDirectory()) return;
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid);
}

// As root the build runs as `builder`; a rootless engine's container root is already the unprivileged user.
const asRoot = () => process.getuid?.() === 0;

export function prepareBuild(job: BuildJob, options: BuildRunOptions): PreparedBuild {
  const startedAt = new Date().toISOString();
  const logFile = path.join(job.outputDir, LOG_FILE);
  const workDir = path.join(job.outputDir, WORK_DIR);
  mkdirSync(job.outputDir, { recursive: true });
  rmSync(workDir, { recursive: true, force: true });
  rmSync(logFile, { force: true });
  cpSync(job.sourceDir, workDir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  if (asRoot()) chownTree(workDir, BUILDER_UID);
  writeFileSync(logFile, `freshet: building ${job.recipe} ${job.packageVersion} for ${job.target.id} in ${options.image}\n`, { mode: 0o644 });
  return {
    logFile,
    workDir,
    cpus: Math.ceil(options.limits?.cpus ?? Math.min(os.availableParallelism(), 8)),
    result: (fields) => ({
      jobId: job.id,
      recipe: job.recipe,
      targetId: job.target.id,
      packageVersion: job.packageVersion,
      status: 'failed',
      artifacts: [],
      logFile,
      startedAt,
      finishedAt: new Date().toISOString(),
      ...fields,
    }),
  };
}

function containerName(job: BuildJob): string {
  const safe = job.id.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 60);
  return `freshet-build-${safe}-${randomBytes(3).toString('hex')}`;
}

/** Run the build's command (fixed script text, variable parts as its arguments) over the scratch copy. */
export async function runBuildContainer(
  job: BuildJob,
  prepared: PreparedBuild,
  options: BuildRunOptions,
  command: string[],
  env: Record<string, string>,
): Promise<void> {
  const name = containerName(job);
  const home = asRoot() ? '/home/builder' : '/root';
  const sizeMegabytes = options.limits?.scratchMegabytes ?? DEFAULT_SCRATCH_MEGABYTES;
  await options.engine.run(
    {
      image: options.image,
      command,
      name,
      network: 'none',
      // A number, not `builder`: docker needs one to give the HOME tmpfs to the user.
      user: asRoot() ? `${BUILDER_UID}:${BUILDER_UID}` : 'root',
      workdir: '/build',
      env: { LC_ALL: 'C.UTF-8', HOME: home, ...env },
      labels: { ...ownerLabels(job.id), 'freshet.job': name },
      mounts: [{ source: path.resolve(prepared.workDir), target: '/build', readonly: false }],
      readOnlyRoot: true,
      tmpfs: [
        { target: '/tmp', sizeMegabytes, owner: 'shared' },
        { target: '/var/tmp', sizeMegabytes, owner: 'shared' },
        { target: home, sizeMegabytes, owner: 'user' },
      ],
      memory: options.limits?.memory,
      pids: options.limits?.pids,
      cpus: options.limits?.cpus,
      timeoutMs: options.limits?.timeoutMs,
      capabilities: 'none',
    },
    { logFile: prepared.logFile, signal: options.signal, diskGuard: diskGuard([path.resolve(prepared.workDir)], options.limits?.diskReserveMegabytes) },
  );
}

/** The failed result of a build, naming it rather than the long engine command line. */
export function buildFailure(job: BuildJob, prepared: PreparedBuild, error: unknown, signal: AbortSignal | undefined): BuildResult {
  if (signal?.aborted || !(error instanceof UserError)) throw error;
  const what = `build of ${job.recipe} ${job.packageVersion} for ${job.target.id}`;
  const message =
    error instanceof CommandError
      ? new CommandError({ ...error, command: what, cause: error }).message
      : `${what}: ${error.message}\nfull log: ${prepared.logFile}`;
  log.error('build failed', { recipe: job.recipe, target: job.target.id, log: prepared.logFile });
  // The failure class (src/pipeline/failure-class.ts) reads the engine's exit code and a timeout.
  return prepared.result({ error: message, ...(error instanceof CommandError && { exitCode: error.exitCode, timedOut: error.timedOut }) });
}

/** Phase durations from the `freshet-phase <name> <ms>` markers the build scripts write to the log. */
export function readPhaseTimings(logFile: string): { buildMs: number; lintMs: number } {
  const marks = new Map<string, number>();
  for (const match of readFileSync(logFile, 'utf8').matchAll(/^freshet-phase ([a-z-]+) (\d+)$/gm)) marks.set(match[1]!, Number(match[2]));
  const span = (phase: string) => (marks.get(`${phase}-end`) ?? 0) - (marks.get(`${phase}-start`) ?? 0);
  return { buildMs: span('build'), lintMs: span('lint') };
}
