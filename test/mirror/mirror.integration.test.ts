import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/fetch/cache.js';
import { fetchRelease } from '../../src/fetch/fetch.js';
import { HttpClient } from '../../src/net/http.js';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';

let dir: string;
let server: RunningServer;
const hello = manifestFiles(loadMirrorManifest(), ['hello']);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'freshet-mirror-'));
  server = await listen(createStaticHandler({ root: dir, listings: true }), '127.0.0.1', 0);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the local upstream mirror', () => {
  it('lists both hello versions with their signatures', () => {
    expect(hello.map((file) => file.path)).toEqual([
      'ftp.gnu.org/gnu/hello/hello-2.10.tar.gz',
      'ftp.gnu.org/gnu/hello/hello-2.10.tar.gz.sig',
      'ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz',
      'ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz.sig',
    ]);
  });

  it("fills from Debian's pool, checks every sha256 and replaces a wrong file", async () => {
    const first = await fillMirror(dir, hello);
    expect(first.map((result) => result.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    for (const file of hello) expect(await sha256File(path.join(dir, file.path))).toBe(file.sha256);

    writeFileSync(path.join(dir, 'ftp.gnu.org/gnu/hello/hello-2.10.tar.gz.sig'), 'tampered');
    const second = await fillMirror(dir, hello);
    expect(second.map((result) => result.status)).toEqual(['present', 'downloaded', 'present', 'present']);
  });

  it('refuses a pool file whose hash differs from the manifest', async () => {
    const wrong = [{ ...hello[1]!, path: 'ftp.gnu.org/gnu/hello/wrong.sig', sha256: '0'.repeat(64) }];
    await expect(fillMirror(dir, wrong)).rejects.toThrow(/the manifest says 0{64}/);
  });

  it('serves an autoindex listing the html-index watcher can read', async () => {
    const response = await fetch(`${server.url}ftp.gnu.org/gnu/hello/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
    expect(links).toEqual(expect.arrayContaining(['hello-2.10.tar.gz', 'hello-2.10.tar.gz.sig', 'hello-2.12.3.tar.gz', 'hello-2.12.3.tar.gz.sig']));
  });

  it('serves files with Content-Length, ETag and Last-Modified, and answers conditional GETs with 304', async () => {
    const file = path.join(dir, 'ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz');
    utimesSync(file, new Date('2025-12-01T00:00:00Z'), new Date('2025-12-01T00:00:00Z'));
    const url = `${server.url}ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz`;
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(readFileSync(file).length);
    const etag = head.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(head.headers.get('last-modified')).toBe('Mon, 01 Dec 2025 00:00:00 GMT');

    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.length).toBe(readFileSync(file).length);
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-modified-since': 'Tue, 02 Dec 2025 00:00:00 GMT' } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-modified-since': 'Sun, 30 Nov 2025 00:00:00 GMT' } })).status).toBe(200);
  });

  it("verifies both hello releases from the mirror against the recipe's upstream keys", async () => {
    const { recipe, filesDir } = loadRecipeFile('recipes/hello.yaml');
    const mirrorUrl = new URL(server.url);
    const http = new HttpClient({
      allowHosts: [mirrorUrl.host],
      rewrites: [{ from: 'https://ftp.gnu.org/', to: `${server.url}ftp.gnu.org/` }],
      timeoutMs: 30_000,
      maxBytes: 64 * 1024 * 1024,
      perHost: 2,
    });
    try {
      for (const version of ['2.10', '2.12.3']) {
        const release = { recipe: 'hello', upstreamVersion: version, url: `https://ftp.gnu.org/gnu/hello/hello-${version}.tar.gz`, seenAt: '2026-01-01T00:00:00Z' };
        const fetched = await fetchRelease(release, recipe.upstream, { http, cacheDir: path.join(dir, '.cache'), recipeFilesDir: filesDir });
        expect(fetched.verifiedBy).toEqual([expect.stringMatching(/^openpgp:[0-9A-F]{40}$/)]);
      }
    } finally {
      http.close();
    }
  });
});
