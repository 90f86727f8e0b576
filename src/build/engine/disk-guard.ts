import { statfs } from 'node:fs/promises';

/**
 * Watches the free space of the file systems a container writes to (a build's folder, the engine's
 * storage, which holds a container's writable root) and reports the first that drops below the
 * reserve, so the container can be stopped before the archive and the state on the same disk run
 * out of room. It polls: a writer faster than the reserve per interval can still fill the disk,
 * which is why the reserve defaults to a gigabyte (limits.diskReserveMegabytes).
 */
export interface DiskGuard {
  paths: readonly string[];
  reserveMegabytes: number;
}

export interface DiskShortage {
  path: string;
  freeMegabytes: number;
  reserveMegabytes: number;
}

export const DEFAULT_DISK_RESERVE_MEGABYTES = 1024;
const MEGABYTE = 1024 * 1024;
const INTERVAL_MS = 500;

/** The guard for a container writing to `paths`; none when the reserve is 0. */
export function diskGuard(paths: readonly string[], reserveMegabytes = DEFAULT_DISK_RESERVE_MEGABYTES): DiskGuard | undefined {
  return reserveMegabytes > 0 ? { paths, reserveMegabytes } : undefined;
}

export async function findShortage(guard: DiskGuard): Promise<DiskShortage | undefined> {
  for (const path of guard.paths) {
    // A folder that is gone (the build removed it) has nothing left to fill.
    const stats = await statfs(path).catch(() => undefined);
    if (!stats) continue;
    const freeMegabytes = Math.floor((stats.bavail * stats.bsize) / MEGABYTE);
    if (freeMegabytes < guard.reserveMegabytes) return { path, freeMegabytes, reserveMegabytes: guard.reserveMegabytes };
  }
  return undefined;
}

/** Calls `onShortage` once when a file system runs low; the returned function stops watching. */
export function watchDisk(guard: DiskGuard, onShortage: (shortage: DiskShortage) => void, intervalMs = INTERVAL_MS): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    void findShortage(guard).then((shortage) => {
      if (!shortage || stopped) return;
      stopped = true;
      clearInterval(timer);
      onShortage(shortage);
    });
  }, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

export function shortageMessage(shortage: DiskShortage): string {
  return (
    `stopped: the file system holding ${shortage.path} has ${shortage.freeMegabytes} MiB free, ` +
    `below the ${shortage.reserveMegabytes} MiB freshet keeps free (limits.diskReserveMegabytes)`
  );
}
