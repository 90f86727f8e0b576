import { mkdirSync } from 'node:fs';
import { create, extract } from 'tar';

/**
 * A folder travels between coordinator and worker as one uncompressed tar (source packages and
 * archives are compressed already), hard links kept, so it has one content hash.
 */
export async function packTree(dir: string, file: string): Promise<void> {
  await create({ cwd: dir, file, portable: true, noMtime: false }, ['.']);
}

export async function unpackTree(file: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await extract({ cwd: dir, file, preserveOwner: false });
}
