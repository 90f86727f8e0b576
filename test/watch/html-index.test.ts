import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/core/errors.js';
import { resetHostQueues } from '../../src/net/queue.js';
import { extractLinks, htmlIndex } from '../../src/watch/html-index/index.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const page = readFileSync(new URL('fixtures/autoindex.html', import.meta.url));
let server: Loopback | undefined;

afterEach(async () => {
  await server?.close();
  resetHostQueues();
});

describe('html-index', () => {
  it('case 4: finds versions in an autoindex page, resolving relative links and ignoring unsafe ones', async () => {
    server = await serve((req, res) => {
      if (req.url === '/gnu/hello') return res.writeHead(301, { location: '/gnu/hello/' }).end();
      return res.writeHead(200, { 'content-type': 'text/html', etag: '"idx"' }).end(page);
    });
    const ctx = testContext([server], 'hello');
    const releases = await htmlIndex.getReleases(
      { kind: 'html-index', url: `${server.url}/gnu/hello`, pattern: 'hello-(\\d[\\d.]*(?:rc\\d+)?)\\.tar\\.gz' },
      ctx,
    );
    expect(releases).toEqual([
      { version: '2.9', url: `${server.url}/gnu/hello/hello-2.9.tar.gz` },
      { version: '2.10', url: `${server.url}/gnu/hello/hello-2.10.tar.gz` },
      { version: '2.12.1', url: `${server.url}/gnu/hello/hello-2.12.1.tar.gz` },
      { version: '2.12.2', url: `${server.url}/gnu/hello/hello-2.12.2.tar.gz` },
      { version: '2.13rc1', url: `${server.url}/gnu/hello/hello-2.13rc1.tar.gz` },
      { version: '2.11', url: `${server.url}/gnu/hello/hello-2.11.tar.gz` },
      { version: '2.8', url: 'https://mirrors.example.org/gnu/hello/hello-2.8.tar.gz' },
    ]);
    // Stored for the next conditional request, under the final URL's request key.
    expect(ctx.store.get(`${server.url}/gnu/hello`)?.etag).toBe('"idx"');
  });

  it('answers an unchanged page from the cache after a 304', async () => {
    server = await serve((req, res) => {
      if (req.headers['if-none-match'] === '"idx"') return res.writeHead(304).end();
      return res.writeHead(200, { etag: '"idx"' }).end(page);
    });
    const ctx = testContext([server]);
    const upstream = { kind: 'html-index' as const, url: `${server.url}/`, pattern: 'hello-([\\d.]+)\\.tar\\.gz' };
    const first = await htmlIndex.getReleases(upstream, ctx);
    const second = await htmlIndex.getReleases(upstream, ctx);
    expect(second).toEqual(first);
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"idx"']);
  });

  it('returns null for a missing page and throws for a failing one', async () => {
    server = await serve((req, res) => res.writeHead(req.url === '/missing/' ? 404 : 503).end());
    const ctx = testContext([server], 'hello');
    expect(await htmlIndex.getReleases({ kind: 'html-index', url: `${server.url}/missing/`, pattern: 'x-(\\d+)' }, ctx)).toBeNull();
    await expect(htmlIndex.getReleases({ kind: 'html-index', url: `${server.url}/down/`, pattern: 'x-(\\d+)' }, ctx)).rejects.toThrow(
      UpstreamError,
    );
  });

  it('extracts hrefs with a real HTML parser (entities, case, quotes)', () => {
    expect(extractLinks(`<A HREF='a.tar.gz'>a</A><a href="b&amp;c.tar.gz">b</a><a name="x">no</a><!-- <a href="c.tar.gz"> -->`)).toEqual([
      'a.tar.gz',
      'b&c.tar.gz',
    ]);
  });
});
