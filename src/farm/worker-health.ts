/**
 * Worker heartbeats, next to BullMQ's keys in the farm's Redis. Each `freshet worker` writes its
 * report into one hash (kept, so a worker that vanished is still listed) and refreshes a key of its
 * own that Redis expires by itself: a report without its key is a worker that stopped beating
 * (killed, host down, cut off from Redis). Redis's clock decides, not the worker's or the reader's.
 * An ACL for freshet's Redis user must allow `~freshet:*` besides BullMQ's `~bull:*`.
 */
export const WORKERS_KEY = 'freshet:workers';

export const aliveKey = (worker: string): string => `freshet:worker-alive:${worker}`;

/** A heartbeat counts this many intervals, so one late write does not mark a worker lost. */
export const HEARTBEAT_TTL_INTERVALS = 3;

export interface WorkerReport {
  name: string;
  host: string;
  targets: string[];
  arch: string;
  version: string;
  concurrency: number;
  /** `stopped`: it said goodbye (SIGTERM); its alive key is gone on purpose. */
  state: 'running' | 'stopped';
  runningJobs: string[];
  lastJob: { id: string; outcome: 'completed' | 'failed'; finishedAt: string } | null;
  startedAt: string;
  seenAt: string;
  freeDiskBytes: number | null;
}
