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

export function ownerLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [OWNER_LABEL]: processOwner };
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
