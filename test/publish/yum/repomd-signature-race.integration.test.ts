import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/exec.js';
import { createStaticHandler } from '../../../src/serve/static.js';
import { makecacheThrough, RPM_TARGET, servedTwoGenerations, type ServedArchive } from './served-archive.js';

/**
 * The repomd.xml / repomd.xml.asc race of RELIABILITY case 29, made deterministic: dnf (librepo)
 * fetches repomd.xml, then repomd.xml.asc in a second request, so a `repodata` switch between the
 * two hands it generation N's repomd.xml with generation N+1's signature. (The reverse order never
 * happens: librepo always fetches repomd.xml first.) A loopback server here answers the two files
 * from chosen generations and everything else from the live archive.
 *
 * It also pins why freshet does not ship a multi-signature repomd.xml.asc (new signature plus the
 * previous one) against this race: Debian 12's dnf verifies through gpgme, which runs gpg in batch
 * mode, and gpg in batch mode stops at the first bad signature. Only the first signature in the
 * file counts, so no one file verifies both repomd.xml versions. Should a later dnf accept any good
 * signature, these assertions fail and the fix in docs/rpm.md becomes possible.
 */
const REPO = RPM_TARGET.id;
let served: ServedArchive;
let generations: string;
let scratch: string;

beforeAll(async () => {
  served = await servedTwoGenerations('freshet-yum-race-', 'race');
  const { dir, archive } = served;
  generations = path.join(archive.root, 'rpm', REPO, '.generations');
  scratch = path.join(dir, 'race');
  mkdirSync(scratch, { recursive: true });
});

afterAll(() => served?.close());

const repomdOf = (generation: number) => path.join(generations, String(generation), 'repodata', 'repomd.xml');
const signatureOf = (generation: number) => `${repomdOf(generation)}.asc`;

/** Several signatures in one file: the binary packets of each, one after the other. */
async function concatenated(name: string, signatures: string[]): Promise<string> {
  const parts: Buffer[] = [];
  for (const [index, signature] of signatures.entries()) {
    const out = path.join(scratch, `${name}.${index}.sig`);
    await run('gpg', ['--homedir', scratch, '--batch', '--yes', '--output', out, '--dearmor', signature]);
    parts.push(readFileSync(out));
  }
  const file = path.join(scratch, `${name}.sig`);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

let attempt = 0;

/** `dnf makecache` against a server that answers repomd.xml and repomd.xml.asc from the given files. */
async function makecache(repomd: string, signature: string): Promise<{ exitCode: number; output: string }> {
  attempt += 1;
  const archiveHandler = createStaticHandler({ root: served.archive.root });
  const handler: http.RequestListener = (request, response) => {
    const file = request.url?.endsWith('/repodata/repomd.xml') ? repomd : request.url?.endsWith('/repodata/repomd.xml.asc') ? signature : undefined;
    if (!file) return archiveHandler(request, response);
    const body = readFileSync(file);
    response.writeHead(200, { 'content-length': body.byteLength }).end(request.method === 'HEAD' ? undefined : body);
  };
  const result = await makecacheThrough(handler, path.join(served.dir, 'dnf', `race-${attempt}`));
  return { exitCode: result.exitCode, output: result.tail };
}

describe('case 29: repomd.xml and its signature fetched across a repodata switch', () => {
  it('is a real failure: generation N repomd.xml with generation N+1 repomd.xml.asc fails the signature check', async () => {
    const matching = await makecache(repomdOf(2), signatureOf(2));
    expect(matching.exitCode, matching.output).toBe(0);
    const raced = await makecache(repomdOf(1), signatureOf(2));
    expect(raced.exitCode).not.toBe(0);
    expect(raced.output).toMatch(/GPG signature verification error|Bad GPG signature/);
  });

  it('is not closed by a signature file holding both signatures: only the first one counts', async () => {
    const newFirst = await concatenated('new-first', [signatureOf(2), signatureOf(1)]);
    const oldFirst = await concatenated('old-first', [signatureOf(1), signatureOf(2)]);
    // dnf takes a file of several signatures, and the old repomd.xml's metadata is still served
    // (carried into the live generation for the grace period)…
    expect((await makecache(repomdOf(2), newFirst)).exitCode).toBe(0);
    expect((await makecache(repomdOf(1), oldFirst)).exitCode).toBe(0);
    // …but a bad first signature fails the check whatever follows it, in either order.
    for (const refused of [await makecache(repomdOf(1), newFirst), await makecache(repomdOf(2), oldFirst)]) {
      expect(refused.exitCode).not.toBe(0);
      expect(refused.output).toMatch(/GPG signature verification error|Bad GPG signature/);
    }
  });
});
