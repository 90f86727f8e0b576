import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sha256Of, type Sha256Digest } from '../core/digest.js';
import { TarballCache } from '../fetch/cache.js';
import { fsyncDir, fsyncPath } from '../publish/fs-atomic.js';
import { isSha256 } from './transfer-paths.js';

/** A blob is named by its content: the sha256 and size of its bytes. */
export type BlobRef = Sha256Digest;

/**
 * The coordinator's content-addressed store of job inputs and uploaded results, in the tarball
 * cache's layout (`sha256/<hh>/<sha256>`, temporary files in `incoming/`). A blob appears only by a
 * rename of a flushed file whose hash was computed from its own bytes, so a killed writer leaves at
 * most a stray file in `incoming/`, never a blob under a wrong name.
 */
export class BlobStore {
  private readonly layout: TarballCache;

  constructor(readonly dir: string) {
    this.layout = new TarballCache(dir);
  }

  pathOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
    return this.layout.blobPath(sha256);
  }

  has(sha256: string): boolean {
    return isSha256(sha256) && existsSync(this.layout.blobPath(sha256));
  }

  /** A fresh temporary path on the store's file system, for a writer that then calls adopt(). */
  incomingFile(label: string): string {
    return this.layout.incomingFile(label);
  }

  /**
   * Copy a file in (a reflink where the file system can). Not a hard link: the blob would share its
   * inode with a file its owner may later rewrite in place. The hash is taken from the copy.
   */
  async put(file: string): Promise<BlobRef> {
    const temp = this.incomingFile(path.basename(file));
    try {
      await copyFile(file, temp, constants.COPYFILE_FICLONE);
      const ref = await sha256Of(temp);
      await this.adopt(temp, ref.sha256);
      return ref;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** Remove a blob no job needs any more; one already gone is fine. */
  async remove(sha256: string): Promise<void> {
    await unlink(this.pathOf(sha256)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Move a temporary file into the store under `sha256`, which the caller computed from its bytes. */
  async adopt(temp: string, sha256: string): Promise<void> {
    const blob = this.pathOf(sha256);
    if (existsSync(blob)) {
      await unlink(temp);
      return;
    }
    await fsyncPath(temp);
    await mkdir(path.dirname(blob), { recursive: true });
    await rename(temp, blob);
    await fsyncDir(path.dirname(blob));
  }
}
