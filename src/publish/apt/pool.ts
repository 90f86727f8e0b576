import { copyFileSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../core/exec.js';
import { fsyncDir, fsyncPath, writeDurable } from '../fs-atomic.js';

/**
 * New pool files are written in `<archive>/.incoming/` and renamed into the pool from there (the
 * same file system, so the rename is atomic). A publisher killed before its renames leaves its
 * files only there, and the next publish, holding the archive lock, removes the whole folder: no
 * temporary file stays behind in the pool's folders, where nothing would ever find it.
 */
export const INCOMING = '.incoming';

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

interface Staged {
  file: string;
  temp: string;
  /** Copied from this path at commit; absent when the bytes were written already. */
  from?: string;
}

/**
 * The new pool files of one publish, with copyFileAtomic's guarantees, batched: every file is
 * written under a temporary name and flushed, then all are renamed to their final names, then each
 * folder is flushed once (not once per file). A pool file appears under its name only complete,
 * and all of them are durable when commit returns; discard leaves no temporary file.
 * `expected` (an upper bound of the files to come) chooses between one fsync per file and syncfs.
 */
export class PoolStaging {
  private readonly staged = new Map<string, Staged>();
  private readonly wholeFileSystem: boolean;
  private readonly incoming: string;

  /** Made under the archive lock: what `.incoming` holds was left by a publisher that died. */
  constructor(
    private readonly root: string,
    expected: number,
  ) {
    this.wholeFileSystem = expected >= FLUSH_FILE_SYSTEM_FROM;
    this.incoming = path.join(root, INCOMING);
    rmSync(this.incoming, { recursive: true, force: true });
  }

  /** Bytes already read and checked go to the pool as they are, not read again from their source. */
  async write(to: string, bytes: Uint8Array): Promise<void> {
    const staged = this.stage(to);
    if (!staged) return;
    if (this.wholeFileSystem) writeFileSync(staged.temp, bytes, { mode: 0o644 });
    else await writeDurable(staged.temp, bytes);
  }

  /** A file too big to hold in memory (or a source file) is copied at commit. */
  copy(to: string, from: string): void {
    const staged = this.stage(to);
    if (staged) staged.from = from;
  }

  // The same file named twice (a batch that repeats a package) is written once.
  private stage(to: string): Staged | undefined {
    if (this.staged.has(to)) return undefined;
    if (this.staged.size === 0) mkdirSync(this.incoming, { recursive: true });
    const staged = { file: path.join(this.root, to), temp: path.join(this.incoming, String(this.staged.size)) };
    this.staged.set(to, staged);
    return staged;
  }

  async commit(): Promise<void> {
    const planned = [...this.staged.values()];
    if (planned.length === 0) return;
    const copies = planned.filter((item): item is Required<Staged> => item.from !== undefined);
    const folders = [...new Set(planned.map(({ file }) => path.dirname(file)))];
    try {
      if (this.wholeFileSystem) {
        await inBatches(copies, ({ from, temp }) => copyFileSync(from, temp));
        for (const folder of folders) mkdirSync(folder, { recursive: true });
        await flushFileSystems(folders);
        await inBatches(planned, ({ file, temp }) => renameSync(temp, file));
      } else {
        await eachLimit(copies, COPY_CONCURRENCY, async ({ from, temp }) => {
          await copyFile(from, temp);
          await fsyncPath(temp);
        });
        await eachLimit(folders, COPY_CONCURRENCY, (folder) => mkdir(folder, { recursive: true }).then(() => undefined));
        await eachLimit(planned, COPY_CONCURRENCY, ({ file, temp }) => rename(temp, file));
      }
    } catch (error) {
      await this.discard();
      throw error;
    }
    if (this.wholeFileSystem) await flushFileSystems(folders);
    else await eachLimit(folders, COPY_CONCURRENCY, fsyncDir);
    await rm(this.incoming, { recursive: true, force: true });
  }

  /** Remove the temporary files (those renamed already are gone from there). */
  async discard(): Promise<void> {
    await rm(this.incoming, { recursive: true, force: true });
  }
}
