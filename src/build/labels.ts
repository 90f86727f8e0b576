import { randomBytes } from 'node:crypto';
import { log } from '../core/log.js';
import type { ContainerEngine, ContainerInfo } from './engine/types.js';

/**
 * Every container freshet starts carries these labels, so that the containers of a freshet
 * process that was killed can be found and removed when freshet starts again.
 */
export const RUN_LABEL = 'freshet.run';
export const OWNER_LABEL = 'freshet.owner';

// pid plus a token of this process: a later freshet may get the same pid (pid 1 in a container).
const owner = `${process.pid}:${randomBytes(6).toString('hex')}`;

export function ownerLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [OWNER_LABEL]: owner };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A container is stale when the freshet process that started it is gone. */
export function isStale(container: ContainerInfo): boolean {
  const label = container.labels[OWNER_LABEL] ?? '';
  if (label === owner) return false;
  const pid = Number(label.split(':')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return true;
  return !processAlive(pid);
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
