import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { fetchRelease, type UpstreamVerification } from '../../src/fetch/fetch.js';
import { verifyDetachedSignature } from '../../src/fetch/openpgp.js';
import { HttpClient } from '../../src/net/http.js';
import type { Release } from '../../src/types.js';

interface Served {
  body: Buffer;
  /** Send only this many bytes of the body, then cut the connection. */
  cutAt?: number;
}

let work: string;
let server: http.Server;
let base: string;
let client: HttpClient;
const files = new Map<string, Served>();
const hits = new Map<string, number>();

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function gpg(home: string, args: string[]): Promise<string> {
  const result = await run('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
    env: { GNUPGHOME: home },
  });
  return result.stdout;
}

/** A throwaway signing key; `past` makes one that expired long ago (signed while it was valid). */
async function makeKey(name: string, past = false): Promise<{ home: string; keyFile: string }> {
  const home = path.join(work, `gnupg-${name}`);
  mkdirSync(home, { mode: 0o700 });
  const time = past ? ['--faked-system-time', '20200101T000000'] : [];
  await gpg(home, [...time, '--quick-gen-key', `${name} <${name}@example.org>`, 'ed25519', 'sign', past ? '1d' : '1y']);
  const keyFile = path.join(work, `${name}.asc`);
  writeFileSync(keyFile, await gpg(home, ['--armor', '--export']));
  return { home, keyFile };
}

async function sign(home: string, data: Buffer, past = false): Promise<Buffer> {
  const input = path.join(work, `to-sign-${Math.random()}`);
  writeFileSync(input, data);
  const time = past ? ['--faked-system-time', '20200101T010000'] : [];
  await gpg(home, [...time, '--detach-sign', '--output', `${input}.sig`, input]);
  return readFile(`${input}.sig`);
}

let good: { home: string; keyFile: string };
let other: { home: string; keyFile: string };
let expired: { home: string; keyFile: string };
let recipeDir: string;
const tarball = Buffer.from('pretend this is hello-2.12.3.tar.gz\n'.repeat(1000));

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'freshet-fetch-'));
  good = await makeKey('good');
  other = await makeKey('other');
  expired = await makeKey('expired', true);
  recipeDir = path.join(work, 'recipes', 'hello');
  mkdirSync(path.join(recipeDir, 'keys'), { recursive: true });
  writeFileSync(path.join(recipeDir, 'keys', 'signing-key.asc'), await readFile(good.keyFile));
  writeFileSync(path.join(recipeDir, 'keys', 'expired.asc'), await readFile(expired.keyFile));

  server = http.createServer((request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(urlPath, (hits.get(urlPath) ?? 0) + 1);
    const served = files.get(urlPath);
    if (!served) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': served.body.length });
    if (served.cutAt === undefined) response.end(served.body);
    else response.write(served.body.subarray(0, served.cutAt), () => response.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  client = new HttpClient(
    { allowHosts: [`127.0.0.1:${port}`], rewrites: [], timeoutMs: 10_000, maxBytes: 10 * 1024 * 1024, perHost: 2 },
    { tries: 2, baseDelayMs: 10 },
  );
}, 120_000);

afterAll(async () => {
  client?.close();
  await new Promise((resolve) => server?.close(resolve));
  await rm(work, { recursive: true, force: true });
});

function release(name: string, version = '2.12.3'): Release {
  return { recipe: 'hello', upstreamVersion: version, url: `${base}/${name}/hello-${version}.tar.gz`, seenAt: '2026-01-01T00:00:00Z' };
}

const signed: UpstreamVerification = { signature: { url: '{url}.sig', key: 'keys/signing-key.asc' } };

function cacheDir(name: string): string {
  return path.join(work, 'cache', name);
}

/** Nothing verified may be left in a cache after a refusal: no names, no blobs, no partial downloads. */
function expectEmptyCache(dir: string): void {
  for (const sub of ['names', 'sha256']) expect(existsSync(path.join(dir, sub)) ? readdirSync(path.join(dir, sub)) : []).toEqual([]);
  expect(existsSync(path.join(dir, 'incoming')) ? readdirSync(path.join(dir, 'incoming')) : []).toEqual([]);
}

describe('fetchRelease', () => {
  it('verifies a good signature, stores the tarball by hash and does not download it again', async () => {
    files.set('/good/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/good/hello-2.12.3.tar.gz.sig', { body: await sign(good.home, tarball) });
    const options = { http: client, cacheDir: cacheDir('good'), recipeFilesDir: recipeDir };
    const fetched = await fetchRelease(release('good'), signed, options);
    expect(fetched.sha256).toBe(sha256(tarball));
    expect(fetched.tarball).toBe(path.join(cacheDir('good'), 'sha256', fetched.sha256.slice(0, 2), fetched.sha256));
    expect(fetched.verifiedBy).toEqual([expect.stringMatching(/^openpgp:[0-9A-F]{40}$/)]);
    expect(await readFile(fetched.tarball)).toEqual(tarball);
    const again = await fetchRelease(release('good'), signed, { ...options, knownSha256: fetched.sha256 });
    expect(again.tarball).toBe(fetched.tarball);
    expect(again.signature).toBe(fetched.signature);
    expect(hits.get('/good/hello-2.12.3.tar.gz')).toBe(1);
  });

  it('keeps the binary .sig it verified, ASCII-armored, for the source package', async () => {
    files.set('/kept/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/kept/hello-2.12.3.tar.gz.sig', { body: await sign(good.home, tarball) });
    const fetched = await fetchRelease(release('kept'), signed, { http: client, cacheDir: cacheDir('kept'), recipeFilesDir: recipeDir });
    const kept = await readFile(fetched.signature!, 'utf8');
    expect(kept).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n[\s\S]+\n-----END PGP SIGNATURE-----\n$/);
    expect(path.dirname(fetched.signature!)).toContain(path.join(cacheDir('kept'), 'sha256'));
    const fingerprint = await verifyDetachedSignature({ upstream: 'hello', data: fetched.tarball, signature: fetched.signature!, keyFiles: [good.keyFile], label: 'kept' });
    expect(fetched.verifiedBy).toEqual([`openpgp:${fingerprint}`]);
  });

  it('fetches again a cache entry recorded before signatures were kept', async () => {
    files.set('/old/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/old/hello-2.12.3.tar.gz.sig', { body: await sign(good.home, tarball) });
    const options = { http: client, cacheDir: cacheDir('old'), recipeFilesDir: recipeDir };
    await fetchRelease(release('old'), signed, options);
    const record = path.join(cacheDir('old'), 'names', 'hello', '2.12.3.json');
    const { signatureSha256, ...older } = JSON.parse(await readFile(record, 'utf8')) as Record<string, unknown>;
    expect(signatureSha256).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(record, JSON.stringify(older));
    const again = await fetchRelease(release('old'), signed, options);
    expect(hits.get('/old/hello-2.12.3.tar.gz')).toBe(2);
    expect(await readFile(again.signature!, 'utf8')).toContain('-----BEGIN PGP SIGNATURE-----');
  });

  it('builds from a cache entry recorded before signatures were kept when the upstream is gone, without a signature', async () => {
    files.set('/gone/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/gone/hello-2.12.3.tar.gz.sig', { body: await sign(good.home, tarball) });
    const options = { http: client, cacheDir: cacheDir('gone'), recipeFilesDir: recipeDir };
    const first = await fetchRelease(release('gone'), signed, options);
    const record = path.join(cacheDir('gone'), 'names', 'hello', '2.12.3.json');
    const { signatureSha256: _kept, ...older } = JSON.parse(await readFile(record, 'utf8')) as Record<string, unknown>;
    writeFileSync(record, JSON.stringify(older));
    files.delete('/gone/hello-2.12.3.tar.gz');
    const again = await fetchRelease(release('gone'), signed, options);
    expect(again.tarball).toBe(first.tarball);
    expect(again.signature).toBeUndefined();
  });

  it('case 8: refuses a bad signature', async () => {
    files.set('/bad/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/bad/hello-2.12.3.tar.gz.sig', { body: await sign(good.home, Buffer.from('other bytes')) });
    await expect(fetchRelease(release('bad'), signed, { http: client, cacheDir: cacheDir('bad'), recipeFilesDir: recipeDir })).rejects.toThrow(
      /signature is BAD/,
    );
    expectEmptyCache(cacheDir('bad'));
  });

  it('case 8: refuses a signature from a key that is not the recipe key', async () => {
    files.set('/other/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/other/hello-2.12.3.tar.gz.sig', { body: await sign(other.home, tarball) });
    await expect(
      fetchRelease(release('other'), signed, { http: client, cacheDir: cacheDir('other'), recipeFilesDir: recipeDir }),
    ).rejects.toThrow(/not among the recipe keys/);
    expectEmptyCache(cacheDir('other'));
  });

  it('case 8: refuses a signature from an expired key', async () => {
    files.set('/expired/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/expired/hello-2.12.3.tar.gz.sig', { body: await sign(expired.home, tarball, true) });
    const upstream = { signature: { url: '{url}.sig', key: 'keys/expired.asc' } };
    await expect(
      fetchRelease(release('expired'), upstream, { http: client, cacheDir: cacheDir('expired'), recipeFilesDir: recipeDir }),
    ).rejects.toThrow(/expired key/);
    expectEmptyCache(cacheDir('expired'));
  });

  it('case 8: refuses a release whose declared signature is missing', async () => {
    files.set('/missing/hello-2.12.3.tar.gz', { body: tarball });
    await expect(
      fetchRelease(release('missing'), signed, { http: client, cacheDir: cacheDir('missing'), recipeFilesDir: recipeDir }),
    ).rejects.toThrow(/signature .* could not be fetched/);
    expectEmptyCache(cacheDir('missing'));
  });

  it('case 9: refuses a version re-served with different bytes, naming both hashes', async () => {
    const reserved = Buffer.concat([tarball, Buffer.from('backdoor\n')]);
    files.set('/reserved/hello-2.12.3.tar.gz', { body: reserved });
    const error = await fetchRelease(release('reserved'), {}, {
      http: client,
      cacheDir: cacheDir('reserved'),
      recipeFilesDir: recipeDir,
      knownSha256: sha256(tarball),
    }).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('re-served version 2.12.3 with different bytes');
    expect((error as Error).message).toContain(sha256(tarball));
    expect((error as Error).message).toContain(sha256(reserved));
    expectEmptyCache(cacheDir('reserved'));
  });

  it('checks checksum files in both sha256sum and BSD formats', async () => {
    files.set('/sums/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/sums/SHA256SUMS', { body: Buffer.from(`${sha256(Buffer.from('x'))}  other.tar.gz\n${sha256(tarball)} *hello-2.12.3.tar.gz\n`) });
    files.set('/sums/hello-2.12.3.tar.gz.sha256', { body: Buffer.from(`SHA256 (hello-2.12.3.tar.gz) = ${sha256(tarball)}\n`) });
    for (const [name, url] of [
      ['gnu', `${base}/sums/SHA256SUMS`],
      ['bsd', '{url}.sha256'],
    ] as const) {
      const fetched = await fetchRelease(
        release('sums'),
        { checksumFile: { url, algorithm: 'sha256' } },
        { http: client, cacheDir: cacheDir(`sums-${name}`), recipeFilesDir: recipeDir },
      );
      expect(fetched.verifiedBy).toEqual(['checksum-file']);
    }
  });

  it('refuses a checksum-file mismatch', async () => {
    files.set('/sumbad/hello-2.12.3.tar.gz', { body: tarball });
    files.set('/sumbad/hello-2.12.3.tar.gz.sha256', { body: Buffer.from(`${sha256(Buffer.from('else'))}  hello-2.12.3.tar.gz\n`) });
    await expect(
      fetchRelease(release('sumbad'), { checksumFile: { url: '{url}.sha256', algorithm: 'sha256' } }, {
        http: client,
        cacheDir: cacheDir('sumbad'),
        recipeFilesDir: recipeDir,
      }),
    ).rejects.toThrow(/lists/);
    expectEmptyCache(cacheDir('sumbad'));
  });

  it('refuses a pinned-hash mismatch', async () => {
    files.set('/pin/hello-2.12.3.tar.gz', { body: tarball });
    await expect(
      fetchRelease(release('pin'), { sha256: { '2.12.3': '0'.repeat(64) } }, { http: client, cacheDir: cacheDir('pin'), recipeFilesDir: recipeDir }),
    ).rejects.toThrow(/the recipe pins/);
    expectEmptyCache(cacheDir('pin'));
  });

  it('case 10: never uses a truncated download', async () => {
    files.set('/cut/hello-2.12.3.tar.gz', { body: tarball, cutAt: 1000 });
    await expect(
      fetchRelease(release('cut'), {}, { http: client, cacheDir: cacheDir('cut'), recipeFilesDir: recipeDir }),
    ).rejects.toThrow(/hello/);
    expect(hits.get('/cut/hello-2.12.3.tar.gz')).toBe(2);
    expectEmptyCache(cacheDir('cut'));
  });
});
