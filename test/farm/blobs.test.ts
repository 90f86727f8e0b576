import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/farm/blobs.js';
import { JobResults } from '../../src/farm/coordinator/results.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

describe('BlobStore', () => {
  const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'freshet-blobs-'));

  it('copies a file in under its sha256, once, and leaves nothing in incoming/', async () => {
    const dir = scratch();
    const store = new BlobStore(path.join(dir, 'store'));
    const file = path.join(dir, 'hello_2.12.orig.tar.gz');
    writeFileSync(file, 'tarball bytes');
    const ref = await store.put(file);
    expect(ref).toEqual({ sha256: sha256('tarball bytes'), size: 13 });
    expect(store.has(ref.sha256)).toBe(true);
    expect(readFileSync(store.pathOf(ref.sha256), 'utf8')).toBe('tarball bytes');
    expect(await store.put(file)).toEqual(ref);
    // A copy, not a link: the owner rewriting its file in place leaves the blob right.
    writeFileSync(file, 'rewritten');
    expect(readFileSync(store.pathOf(ref.sha256), 'utf8')).toBe('tarball bytes');
    expect(readdirSync(path.join(dir, 'store', 'incoming'))).toEqual([]);
  });

  it('has no blob for a name that is not a sha256, and refuses to make a path of one', () => {
    const store = new BlobStore(scratch());
    expect(store.has('../../etc/passwd')).toBe(false);
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });
});

describe('JobResults', () => {
  it('lists what a job uploaded, the latest bytes for a name uploaded again, and forgets it', async () => {
    const results = new JobResults(mkdtempSync(path.join(os.tmpdir(), 'freshet-results-')));
    const entry = (data: string) => ({ sha256: sha256(data), size: data.length, worker: 'alpha', at: '2026-12-04T20:00:00.000Z' });
    await Promise.all([results.record('job-1', 'a.deb', entry('a')), results.record('job-1', 'b.deb', entry('b')), results.record('job-2', 'c.rpm', entry('c'))]);
    await results.record('job-1', 'a.deb', entry('a2'));
    expect(results.list('job-1')).toEqual({ 'a.deb': entry('a2'), 'b.deb': entry('b') });
    expect(results.list('job-2')).toEqual({ 'c.rpm': entry('c') });
    await results.forget('job-1');
    expect(results.list('job-1')).toEqual({});
    expect(() => results.list('../job-2')).toThrow(/not a job id/);
  });
});
