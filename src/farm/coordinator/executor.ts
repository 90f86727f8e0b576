import { constants, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import PQueue from 'p-queue';
import type { ResolvedConfig } from '../../config/load.js';
import { UserError } from '../../core/errors.js';
import { CommandError } from '../../core/exec.js';
import { log } from '../../core/log.js';
import type { GateResult } from '../../gate/types.js';
import { slotPriority, type Executor, type JobControl } from '../../pipeline/executor.js';
import { JobLostError } from '../../pipeline/job-lost.js';
import type { BuildArtifact, BuildResult, Family } from '../../types.js';
import { sha256Of } from '../../core/digest.js';
import { BlobStore } from '../blobs.js';
import type { BuildFiles, GateFiles } from '../runner.js';
import {
  gateJobId,
  hostArch,
  isJobError,
  BUILD_STARTED,
  queueName,
  type BlobRef,
  type BuildSpec,
  type FarmBuildJob,
  type FarmBuildResult,
  type FarmGateJob,
  type FarmGateResult,
  type FarmJobError,
  type GateSpec,
} from '../protocol.js';
import { redisConnection } from '../redis.js';
import { packTree } from '../trees.js';
import { farmJobPriority } from './priority.js';
import { packJobArchive } from './job-archive.js';
import { JobBlobs } from './job-blobs.js';
import { JobResults } from './results.js';
import { verifyWorkerArtifacts } from './verify-artifacts.js';

/** Where the coordinator keeps what workers fetch and upload. */
export function farmLayout(config: Pick<ResolvedConfig, 'stateDir'>) {
  return { blobs: path.join(config.stateDir, 'farm', 'blobs'), results: path.join(config.stateDir, 'farm', 'results') };
}

/**
 * Job options shared by build and gate jobs. The job id is the build id, so a job is queued once
 * however often the coordinator asks (a restarted coordinator finds the job it queued before, in
 * flight or finished). A thrown job (a lost transfer, a worker that stalled twice) is tried again
 * with backoff; results are kept a week, long enough for a coordinator restarted mid-run.
 */
const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 7 * 86_400 },
};

/** A worker's report of a job's own error, as the coordinator would have thrown it: a failed command keeps its exit code and output. */
function jobError(result: FarmJobError): UserError {
  if (!result.command) return new UserError(`${result.error} (on worker ${result.worker})`);
  const { command, exitCode, timedOut, tail } = result.command;
  return new CommandError({ command: `${command} (on worker ${result.worker})`, exitCode, timedOut, isCanceled: false, tail, logFile: undefined });
}

/** How many jobs the coordinator prepares and awaits at once: workers, not this machine, do the work. */
const FARM_SLOTS = 64;

export interface FarmExecutor extends Executor {
  store: BlobStore;
  results: JobResults;
}

/**
 * The farm's executor: each build or gate becomes a BullMQ job on the queue of its target and
 * architecture, with its inputs in the blob store by sha256; a worker fetches them over HTTP, runs
 * the job runner and uploads its results, which the transfer routes hash-check on the way in. Here
 * every result the worker reports is looked up in what it uploaded (name and sha256) and copied
 * from the store into the build's folder before the coordinator's artifact policy sees it.
 */
export function farmExecutor(config: ResolvedConfig, queueUrl: string): FarmExecutor {
  const connection = redisConnection(queueUrl);
  const layout = farmLayout(config);
  const store = new BlobStore(layout.blobs);
  const results = new JobResults(layout.results);
  mkdirSync(layout.results, { recursive: true });
  const slots = new PQueue({ concurrency: FARM_SLOTS });
  const jobBlobs = new JobBlobs(store, results);
  const queues = new Map<string, { queue: Queue; events: QueueEvents }>();
  const arch = hostArch();
  /** Build job id → its JobControl.onBuildStart, called when the worker says its deps image is ready. */
  const buildStarted = new Map<string, () => Promise<void>>();

  async function queueOf(targetId: string) {
    const name = queueName(targetId, arch);
    let entry = queues.get(name);
    if (!entry) {
      entry = { queue: new Queue(name, { connection }), events: new QueueEvents(name, { connection }) };
      queues.set(name, entry);
      // Redis gone for a while (a restart): the connection retries and commands wait; say so meanwhile.
      const warn = (error: Error) => log.warn('farm queue connection', { queue: name, error: error.message });
      entry.queue.on('error', warn);
      entry.events.on('error', warn);
      entry.events.on('progress', ({ jobId, data }) => {
        // A stop during the step is the submit's to report (its signal), not this listener's.
        if (data === BUILD_STARTED) buildStarted.get(jobId)?.().catch(() => undefined);
      });
      await entry.events.waitUntilReady();
    }
    return entry;
  }

  /** Pack into a temporary file, hash it, move it into the store under its hash. */
  async function putPacked(label: string, pack: (file: string) => Promise<void>): Promise<BlobRef> {
    const temp = store.incomingFile(`${label}.tar`);
    try {
      await pack(temp);
      const ref = await sha256Of(temp);
      await store.adopt(temp, ref.sha256);
      return ref;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Of a staging archive, only the job's suite (or YUM repository), the pool files it lists and the keyring travel (job-archive.ts). */
  const putArchive = (root: string, family: Family, suite: string, label: string) => putPacked(label, (file) => packJobArchive(root, family, suite, file));

  /** Queue a job (or find the one queued before under its id) and wait for its result. */
  async function submit<T>(targetId: string, kind: 'build' | 'gate', id: string, data: FarmBuildJob | FarmGateJob, signal: AbortSignal | undefined): Promise<T | FarmJobError> {
    const { queue, events } = await queueOf(targetId);
    const existing = await queue.getJob(id);
    // A job that failed for good in an earlier run is queued afresh: the plan asked for it again.
    if (existing && (await existing.getState()) === 'failed') await existing.remove();
    const job: Job = (await queue.getJob(id)) ?? (await queue.add(kind, data, { ...JOB_OPTIONS, jobId: id, priority: farmJobPriority(data.spec) }));
    log.info('farm job queued', { id, queue: queue.name });
    const finished = (job.waitUntilFinished(events) as Promise<T | FarmJobError>).catch((error: Error) => {
      // BullMQ gave the job up: it threw on every attempt, or its workers vanished once too often.
      throw new JobLostError(`farm job ${id} failed on every attempt: ${error.message}`);
    });
    if (!signal) return await finished;
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return await Promise.race([finished, aborted]);
  }

  /** A file a worker reported, checked against what it uploaded for the job, copied from the store to `dest`. */
  function takeUpload(jobId: string, name: string, reported: BlobRef, dest: string): void {
    const uploaded = results.list(jobId)[name];
    if (!uploaded || uploaded.sha256 !== reported.sha256 || uploaded.size !== reported.size || !store.has(uploaded.sha256)) {
      throw new UserError(`farm job ${jobId}: the worker reports ${name} (sha256 ${reported.sha256}), which it did not upload`);
    }
    rmSync(dest, { force: true });
    mkdirSync(path.dirname(dest), { recursive: true });
    // A copy (a reflink where the file system can), not a link: nothing done to the build's files may change a blob.
    copyFileSync(store.pathOf(uploaded.sha256), dest, constants.COPYFILE_FICLONE);
  }

  return {
    store,
    results,
    schedule: (work, order) => slots.add(work, { throwOnTimeout: true, priority: slotPriority(order) }),

    async build(spec: BuildSpec, files: BuildFiles, control: JobControl): Promise<BuildResult> {
      const data: FarmBuildJob = {
        spec: { ...spec, target: { ...spec.target, mirrorKeyring: undefined } },
        source: await putPacked(`${spec.id}-source`, (file) => packTree(files.sourceDir, file)),
        archive: files.archive && spec.archive && { tree: await putArchive(files.archive.root, spec.target.family, spec.archive.suite, `${spec.id}-archive`), keyring: path.relative(files.archive.root, files.archive.keyring) },
      };
      jobBlobs.note(spec.id, data.source, data.archive?.tree);
      // The job's step is `images` until the worker has made the deps image (the failure class reads the step).
      if (control.onBuildStart) buildStarted.set(spec.id, control.onBuildStart);
      const result = await submit<FarmBuildResult>(spec.target.id, 'build', spec.id, data, control.signal).finally(() => buildStarted.delete(spec.id));
      if (isJobError(result)) throw jobError(result);
      mkdirSync(files.outputDir, { recursive: true });
      for (const logFile of result.logs) takeUpload(spec.id, logFile.name, logFile, path.join(files.outputDir, logFile.name));
      const uploaded: BuildArtifact[] = result.artifacts.map(({ name, ...artifact }) => {
        const file = path.join(files.outputDir, name);
        takeUpload(spec.id, name, artifact, file);
        return { ...artifact, file };
      });
      // The artifact policy must see what the files say, not what the worker reports of them.
      const artifacts = result.status === 'ok' ? await verifyWorkerArtifacts({ family: spec.target.family, recipe: spec.recipe, packageVersion: spec.packageVersion, worker: result.worker }, uploaded) : uploaded;
      log.info('farm build finished', { id: spec.id, worker: result.worker, status: result.status });
      return {
        jobId: spec.id,
        recipe: spec.recipe,
        targetId: spec.target.id,
        packageVersion: spec.packageVersion,
        status: result.status,
        error: result.error,
        artifacts,
        logFile: path.join(files.outputDir, 'build.log'),
        lint: result.lint,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        worker: result.worker,
      };
    },

    async gate(spec: GateSpec, files: GateFiles, control: JobControl): Promise<GateResult> {
      const artifacts: BlobRef[] = [];
      for (const artifact of files.artifacts) artifacts.push(store.has(artifact.sha256) ? { sha256: artifact.sha256, size: artifact.size } : await store.put(artifact.file));
      const data: FarmGateJob = {
        spec: { ...spec, request: { ...spec.request, target: { ...spec.request.target, mirrorKeyring: undefined } } },
        archive: { tree: await putArchive(files.stagingDir, spec.request.target.family, spec.request.target.codename, `${spec.id}-staging`), keyring: path.relative(files.stagingDir, files.keyring) },
        artifacts,
      };
      jobBlobs.note(spec.id, data.archive.tree, ...artifacts);
      const result = await submit<FarmGateResult>(spec.request.target.id, 'gate', spec.id, data, control.signal);
      if (isJobError(result)) throw jobError(result);
      const { worker, log: logRef, ...verdict } = result;
      const logFile = path.join(files.logDir, logRef?.name ?? 'gate.log');
      if (logRef) takeUpload(spec.id, logRef.name, logRef, logFile);
      log.info('farm gate finished', { id: spec.id, worker, status: verdict.status });
      return { ...verdict, worker, logFile };
    },

    async release(buildIds) {
      // Inputs of jobs still on the queues (an earlier coordinator's too) stay; results are noted from each job's upload record.
      const stillNeeded = new Set<string>();
      for (const { queue } of queues.values()) {
        for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'paused', 'waiting-children'])) {
          const data = job.data as FarmBuildJob | FarmGateJob;
          for (const blob of [data.archive?.tree, 'source' in data ? data.source : undefined, ...('artifacts' in data ? data.artifacts : [])]) if (blob) stillNeeded.add(blob.sha256);
        }
      }
      const removed = await jobBlobs.release(buildIds.flatMap((id) => [id, gateJobId(id)]), stillNeeded);
      log.info('farm blobs released', { jobs: buildIds.length, removed });
    },

    async close() {
      for (const { queue, events } of queues.values()) {
        await events.close();
        await queue.close();
      }
    },
  };
}

