import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, fsyncPath, tempName } from '../fs-atomic.js';

const COPY_CONCURRENCY = 8;

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Copy new files into the pool with copyFileAtomic's guarantees, batched: every file is copied
 * under a temporary name and flushed, then all are renamed to their final names, then each folder
 * is flushed once (not once per file). A pool file appears under its name only complete, and all
 * of them are durable when this returns; on failure no temporary file is left.
 */
export async function copyIntoPool(root: string, copies: ReadonlyArray<{ from: string; to: string }>): Promise<void> {
  // The same file named twice (a batch that repeats a package) is copied once.
  const unique = [...new Map(copies.map((copy) => [copy.to, copy.from])).entries()];
  const planned = unique.map(([to, from]) => ({ from, file: path.join(root, to), temp: tempName(path.join(root, to)) }));
  try {
    await eachLimit(planned, COPY_CONCURRENCY, async ({ from, file, temp }) => {
      await mkdir(path.dirname(file), { recursive: true });
      await copyFile(from, temp);
      await fsyncPath(temp);
    });
    await eachLimit(planned, COPY_CONCURRENCY, ({ file, temp }) => rename(temp, file));
  } catch (error) {
    await Promise.all(planned.map(({ temp }) => unlink(temp).catch(() => undefined)));
    throw error;
  }
  await eachLimit([...new Set(planned.map(({ file }) => path.dirname(file)))], COPY_CONCURRENCY, fsyncDir);
}
