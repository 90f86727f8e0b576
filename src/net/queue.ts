import PQueue from 'p-queue';

/**
 * One queue per upstream host (host:port), so a thousand recipes on one server never open more
 * than `perHost` connections to it. Module-level, like a connection pool; tests reset it.
 */
const queues = new Map<string, PQueue>();

export function hostQueue(host: string, concurrency: number): PQueue {
  let queue = queues.get(host);
  if (!queue) {
    queue = new PQueue({ concurrency });
    queues.set(host, queue);
  }
  return queue;
}

export function resetHostQueues(): void {
  for (const queue of queues.values()) queue.clear();
  queues.clear();
}
