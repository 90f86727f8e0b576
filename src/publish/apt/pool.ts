import { copyFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../core/exec.js';
import { fsyncDir, fsyncPath, tempName } from '../fs-atomic.js';

const COPY_CONCURRENCY = 8;

/**
 * From this many new files on, the pool is flushed by one syncfs(2) per file system (`sync
 * --file-system`) after the copies and again after the renames, instead of one fsync per file and
 * per folder. syncfs writes back every dirty file and folder of the file system and commits its
 * journal, a superset of those fsyncs, and since Linux 5.8 it reports write-back errors as fsync
 * does. Such a batch is also copied and renamed with synchronous calls, a batch at a time between
 * turns of the event loop: a thread-pool trip per small file costs more than the call itself.
 * Below it the fsyncs are cheaper than starting `sync`, and flush nothing of other processes.
 */
const FLUSH_FILE_SYSTEM_FROM = 64;
const SYNC_BATCH = 64;

async function inBatches<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let start = 0; start < items.length; start += SYNC_BATCH) {
    for (const item of items.slice(start, start + SYNC_BATCH)) fn(item);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** syncfs(2) on each file system that holds one of these folders. */
async function flushFileSystems(folders: readonly string[]): Promise<void> {
  const byDevice = new Map(folders.map((folder) => [statSync(folder).dev, folder]));
  await run('sync', ['--file-system', ...byDevice.values()], { timeoutMs: 600_000 });
}

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
  const folders = [...new Set(planned.map(({ file }) => path.dirname(file)))];
  const wholeFileSystem = planned.length >= FLUSH_FILE_SYSTEM_FROM;
  try {
    if (wholeFileSystem) {
      await inBatches(planned, ({ from, file, temp }) => {
        mkdirSync(path.dirname(file), { recursive: true });
        copyFileSync(from, temp);
      });
      await flushFileSystems(folders);
      await inBatches(planned, ({ file, temp }) => renameSync(temp, file));
    } else {
      await eachLimit(planned, COPY_CONCURRENCY, async ({ from, file, temp }) => {
        await mkdir(path.dirname(file), { recursive: true });
        await copyFile(from, temp);
        await fsyncPath(temp);
      });
      await eachLimit(planned, COPY_CONCURRENCY, ({ file, temp }) => rename(temp, file));
    }
  } catch (error) {
    await Promise.all(planned.map(({ temp }) => unlink(temp).catch(() => undefined)));
    throw error;
  }
  if (wholeFileSystem) await flushFileSystems(folders);
  else await eachLimit(folders, COPY_CONCURRENCY, fsyncDir);
}
