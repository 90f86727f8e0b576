import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import { getEngine } from '../../build/engine/api.js';
import { cleanupWorkerContainers, labelAsWorker } from '../../build/labels.js';
import { asUserError } from '../../core/errors.js';
import { CommandError } from '../../core/exec.js';
import { log } from '../../core/log.js';
import type { BuildArtifact } from '../../types.js';
import { BUILD_STARTED, isJobError, queueName, type FarmBuildJob, type FarmBuildResult, type FarmGateJob, type FarmGateResult, type FarmJobError } from '../protocol.js';
import { redisConnection } from '../redis.js';
import { runBuildJob, runGateJob } from '../runner.js';
import { unpackTree } from '../trees.js';
import { Heartbeat } from './heartbeat.js';
import { TransferClient } from './transfer-client.js';

/** The last 64 KiB of a command's log, which stays on the worker, for the coordinator's failure class. */
function logTail(file: string | undefined): string {
  if (!file || !existsSync(file)) return '';
  const bytes = readFileSync(file);
  return bytes.subarray(Math.max(0, bytes.length - 65_536)).toString('utf8');
}

export interface WorkerOptions {
  /** `redis://host:port`, the coordinator's queue. */
  queue: string;
  /** The coordinator's transfer endpoint (`farm.listen`). */
  coordinator: string;
  token: string;
  /** This worker's name, as the coordinator's `farm.workers` lists it (reported with each result). */
  name: string;
  targets: string[];
  arch: string;
  /** Jobs, image logs: nothing here is shared with the coordinator. */
  workDir: string;
  engine: 'podman' | 'docker';
  /** Jobs at a time, over all its targets (default 1). */
  concurrency: number;
  /** A job whose worker stops renewing its lock for this long is taken as stalled and given to another worker. */
  lockMs: number;
  /** How often it reports its health to Redis (src/farm/worker-health.ts); default 5 s. */
  heartbeatMs?: number;
}

/**
 * A farm worker: takes build and gate jobs for the targets and architecture it declares, fetches
 * their inputs by sha256 from the coordinator, runs the same job runner as the embedded mode, and
 * uploads what it made. It holds no state, no key and no archive. An error of the job itself (a
 * deps image that cannot be made) is returned as the job's result; a lost transfer is thrown, so
 * BullMQ tries the job again, here or elsewhere.
 */
export function startWorker(options: WorkerOptions): { close(): Promise<void>; ready(): Promise<void> } {
  const engine = getEngine(options.engine);
  const client = new TransferClient({ coordinator: options.coordinator, token: options.token });
  const connection = redisConnection(options.queue);
  mkdirSync(options.workDir, { recursive: true });
  const { queue, name, targets, arch, concurrency, workDir } = options;
  const heartbeat = new Heartbeat({ queue, name, targets, arch, concurrency, workDir, intervalMs: options.heartbeatMs ?? 5_000 });
  const identity = `${name}@${path.resolve(workDir)}`;
  labelAsWorker(identity);

  async function runBuild(job: Job<FarmBuildJob>, dir: string): Promise<FarmBuildResult | FarmJobError> {
    const { spec } = job.data;
    const sourceDir = path.join(dir, 'source');
    const outputDir = path.join(dir, 'output');
    await client.download(job.data.source.sha256, path.join(dir, 'source.tar'));
    await unpackTree(path.join(dir, 'source.tar'), sourceDir);
    let archive: { root: string; keyring: string } | undefined;
    if (job.data.archive) {
      await client.download(job.data.archive.tree.sha256, path.join(dir, 'archive.tar'));
      await unpackTree(path.join(dir, 'archive.tar'), path.join(dir, 'archive'));
      archive = { root: path.join(dir, 'archive'), keyring: path.join(dir, 'archive', job.data.archive.keyring) };
    }
    mkdirSync(outputDir, { recursive: true });
    const onBuildStart = () => job.updateProgress(BUILD_STARTED);
    const result = await runJob(() => runBuildJob(spec, { sourceDir, outputDir, archive }, { engine, stateDir: options.workDir, onBuildStart }));
    if (isJobError(result)) return result;
    const artifacts = [];
    for (const artifact of result.artifacts) artifacts.push(await upload(spec.id, artifact));
    const logs = [];
    for (const name of ['build.log', 'lint.txt']) {
      const file = path.join(outputDir, name);
      if (existsSync(file)) logs.push({ name, ...(await client.upload(spec.id, name, file)) });
    }
    const { status, error, lint, exitCode, timedOut, startedAt, finishedAt } = result;
    return { worker: options.name, status, error, artifacts, logs, lint, exitCode, timedOut, startedAt, finishedAt };
  }

  async function upload(jobId: string, artifact: BuildArtifact) {
    const { file, ...rest } = artifact;
    const name = path.basename(file);
    const stored = await client.upload(jobId, name, file);
    return { ...rest, ...stored, name };
  }

  async function runGate(job: Job<FarmGateJob>, dir: string): Promise<FarmGateResult | FarmJobError> {
    const { spec } = job.data;
    await client.download(job.data.archive.tree.sha256, path.join(dir, 'staging.tar'));
    const stagingDir = path.join(dir, 'staging');
    await unpackTree(path.join(dir, 'staging.tar'), stagingDir);
    const artifacts: BuildArtifact[] = [];
    for (const [index, record] of spec.artifacts.entries()) {
      const { name, ...artifact } = record;
      const file = path.join(dir, 'artifacts', name);
      await client.download(job.data.artifacts[index]!.sha256, file);
      artifacts.push({ ...artifact, file });
    }
    const logDir = path.join(dir, 'output');
    mkdirSync(logDir, { recursive: true });
    const files = { stagingDir, keyring: path.join(stagingDir, job.data.archive.keyring), logDir, artifacts };
    const result = await runJob(() => runGateJob(spec, files, { engine, stateDir: options.workDir }));
    if (isJobError(result)) return result;
    const { logFile, ...verdict } = result;
    const logRef = existsSync(logFile) ? { name: path.basename(logFile), ...(await client.upload(spec.id, path.basename(logFile), logFile)) } : undefined;
    return { ...verdict, worker: options.name, log: logRef };
  }

  /** The runner's user errors become the job's result; anything else is thrown for BullMQ to retry. */
  async function runJob<T>(work: () => Promise<T>): Promise<T | FarmJobError> {
    try {
      return await work();
    } catch (error) {
      const userError = asUserError(error);
      if (!userError) throw error;
      if (!(error instanceof CommandError)) return { worker: options.name, error: userError.message };
      const { command, exitCode, timedOut } = error;
      return { worker: options.name, error: userError.message, command: { command, exitCode, timedOut, tail: `${error.tail}\n${logTail(error.logFile)}` } };
    }
  }

  // One BullMQ Worker per target queue; the process's limit holds over all of them: at the limit the
  // others pause, and a job one of them took meanwhile goes back to the queue for another worker.
  let active = 0;
  const processor = async (job: Job<FarmBuildJob | FarmGateJob>, token?: string) => {
    if (active >= options.concurrency) {
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    active += 1;
    if (active >= options.concurrency) for (const worker of workers) void worker.pause(true);
    try {
      return await processJob(job);
    } finally {
      active -= 1;
      for (const worker of workers) worker.resume();
    }
  };

  const processJob = async (job: Job<FarmBuildJob | FarmGateJob>) => {
    const dir = path.join(options.workDir, 'jobs', job.data.spec.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    log.info('farm job started', { id: job.data.spec.id, kind: job.data.spec.kind, worker: options.name, attempt: job.attemptsMade + 1 });
    heartbeat.jobStarted(job.data.spec.id);
    let failed = true;
    try {
      const result = job.data.spec.kind === 'build' ? await runBuild(job as Job<FarmBuildJob>, dir) : await runGate(job as Job<FarmGateJob>, dir);
      failed = isJobError(result) || result.status === 'failed';
      return result;
    } finally {
      heartbeat.jobFinished(job.data.spec.id, failed ? 'failed' : 'completed');
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const workers = options.targets.map(
    (target) =>
      new Worker(queueName(target, options.arch), processor, {
        connection,
        // BullMQ records it on each job it takes (job.processedBy): the status shows who runs what.
        name: options.name,
        concurrency: options.concurrency,
        lockDuration: options.lockMs,
        stalledInterval: options.lockMs,
        // A job whose worker vanished twice is tried as a fresh attempt rather than failed for good.
        maxStalledCount: 2,
      }),
  );
  for (const worker of workers) {
    worker.on('failed', (job, error) => log.warn('farm job failed', { id: job?.id, error: error.message, worker: options.name }));
    // Redis gone for a while (a restart): the connection retries and the worker waits; say so meanwhile.
    worker.on('error', (error) => log.warn('farm queue connection', { error: error.message, worker: options.name }));
  }
  return {
    ready: async () => {
      // Its own containers of this start carry a live owner: only a killed instance's go.
      await cleanupWorkerContainers(engine, identity);
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      await heartbeat.start();
    },
    close: async () => {
      try {
        await Promise.all(workers.map((worker) => worker.close()));
      } finally {
        await heartbeat.stop();
      }
    },
  };
}
