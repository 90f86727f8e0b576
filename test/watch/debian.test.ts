import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { xz } from '@napi-rs/lzma';
import { afterEach, describe, expect, it } from 'vitest';
import { resetHostQueues } from '../../src/net/queue.js';
import { debian, shippedVersion } from '../../src/watch/debian/index.js';
import { parseSources } from '../../src/watch/debian/sources-index.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const sources = readFileSync(new URL('fixtures/Sources', import.meta.url));
const updates = readFileSync(new URL('fixtures/Sources-updates', import.meta.url));
let server: Loopback | undefined;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

afterEach(async () => {
  await server?.close();
  resetHostQueues();
});

async function mirror(): Promise<Loopback> {
  const bookworm = await xz.compress(sources);
  const bookwormUpdates = await xz.compress(updates);
  server = await serve((req, res) => {
    const etag = '"sources-1"';
    if (req.headers['if-none-match'] === etag) return res.writeHead(304).end();
    if (req.url === '/debian/dists/bookworm/main/source/Sources.xz') return res.writeHead(200, { etag }).end(bookworm);
    if (req.url === '/debian/dists/bookworm-updates/main/source/Sources.xz') return res.writeHead(200).end(bookwormUpdates);
    if (req.url === '/debian/dists/broken/main/source/Sources.xz') return res.writeHead(200).end(bookworm.subarray(0, 100));
    if (req.url === '/debian/dists/sid/InRelease') {
      return res.end(`Origin: Debian\nSuite: unstable\nSHA256:\n ${sha256(bookworm)} ${bookworm.length} main/source/Sources.xz\n ${'0'.repeat(64)} 10 contrib/source/Sources.xz\n`);
    }
    if (req.url === '/debian/dists/sid/main/source/Sources.xz') return res.end(bookworm);
    if (req.url === '/debian/dists/sid/contrib/source/Sources.xz') return res.end(bookworm);
    if (req.url === '/debian/dists/html/main/source/Sources.xz') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    return res.writeHead(404).end();
  });
  return server;
}

describe('debian', () => {
  it('parses deb822 paragraphs permissively', () => {
    const index = parseSources(sources.toString());
    expect(index.get('hello')).toEqual([
      { version: '2.10-3', directory: 'pool/main/h/hello', origFile: 'hello_2.10.orig.tar.gz', origSha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b' },
      { version: '2.10-2', directory: 'pool/main/h/hello', origFile: 'hello_2.10.orig.tar.gz', origSha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b' },
    ]);
    expect(index.get('base-files')![0]!.origFile).toBeUndefined();
    expect(index.get('jq')![0]!.origFile).toBe('jq_1.6.orig.tar.gz');
  });

  it("finds a package's orig tarball in a suite's xz Sources index", async () => {
    await mirror();
    const ctx = testContext([server!], 'hello');
    const releases = await debian.getReleases({ kind: 'debian', package: 'hello', suite: 'bookworm', mirror: `${server!.url}/debian` }, ctx);
    expect(releases).toEqual([
      { version: '2.10', url: `${server!.url}/debian/pool/main/h/hello/hello_2.10.orig.tar.gz`, sha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b' },
      { version: '2.10', url: `${server!.url}/debian/pool/main/h/hello/hello_2.10.orig.tar.gz`, sha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b' },
    ]);
    expect(await debian.getReleases({ kind: 'debian', package: 'nothere', suite: 'bookworm', mirror: `${server!.url}/debian` }, ctx)).toBeNull();
  });

  it('tells what a target ships: the highest version over its suites, cached with conditional requests', async () => {
    await mirror();
    const ctx = testContext([server!], 'targets');
    const url = `${server!.url}/debian`;
    expect(await shippedVersion(url, ['bookworm', 'bookworm-updates'], 'jq', ctx)).toBe('1:1.6-2.1+deb12u1');
    expect(await shippedVersion(url, ['bookworm', 'bookworm-updates'], 'hello', ctx)).toBe('2.10-3');
    expect(await shippedVersion(url, ['bookworm', 'bookworm-backports'], 'absent', ctx)).toBeNull();
    const downloads = server!.requests.length;
    // A new run (fresh memo) with the same cache: the index is answered by a 304.
    const next = { ...ctx, memo: new Map() };
    expect(await shippedVersion(url, ['bookworm'], 'hello', next)).toBe('2.10-3');
    const indexRequests = server!.requests.slice(downloads).filter((r) => r.url!.endsWith('Sources.xz'));
    expect(indexRequests.map((r) => r.headers['if-none-match'])).toEqual(['"sources-1"']);
  });

  it('reuses the stored index while InRelease lists the same sha256, and checks downloads against it', async () => {
    await mirror();
    const ctx = testContext([server!], 'targets');
    const url = `${server!.url}/debian`;
    expect(await shippedVersion(url, ['sid'], 'hello', ctx)).toBe('2.10-3');
    expect(await shippedVersion(url, ['sid'], 'hello', { ...ctx, memo: new Map() })).toBe('2.10-3');
    expect(server!.requests.filter((r) => r.url === '/debian/dists/sid/main/source/Sources.xz')).toHaveLength(1);
    await expect(debian.getReleases({ kind: 'debian', package: 'hello', suite: 'sid', component: 'contrib', mirror: url }, ctx)).rejects.toThrow(
      /does not match the sha256 listed in InRelease/,
    );
  });

  it('throws on a truncated xz file or an HTML page', async () => {
    await mirror();
    const ctx = testContext([server!], 'hello');
    await expect(debian.getReleases({ kind: 'debian', package: 'hello', suite: 'broken', mirror: `${server!.url}/debian` }, ctx)).rejects.toThrow(/not a valid xz file/);
    await expect(debian.getReleases({ kind: 'debian', package: 'hello', suite: 'html', mirror: `${server!.url}/debian` }, ctx)).rejects.toThrow(/not a valid xz file/);
  });
});
