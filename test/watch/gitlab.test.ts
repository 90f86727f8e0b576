import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpClient } from '../../src/net/http.js';
import { DEFAULT_FORGE_ORIGINS } from '../../src/net/policy.js';
import { resetHostQueues } from '../../src/net/queue.js';
import { gitlab } from '../../src/watch/gitlab/index.js';
import { watchContext } from '../../src/watch/watch.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const releases = readFileSync(new URL('fixtures/gitlab-releases.json', import.meta.url));
let server: Loopback | undefined;
let other: Loopback | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  await other?.close();
  other = undefined;
  vi.unstubAllEnvs();
  resetHostQueues();
});

const TOKEN = 'glpat-abcdefghijklmnopqrstuv';

/** The context `freshet watch` builds: GITLAB_TOKEN from the environment, its origin from the policy (config `forges`). */
function configuredContext(gitlabOrigin: string, allow: Loopback[]) {
  vi.stubEnv('GITLAB_TOKEN', TOKEN);
  client = new HttpClient(
    { allowHosts: allow.map((s) => s.host), rewrites: [], timeoutMs: 2_000, maxBytes: 1_000_000, perHost: 4, forgeOrigins: { ...DEFAULT_FORGE_ORIGINS, gitlab: gitlabOrigin } },
    { baseDelayMs: 5 },
  );
  return watchContext(client, { httpCache: () => undefined, setHttpCache: () => undefined }, 'tool');
}

describe('gitlab', () => {
  it('reads releases and follows x-next-page', async () => {
    server = await serve((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname !== '/api/v4/projects/inkscape%2Finkscape/releases') return res.writeHead(404).end();
      if (url.searchParams.get('page') === '2') {
        return res.writeHead(200, { 'x-next-page': '' }).end(JSON.stringify([{ tag_name: 'v16.1', released_at: '2024-01-01T00:00:00Z' }]));
      }
      return res.writeHead(200, { 'x-next-page': '2', 'x-page': '1' }).end(releases);
    });
    const ctx = testContext([server], 'inkscape');
    ctx.tokens.gitlab = { token: 'glpat-abcdefghijklmnopqrstuv', origin: server.url };
    const found = await gitlab.getReleases({ kind: 'gitlab', project: 'inkscape/inkscape', host: server.url }, ctx);
    expect(found).toEqual([
      { version: '17.0.2', url: 'https://gitlab.com/inkscape/inkscape/-/archive/v17.0.2/inkscape-v17.0.2.tar.gz', publishedAt: '2025-03-02T10:00:00.000Z', prerelease: false },
      { version: '18.0.0', url: `${server.url}/inkscape/inkscape/-/archive/v18.0.0/inkscape-v18.0.0.tar.gz`, publishedAt: '2030-01-01T00:00:00.000Z', prerelease: true },
      { version: '16.1', url: `${server.url}/inkscape/inkscape/-/archive/v16.1/inkscape-v16.1.tar.gz`, publishedAt: '2024-01-01T00:00:00Z', prerelease: false },
    ]);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer glpat-abcdefghijklmnopqrstuv');
  });

  it('reads tags with use: tags, and null for a missing project', async () => {
    server = await serve((req, res) => {
      if (req.url === '/api/v4/projects/group%2Fsub%2Ftool/repository/tags?per_page=100') {
        return res.end(JSON.stringify([{ name: 'tool-3.1', commit: { created_at: '2024-05-05T00:00:00Z' } }]));
      }
      return res.writeHead(404).end('{"message":"404 Project Not Found"}');
    });
    const ctx = testContext([server]);
    expect(await gitlab.getReleases({ kind: 'gitlab', project: 'group/sub/tool', host: server.url, use: 'tags', tagPattern: 'tool-(.+)' }, ctx)).toEqual([
      { version: '3.1', url: `${server.url}/group/sub/tool/-/archive/tool-3.1/tool-tool-3.1.tar.gz`, publishedAt: '2024-05-05T00:00:00Z' },
    ]);
    expect(await gitlab.getReleases({ kind: 'gitlab', project: 'no/such', host: server.url }, ctx)).toBeNull();
  });

  it('case 5: throws on HTML with status 200 and on a 5xx', async () => {
    server = await serve((req, res) =>
      req.url!.includes('html') ? res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>Sign in') : res.writeHead(502).end(),
    );
    const ctx = testContext([server], 'tool');
    await expect(gitlab.getReleases({ kind: 'gitlab', project: 'g/html', host: server.url }, ctx)).rejects.toThrow(/expected JSON, got text\/html/);
    await expect(gitlab.getReleases({ kind: 'gitlab', project: 'g/down', host: server.url }, ctx)).rejects.toThrow(/HTTP 502/);
  });

  describe('GITLAB_TOKEN goes only to the configured GitLab origin', () => {
    const tags = JSON.stringify([{ name: 'v1.0', commit: { created_at: '2024-05-05T00:00:00Z' } }]);

    it('case 35: sends the token to the configured host and never to a Link rel=next on another origin', async () => {
      other = await serve((_req, res) => res.end(tags));
      server = await serve((_req, res) => res.writeHead(200, { link: `<${other!.url}/api/v4/projects/g%2Ftool/repository/tags?page=2>; rel="next"` }).end(tags));
      const ctx = configuredContext(server.url, [server, other]);
      expect(await gitlab.getReleases({ kind: 'gitlab', project: 'g/tool', host: server.url, use: 'tags' }, ctx)).toHaveLength(2);
      expect(server.requests.map((req) => req.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    });

    it('case 35: a recipe upstream.host on another origin is read without the token', async () => {
      other = await serve((_req, res) => res.end(tags));
      server = await serve((_req, res) => res.end(tags));
      const ctx = configuredContext(server.url, [server, other]);
      expect(await gitlab.getReleases({ kind: 'gitlab', project: 'g/tool', host: other.url, use: 'tags' }, ctx)).toHaveLength(1);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
      expect(server.requests).toHaveLength(0);
    });

    it('case 35: without a forges.gitlab entry the token is only for https://gitlab.com, not a recipe host', async () => {
      server = await serve((_req, res) => res.end(tags));
      const ctx = configuredContext(DEFAULT_FORGE_ORIGINS.gitlab, [server]);
      await gitlab.getReleases({ kind: 'gitlab', project: 'g/tool', host: server.url, use: 'tags' }, ctx);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.headers.authorization).toBeUndefined();
    });
  });
});
