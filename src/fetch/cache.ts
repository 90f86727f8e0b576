import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../recipe/fields.js';

/**
 * Content-addressed tarball cache: `sha256/<hh>/<sha256>` holds the bytes, and
 * `names/<recipe>/<version>.json` says which blob a release is, how it was verified and which
 * blob holds its verified upstream signature (armored). A name is written only after
 * verification, so anything the index points at was verified.
 */
export const CacheRecord = z.object({
  url: z.string(),
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
  verifiedBy: z.array(z.string()),
  signatureSha256: sha256Hex.optional(),
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
    if (parsed.data.signatureSha256 && !existsSync(this.blobPath(parsed.data.signatureSha256))) return undefined;
    return parsed.data;
  }

  /**
   * Move a verified download into the store, with the signature it was verified by, and record
   * its name. Returns the tarball's blob and the signature's.
   */
  store(recipe: string, version: string, downloaded: string, record: Omit<CacheRecord, 'signatureSha256'>, signature?: Buffer): { tarball: string; signature?: string } {
    const blob = this.blobPath(record.sha256);
    mkdirSync(path.dirname(blob), { recursive: true });
    renameSync(downloaded, blob);
    const signatureSha256 = signature && createHash('sha256').update(signature).digest('hex');
    if (signature && signatureSha256) this.writeAtomic(this.blobPath(signatureSha256), signature);
    this.writeAtomic(this.recordPath(recipe, version), `${JSON.stringify({ ...record, signatureSha256 }, null, 2)}\n`);
    return { tarball: blob, signature: signatureSha256 && this.blobPath(signatureSha256) };
  }

  private writeAtomic(file: string, content: string | Buffer): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, content);
    renameSync(temp, file);
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
