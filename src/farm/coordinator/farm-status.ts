import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { ResolvedConfig } from '../../config/load.js';
import { errorMessage } from '../../core/errors.js';
import type { FarmStatus } from '../../report/schema.js';
import { hostArch, queueName, type FarmBuildJob, type FarmGateJob } from '../protocol.js';
import { redisConnection } from '../redis.js';
import { aliveKey, WORKERS_KEY, type WorkerReport } from '../worker-health.js';

/** A status report must not hang on a Redis that does not answer: it says so instead. */
const READ_TIMEOUT_MS = 5_000;
/** Running jobs listed per queue: the counts say how many there are. */
const RUNNING_SHOWN = 200;

/** The queue URL without its credentials. */
export const redactQueueUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

function runningJob(job: Job<FarmBuildJob | FarmGateJob>, workers: readonly WorkerReport[]): FarmStatus['running'][number] {
  const { spec } = job.data;
  const target = spec.kind === 'build' ? spec.target : spec.request.target;
  return {
    jobId: job.id ?? spec.id,
    kind: spec.kind,
    recipe: spec.kind === 'build' ? spec.recipe : spec.request.recipe,
    target: target.id,
    // BullMQ records the taking worker's name; a worker's heartbeat lists its jobs too.
    worker: job.processedBy ?? workers.find((worker) => worker.runningJobs.includes(job.id ?? spec.id))?.name ?? null,
    since: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    attempt: Math.max(1, job.attemptsStarted),
  };
}

function workerStatus(report: WorkerReport, alive: boolean): FarmStatus['workers'][number] {
  return {
    name: report.name,
    health: report.state === 'stopped' ? 'stopped' : alive ? 'ok' : 'lost',
    host: report.host,
    targets: report.targets,
    arch: report.arch,
    version: report.version,
    concurrency: report.concurrency,
    running: report.runningJobs.length,
    runningJobs: report.runningJobs,
    lastJob: report.lastJob,
    startedAt: report.startedAt,
    lastSeen: report.seenAt,
    freeDiskBytes: report.freeDiskBytes,
  };
}

async function readFarm(queues: ReadonlyArray<{ queue: Queue; target: string; arch: string }>): Promise<Pick<FarmStatus, 'queues' | 'running' | 'workers'>> {
  const workers: FarmStatus['workers'] = [];
  const reports: WorkerReport[] = [];
  if (queues.length > 0) {
    const client = await queues[0]!.queue.client;
    const stored = await client.hgetall(WORKERS_KEY);
    for (const text of Object.values(stored)) {
      const report = JSON.parse(text) as WorkerReport;
      reports.push(report);
      workers.push(workerStatus(report, (await client.get(aliveKey(report.name))) !== null));
    }
  }
  const counted: FarmStatus['queues'] = [];
  const running: FarmStatus['running'] = [];
  for (const { queue, target, arch } of queues) {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed', 'completed');
    counted.push({
      name: queue.name,
      target,
      arch,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts['waiting-children'] ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    });
    const active = (await queue.getActive(0, RUNNING_SHOWN - 1)) as Array<Job<FarmBuildJob | FarmGateJob>>;
    running.push(...active.map((job) => runningJob(job, reports)));
  }
  running.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''));
  workers.sort((a, b) => a.name.localeCompare(b.name));
  return { queues: counted, running, workers };
}

/**
 * The farm as Redis holds it now (`queue:` configured; undefined otherwise): each target's queue by
 * job state, the jobs workers hold and who holds them, and each worker's health from its heartbeat.
 * A Redis that cannot be read within a few seconds gives a snapshot with its error and empty lists.
 */
export async function farmSnapshot(config: Pick<ResolvedConfig, 'queue' | 'targets'>, now = new Date()): Promise<FarmStatus | undefined> {
  if (!config.queue) return undefined;
  const arch = hostArch();
  // One attempt per command and no reconnecting: this is one read, not a worker waiting for jobs.
  const connection = { ...redisConnection(config.queue), maxRetriesPerRequest: 1, connectTimeout: READ_TIMEOUT_MS, retryStrategy: () => null } as ConnectionOptions;
  const queues = config.targets
    .filter((target) => target.enabled)
    .map((target) => ({ queue: new Queue(queueName(target.id, arch), { connection }), target: target.id, arch }));
  for (const { queue } of queues) queue.on('error', () => undefined);
  const base = { queue: redactQueueUrl(config.queue), readAt: now.toISOString() };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
    });
    return { ...base, error: null, ...(await Promise.race([readFarm(queues), timeout])) };
  } catch (error) {
    return { ...base, error: `could not read the farm from Redis: ${errorMessage(error)}`, queues: [], running: [], workers: [] };
  } finally {
    clearTimeout(timer);
    await Promise.all(queues.map(({ queue }) => queue.disconnect().catch(() => undefined)));
  }
}
