import type { BlobRef, BlobStore } from '../blobs.js';
import type { JobResults } from './results.js';

/**
 * Which blobs each job of the coordinator needs: the inputs it put in the store (source, archive,
 * the artifacts a gate installs) and what its worker uploaded. Once a run has published, a finished
 * job's blobs and result record go (its files are in builds/ and the archive by then), except a
 * blob that a job not yet finished also needs: a build's .deb is its gate's input, and the same
 * bytes may be another job's.
 */
export class JobBlobs {
  private readonly byJob = new Map<string, Set<string>>();

  constructor(
    private readonly store: BlobStore,
    private readonly results: JobResults,
  ) {}

  note(jobId: string, ...blobs: ReadonlyArray<BlobRef | undefined>): void {
    let noted = this.byJob.get(jobId);
    if (!noted) this.byJob.set(jobId, (noted = new Set()));
    for (const blob of blobs) if (blob) noted.add(blob.sha256);
  }

  /**
   * Remove the blobs and result records of the finished jobs `jobIds`. `stillNeeded` names blobs
   * that jobs this coordinator did not note still need (jobs queued by an earlier coordinator,
   * read from the queue). Returns how many blobs went.
   */
  async release(jobIds: readonly string[], stillNeeded: ReadonlySet<string> = new Set()): Promise<number> {
    const finished = new Set(jobIds);
    const kept = new Set(stillNeeded);
    for (const [jobId, blobs] of this.byJob) {
      if (finished.has(jobId)) continue;
      // What such a job uploaded so far too: two targets' builds upload the same orig tarball.
      for (const sha256 of [...blobs, ...Object.values(this.results.list(jobId)).map((upload) => upload.sha256)]) kept.add(sha256);
    }
    let removed = 0;
    for (const jobId of finished) {
      // A coordinator restarted mid-run noted only what it saw again; the record lists every upload.
      const blobs = new Set([...(this.byJob.get(jobId) ?? []), ...Object.values(this.results.list(jobId)).map((upload) => upload.sha256)]);
      for (const sha256 of blobs) {
        if (kept.has(sha256) || !this.store.has(sha256)) continue;
        await this.store.remove(sha256);
        removed++;
      }
      await this.results.forget(jobId);
      this.byJob.delete(jobId);
    }
    return removed;
  }
}
