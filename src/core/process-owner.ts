import { randomBytes } from 'node:crypto';

/**
 * Who started a container or a build: this process's pid plus a token, so that a later freshet
 * that happens to get the same pid (pid 1 in a container) is not taken for the one that died.
 */
export const processOwner = `${process.pid}:${randomBytes(6).toString('hex')}`;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the process named by an owner string is gone; an unreadable owner counts as gone. */
export function isOwnerGone(owner: string | null | undefined): boolean {
  if (owner === processOwner) return false;
  const pid = Number((owner ?? '').split(':')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return true;
  return !processAlive(pid);
}
