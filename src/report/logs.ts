import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../core/redact.js';
import { writeFileAtomic } from '../publish/fs-atomic.js';

/**
 * Build and gate logs live in the state folder, which is not served. The status page links to
 * redacted copies under status/logs/<build id>/ in the archive root. Long logs keep their tail:
 * the end of a log is where a build failure shows.
 */
export const MAX_LOG_BYTES = 2 * 1024 * 1024;

/** A build id as one safe path segment (ids are recipe_target_version_rN; state rows are not trusted). */
export function safeSegment(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9_.+-]/g, '-');
  return /^\.*$/.test(cleaned) ? `_${cleaned}` : cleaned;
}

export function logLink(buildId: string, kind: 'build' | 'gate'): string {
  return `status/logs/${safeSegment(buildId)}/${kind}.log`;
}

async function readTail(file: string): Promise<string> {
  const { size } = await stat(file);
  if (size <= MAX_LOG_BYTES) return readFile(file, 'utf8');
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_LOG_BYTES);
    await handle.read(buffer, 0, MAX_LOG_BYTES, size - MAX_LOG_BYTES);
    const text = buffer.toString('utf8');
    return `[freshet: log truncated, last ${MAX_LOG_BYTES} of ${size} bytes shown]\n${text.slice(text.indexOf('\n') + 1)}`;
  } finally {
    await handle.close();
  }
}

/** Copy a log into the archive, redacted; skipped when the copy is already up to date. */
export async function publishLog(source: string, archiveDir: string, link: string): Promise<void> {
  const destination = path.join(archiveDir, link);
  const [from, to] = await Promise.all([stat(source), stat(destination).catch(() => undefined)]);
  if (to && to.mtimeMs >= from.mtimeMs) return;
  await writeFileAtomic(destination, redact(await readTail(source)));
}
