import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http.js';
import { resetHostQueues } from '../../src/net/queue.js';
import { github } from '../../src/watch/github/index.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const page1 = readFileSync(new URL('fixtures/github-releases-page1.json', import.meta.url));
const page2 = readFileSync(new URL('fixtures/github-releases-page2.json', import.meta.url));
let server: Loopback | undefined;
let other: Loopback | undefined;

afterEach(async () => {
  await server?.close();
  await other?.close();
  other = undefined;
  resetHostQueues();
});

const TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ';
const json = { 'content-type': 'application/json; charset=utf-8' };

function api(handler: Parameters<typeof serve>[0]) {
  return serve(handler).then((started) => (server = started));
}

describe('github', () => {
  it('reads every page of releases, skips drafts, flags pre-releases, matches assets', async () => {
    await api((req, res) => {
      const json = { 'content-type': 'application/json; charset=utf-8' };
      if (req.url === '/repos/jqlang/jq/releases?per_page=100') {
        return res.writeHead(200, { ...json, link: `<${server!.url}/repositories/5101141/releases?per_page=100&page=2>; rel="next", <${server!.url}/repositories/5101141/releases?per_page=100&page=2>; rel="last"` }).end(page1);
      }
      if (req.url === '/repositories/5101141/releases?per_page=100&page=2') return res.writeHead(200, json).end(page2);
      return res.writeHead(404).end('{"message":"Not Found"}');
    });
    const ctx = testContext([server!], 'jq');
    ctx.tokens.github = { token: 'ghp_0123456789abcdefghijABCDEFGHIJ', origin: server!.url };
    const releases = await github.getReleases(
      { kind: 'github', repo: 'jqlang/jq', api: server!.url, tagPattern: 'jq-(.+)', asset: 'jq-[\\d.rc]+\\.tar\\.gz' },
      ctx,
    );
    expect(releases).toEqual([
      { version: '1.8.0rc1', url: 'https://github.com/jqlang/jq/releases/download/jq-1.8.0rc1/jq-1.8.0rc1.tar.gz', prerelease: true, publishedAt: '2025-05-01T10:05:00Z' },
      { version: '1.7.1', url: 'https://github.com/jqlang/jq/releases/download/jq-1.7.1/jq-1.7.1.tar.gz', prerelease: false, publishedAt: '2023-12-13T19:25:55Z' },
      { version: '1.6', url: 'https://github.com/jqlang/jq/releases/download/jq-1.6/jq-1.6.tar.gz', prerelease: false, publishedAt: '2018-11-02T01:54:23Z' },
    ]);
    expect(server!.requests[0]!.headers.authorization).toBe('Bearer ghp_0123456789abcdefghijABCDEFGHIJ');
    expect(server!.requests[0]!.headers.accept).toBe('application/vnd.github+json');
  });

  it('uses the source tarball without an asset pattern, and reads tags with use: tags', async () => {
    await api((req, res) => {
      if (req.url === '/repos/jqlang/jq/releases?per_page=100') return res.end(page2);
      if (req.url === '/repos/jqlang/jq/tags?per_page=100') {
        return res.end(JSON.stringify([{ name: 'v2.0.1', tarball_url: 'https://api.github.com/repos/o/r/tarball/refs/tags/v2.0.1', commit: { sha: 'abc' } }]));
      }
      return res.writeHead(404).end();
    });
    const ctx = testContext([server!]);
    expect(await github.getReleases({ kind: 'github', repo: 'jqlang/jq', api: server!.url, tagPattern: 'jq-(.+)' }, ctx)).toEqual([
      { version: '1.6', url: 'https://api.github.com/repos/jqlang/jq/tarball/jq-1.6', prerelease: false, publishedAt: '2018-11-02T01:54:23Z' },
    ]);
    expect(await github.getReleases({ kind: 'github', repo: 'jqlang/jq', api: server!.url, use: 'tags' }, ctx)).toEqual([
      { version: '2.0.1', url: 'https://api.github.com/repos/o/r/tarball/refs/tags/v2.0.1' },
    ]);
  });

  it('returns null for a missing repository', async () => {
    await api((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}'));
    expect(await github.getReleases({ kind: 'github', repo: 'no/such', api: server!.url }, testContext([server!]))).toBeNull();
  });

  it('case 5: throws on an HTML page with status 200, on truncated JSON and on an exhausted rate limit', async () => {
    await api((req, res) => {
      if (req.url!.startsWith('/repos/html/')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Unicorn!</body></html>');
      if (req.url!.startsWith('/repos/cut/')) return res.writeHead(200, { 'content-type': 'application/json' }).end(page1.subarray(0, 200));
      const reset = String(Math.floor(Date.now() / 1000) + 3600);
      return res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }).end('{"message":"API rate limit exceeded"}');
    });
    const ctx = testContext([server!], 'jq');
    const html = github.getReleases({ kind: 'github', repo: 'html/x', api: server!.url }, ctx);
    await expect(html).rejects.toThrow(UpstreamError);
    await expect(html).rejects.toThrow(/^jq \(github:html\/x\): .*expected JSON, got text\/html/);
    await expect(github.getReleases({ kind: 'github', repo: 'cut/x', api: server!.url }, ctx)).rejects.toThrow(/expected JSON/);
    await expect(github.getReleases({ kind: 'github', repo: 'limited/x', api: server!.url }, ctx)).rejects.toThrow(/HTTP 403, asked to retry/);
  });

  describe('GITHUB_TOKEN goes only to the configured API origin', () => {
    it('case 35: sends the token to the API origin and never to a next-page link on another origin', async () => {
      other = await serve((_req, res) => res.writeHead(200, json).end(page2));
      await api((req, res) => {
        if (req.url !== '/repos/jqlang/jq/releases?per_page=100') return res.writeHead(404).end();
        return res.writeHead(200, { ...json, link: `<${other!.url}/repositories/5101141/releases?page=2>; rel="next"` }).end(page1);
      });
      const ctx = testContext([server!, other], 'jq');
      ctx.tokens.github = { token: TOKEN, origin: server!.url };
      const releases = await github.getReleases({ kind: 'github', repo: 'jqlang/jq', api: server!.url, tagPattern: 'jq-(.+)' }, ctx);
      expect(releases?.map((release) => release.version)).toEqual(['1.8.0rc1', '1.7.1', '1.6']);
      expect(server!.requests.map((req) => req.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    });

    it('case 35: a recipe whose api names another host is read without the token', async () => {
      other = await serve((_req, res) => res.writeHead(200, json).end(page2));
      await api((_req, res) => res.writeHead(200, json).end('[]'));
      const ctx = testContext([server!, other], 'jq');
      ctx.tokens.github = { token: TOKEN, origin: server!.url };
      expect(await github.getReleases({ kind: 'github', repo: 'jqlang/jq', api: other.url, tagPattern: 'jq-(.+)' }, ctx)).toHaveLength(1);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
      expect(server!.requests).toHaveLength(0);
    });

    it('case 35: never sends the token over plain http, even when a rewrite serves the API origin from a mirror', async () => {
      await api((_req, res) => res.writeHead(200, json).end(page2));
      const ctx = testContext([server!], 'jq');
      ctx.http = new HttpClient({ ...ctx.http.policy, rewrites: [{ from: 'https://api.github.com/', to: `${server!.url}/` }] }, { baseDelayMs: 5 });
      ctx.tokens.github = { token: TOKEN, origin: 'https://api.github.com' };
      expect(await github.getReleases({ kind: 'github', repo: 'jqlang/jq', tagPattern: 'jq-(.+)' }, ctx)).toHaveLength(1);
      expect(server!.requests).toHaveLength(1);
      expect(server!.requests[0]!.headers.authorization).toBeUndefined();
      ctx.http.close();
    });
  });
});
