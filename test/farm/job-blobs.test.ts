import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobStore, type BlobRef } from '../../src/farm/blobs.js';
import { JobBlobs } from '../../src/farm/coordinator/job-blobs.js';
import { JobResults } from '../../src/farm/coordinator/results.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-job-blobs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pruning the blob store after a publish', () => {
  const store = new BlobStore(path.join(scratch, 'blobs'));
  const results = new JobResults(path.join(scratch, 'results'));
  mkdirSync(results.dir, { recursive: true });
  const put = async (name: string): Promise<BlobRef> => {
    const file = path.join(scratch, name);
    writeFileSync(file, `${name} bytes`);
    return store.put(file);
  };
  const upload = (jobId: string, name: string, blob: BlobRef) => results.record(jobId, name, { ...blob, worker: 'w1', at: '2026-12-04T22:00:00Z' });

  it("removes the blobs and result records of the run's finished jobs, keeping what a job still queued or running needs", async () => {
    const blobs = new JobBlobs(store, results);
    // hello: built, gated and published. Its build's .deb is its gate's input.
    const helloSource = await put('hello-source.tar');
    const helloDeb = await put('hello.deb');
    const orig = await put('hello.orig.tar.gz');
    const staging = await put('hello-staging.tar');
    const gateLog = await put('gate.log');
    blobs.note('hello_r1', helloSource);
    await upload('hello_r1', 'hello.deb', helloDeb);
    await upload('hello_r1', 'hello.orig.tar.gz', orig);
    blobs.note('hello_r1.gate', staging, helloDeb);
    await upload('hello_r1.gate', 'gate.log', gateLog);
    // hello on another target, still running: it uploaded the same orig tarball already.
    const otherSource = await put('hello-13-source.tar');
    blobs.note('hello_deb13_r1', otherSource);
    await upload('hello_deb13_r1', 'hello.orig.tar.gz', orig);
    // A job an earlier coordinator queued, found on the queue: its input stays.
    const queuedInput = await put('queued-source.tar');

    const removed = await blobs.release(['hello_r1', 'hello_r1.gate'], new Set([queuedInput.sha256]));

    expect(removed).toBe(4);
    for (const gone of [helloSource, helloDeb, staging, gateLog]) expect(store.has(gone.sha256)).toBe(false);
    for (const kept of [orig, otherSource, queuedInput]) expect(store.has(kept.sha256)).toBe(true);
    expect(results.list('hello_r1')).toEqual({});
    expect(results.list('hello_r1.gate')).toEqual({});
    expect(Object.keys(results.list('hello_deb13_r1'))).toEqual(['hello.orig.tar.gz']);

    // The other job finishes in a later release: what it shared goes now.
    expect(await blobs.release(['hello_deb13_r1'])).toBe(2);
    expect(store.has(orig.sha256)).toBe(false);
    expect(store.has(otherSource.sha256)).toBe(false);
    expect(store.has(queuedInput.sha256)).toBe(true);
  });
});
