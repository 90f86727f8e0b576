import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files that go live are written under a temporary name, flushed, renamed over the final name, and
 * the folder is flushed too: a crash or a full disk leaves the old file or the new one, never a
 * truncated one.
 */
export async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const fsyncDir = fsyncPath;

export function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
}

export async function writeDurable(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const handle = await open(file, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    await writeDurable(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(path.dirname(file));
}

export async function copyFileAtomic(source: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    await copyFile(source, tmp);
    await fsyncPath(tmp);
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(path.dirname(file));
}

/** A file another process wrote, read and flushed through one handle. */
export async function readDurable(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const data = await handle.readFile();
    await handle.sync();
    return data;
  } finally {
    await handle.close();
  }
}
