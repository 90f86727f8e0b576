import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../recipe/fields.js';

/**
 * Content-addressed tarball cache: `sha256/<hh>/<sha256>` holds the bytes, and
 * `names/<recipe>/<version>.json` says which blob a release is and how it was verified. A name
 * is written only after verification, so anything the index points at was verified.
 */
export const CacheRecord = z.object({
  url: z.string(),
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
  verifiedBy: z.array(z.string()),
});
export type CacheRecord = z.infer<typeof CacheRecord>;

const safeName = (value: string) => value.replace(/[^A-Za-z0-9.+~_-]/g, '_');

export class TarballCache {
  constructor(readonly dir: string) {}

  blobPath(sha256: string): string {
    return path.join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  private recordPath(recipe: string, version: string): string {
    return path.join(this.dir, 'names', safeName(recipe), `${safeName(version)}.json`);
  }

  /** A folder for downloads in progress, on the same file system as the blobs. */
  incomingFile(name: string): string {
    const incoming = path.join(this.dir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    return path.join(incoming, `${randomBytes(6).toString('hex')}-${safeName(name)}`);
  }

  lookup(recipe: string, version: string): CacheRecord | undefined {
    const file = this.recordPath(recipe, version);
    if (!existsSync(file)) return undefined;
    const parsed = CacheRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success || !existsSync(this.blobPath(parsed.data.sha256))) return undefined;
    return parsed.data;
  }

  /** Move a verified download into the store and record its name. */
  store(recipe: string, version: string, downloaded: string, record: CacheRecord): string {
    const blob = this.blobPath(record.sha256);
    mkdirSync(path.dirname(blob), { recursive: true });
    renameSync(downloaded, blob);
    const index = this.recordPath(recipe, version);
    mkdirSync(path.dirname(index), { recursive: true });
    const temp = `${index}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(temp, index);
    return blob;
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
