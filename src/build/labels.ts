import { log } from '../core/log.js';
import { isOwnerGone, processOwner } from '../core/process-owner.js';
import type { ContainerEngine, ContainerInfo } from './engine/types.js';

/**
 * Every container freshet starts carries these labels, so that the containers of a freshet
 * process that was killed can be found and removed: by that run's watchdog at once, or by the
 * next `freshet run`.
 */
export const RUN_LABEL = 'freshet.run';
export const OWNER_LABEL = 'freshet.owner';
/** `<name>@<work folder>` of the `freshet worker` that started the container. */
export const WORKER_LABEL = 'freshet.worker';

/** Set once by `freshet worker`: the containers it starts carry it, so its next start finds what a killed instance left. */
let workerIdentity: string | undefined;

export function labelAsWorker(identity: string): void {
  workerIdentity = identity;
}

export function ownerLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [OWNER_LABEL]: processOwner, ...(workerIdentity !== undefined && { [WORKER_LABEL]: workerIdentity }) };
}

/** A container is stale when the freshet process that started it is gone. */
export function isStale(container: ContainerInfo): boolean {
  return isOwnerGone(container.labels[OWNER_LABEL]);
}

/** Remove the containers left by freshet processes that were killed; returns their names. */
export async function cleanupStaleContainers(engine: ContainerEngine): Promise<string[]> {
  // An empty run label comes from an image, not from a container freshet started.
  const stale = (await engine.listContainers(RUN_LABEL)).filter((container) => container.labels[RUN_LABEL] && isStale(container));
  if (stale.length === 0) return [];
  log.warn('removing containers left by an earlier freshet run', { containers: stale.map((c) => c.name) });
  await engine.removeContainers(stale.map((container) => container.id));
  return stale.map((container) => container.name);
}

/**
 * On a worker's start: remove the containers its earlier instance (the same name and work folder)
 * left when it was killed; conmon keeps them running. Only that worker's label and only a gone
 * owner: another worker on the host, or in a pid namespace of its own, is never touched.
 */
export async function cleanupWorkerContainers(engine: ContainerEngine, identity: string): Promise<string[]> {
  const left = (await engine.listContainers(WORKER_LABEL)).filter((container) => container.labels[WORKER_LABEL] === identity && isStale(container));
  if (left.length === 0) return [];
  log.warn('removing containers this worker left when it was stopped', { worker: identity, containers: left.map((c) => c.name) });
  await engine.removeContainers(left.map((container) => container.id));
  return left.map((container) => container.name);
}
