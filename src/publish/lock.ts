import { readFileSync } from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { log } from '../core/log.js';

/**
 * One publisher at a time per archive, and one `freshet run` per state folder: a lock file holding pid, host and start time, created with
 * O_EXCL. A lock whose process is gone (same host, dead pid) is stale and taken over with a
 * warning; a live one is waited for.
 */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(owner: LockOwner | undefined): boolean {
  if (!owner || typeof owner.pid !== 'number') return true;
  return owner.host === os.hostname() && !isAlive(owner.pid);
}

/**
 * Move the stale lock aside under a private name (only one contender wins the rename), and put it
 * back if what was moved turns out to be a live lock another contender just made.
 */
async function takeOver(file: string, seen: LockOwner | undefined, kind: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}`;
  try {
    await rename(file, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (moved && !isStale(moved)) {
    await link(aside, file).catch(() => undefined);
  } else {
    log.warn(`took over a stale ${kind} lock`, { lock: file, pid: seen?.pid, host: seen?.host, since: seen?.startedAt });
  }
  await unlink(aside).catch(() => undefined);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LockOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** For messages: the kind of lock and who holds one (default `publish`, `publisher`). */
  kind?: string;
  holder?: string;
}

export async function acquireLock(file: string, options: LockOptions = {}): Promise<Lock> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const { kind = 'publish', holder = 'publisher' } = options;
  const deadline = Date.now() + timeoutMs;
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  await mkdir(path.dirname(file), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.sync();
      await handle.close();
      return { file, release: () => unlink(file).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (isStale(owner)) {
      // A half-written lock has no owner yet; give its writer a moment before calling it stale.
      if (!owner) await sleep(200);
      if (isStale(readOwner(file))) {
        await takeOver(file, owner, kind);
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw new UserError(`${file}: another ${holder} holds the lock (pid ${owner?.pid} on ${owner?.host} since ${owner?.startedAt})`, {
        hint: 'wait for it to finish; remove the lock file only if that process is really gone',
      });
    }
    if (!announced) {
      log.info(`waiting for another ${holder}`, { lock: file, pid: owner?.pid, host: owner?.host, since: owner?.startedAt });
      announced = true;
    }
    await sleep(options.pollMs ?? 250);
  }
}
