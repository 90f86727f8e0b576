import { existsSync, readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../publish/fs-atomic.js';
import { isSafeName } from '../transfer-paths.js';

export const UploadedResult = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** The worker whose token the upload carried. */
  worker: z.string(),
  at: z.string(),
});
export type UploadedResult = z.infer<typeof UploadedResult>;
const JobUploads = z.record(z.string(), UploadedResult);

/**
 * What each job uploaded: `<dir>/<jobId>.json` maps a result's name to the blob that holds it. The
 * coordinator compares this with the result list the worker reports when the job ends, and stages
 * blobs from the store, never a worker's path. A name uploaded again (a retried upload, or the job
 * built again after a stall) points at the latest bytes. Writes to one job are serialized; the file
 * is replaced atomically, so a killed coordinator keeps every upload it had answered 201 to.
 */
export class JobResults {
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  private fileOf(jobId: string): string {
    if (!isSafeName(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId.slice(0, 80))}`);
    return path.join(this.dir, `${jobId}.json`);
  }

  list(jobId: string): Record<string, UploadedResult> {
    const file = this.fileOf(jobId);
    if (!existsSync(file)) return {};
    return JobUploads.parse(JSON.parse(readFileSync(file, 'utf8')));
  }

  record(jobId: string, name: string, result: UploadedResult): Promise<void> {
    return this.serialized(jobId, () => writeFileAtomic(this.fileOf(jobId), `${JSON.stringify({ ...this.list(jobId), [name]: result }, null, 2)}\n`));
  }

  /** Drop a job's record once its results are staged (the blobs stay until the store is pruned). */
  forget(jobId: string): Promise<void> {
    return this.serialized(jobId, () => unlink(this.fileOf(jobId)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    }));
  }

  private serialized(jobId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.writes.get(jobId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.writes.set(jobId, next);
    void next.finally(() => {
      if (this.writes.get(jobId) === next) this.writes.delete(jobId);
    }).catch(() => undefined);
    return next;
  }
}
