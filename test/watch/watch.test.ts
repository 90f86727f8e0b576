import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { HttpClient } from '../../src/net/http.js';
import { resetHostQueues } from '../../src/net/queue.js';
import type { LoadedRecipe } from '../../src/recipe/load.js';
import type { Recipe, Upstream } from '../../src/recipe/schema.js';
import { StateStore } from '../../src/state/store.js';
import { watchAll } from '../../src/watch/watch.js';
import { serve, type Loopback } from '../net/loopback.js';

let server: Loopback | undefined;
let http: HttpClient | undefined;

afterEach(async () => {
  http?.close();
  await server?.close();
  resetHostQueues();
});

function recipe(name: string, upstream: Upstream): LoadedRecipe {
  return { recipe: { name, upstream } as Recipe, file: `recipes/${name}.yaml`, filesDir: `recipes/${name}` };
}

function listing(files: string[]): string {
  return `<html><body><pre>${files.map((file) => `<a href="${file}">${file}</a>`).join('\n')}</pre></body></html>`;
}

const config = {} as ResolvedConfig;
let files: Record<string, string[]> = {};

async function upstreams(): Promise<Loopback> {
  server = await serve((req, res) => {
    const path = req.url!;
    if (path === '/404/') return res.writeHead(404).end();
    if (path === '/500/') return res.writeHead(500).end();
    if (path === '/429/') return res.writeHead(429, { 'retry-after': '7200' }).end();
    if (path === '/slow/') return undefined;
    if (path === '/endless/') {
      res.writeHead(200);
      const timer = setInterval(() => res.write('<a href="x">'), 5);
      return res.on('close', () => clearInterval(timer));
    }
    if (path === '/npm-html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
    if (path === '/to-http/') return res.writeHead(302, { location: `${server!.url}/ok/` }).end();
    const listed = files[path];
    if (listed) return res.writeHead(200, { 'content-type': 'text/html' }).end(listing(listed));
    return res.writeHead(404).end();
  });
  http = new HttpClient(
    {
      allowHosts: [server.host, server.host.replace('127.0.0.1', 'localhost')],
      // The https upstream is served by the same loopback server under another name.
      rewrites: [{ from: 'https://secure.example/', to: server.url.replace('127.0.0.1', 'localhost') + '/' }],
      timeoutMs: 300,
      maxBytes: 1_000_000,
      perHost: 4,
    },
    { baseDelayMs: 5, maxWaitMs: 1_000 },
  );
  return server;
}

const tarball = (name: string) => `${name}-(\\d[\\w.]*)\\.tar\\.gz`;

describe('watchAll', () => {
  it('case 6: gives each failing upstream an error naming its recipe while the others succeed', async () => {
    files = { '/ok/': ['good-1.9.tar.gz', 'good-1.10.tar.gz', 'good-1.10rc1.tar.gz', 'good-2.0~beta1.tar.gz'] };
    const url = (await upstreams()).url;
    const state = StateStore.openFile(':memory:');
    const html = (name: string, path: string) => recipe(name, { kind: 'html-index', url: `${url}${path}`, pattern: tarball('good') });
    const recipes = [
      html('good', '/ok/'),
      html('missing', '/404/'),
      html('broken', '/500/'),
      html('limited', '/429/'),
      html('slow', '/slow/'),
      html('endless', '/endless/'),
      recipe('htmljson', { kind: 'npm', package: 'npm-html', registry: url }),
      html('downgraded', '/to-http/'),
    ];
    recipes[7]!.recipe.upstream = { kind: 'html-index', url: 'https://secure.example/to-http/', pattern: tarball('good') };
    const results = await watchAll(recipes, config, state, { http, now: () => '2025-06-01T00:00:00.000Z' });
    const byName = Object.fromEntries(results.map((result) => [result.recipe, result]));

    expect(byName.good!.error).toBeUndefined();
    expect(byName.good!.newest?.upstreamVersion).toBe('1.10');
    expect(byName.good!.versions.map((v) => v.upstreamVersion)).toEqual(['1.10', '1.9']);
    expect(byName.good!.current).toEqual({ upstreamVersion: '1.10', seenAt: '2025-06-01T00:00:00.000Z', isNew: true });
    expect(state.releases('good').map((row) => row.upstreamVersion)).toEqual(['1.10']);

    const expected: Record<string, RegExp> = {
      missing: /^missing: html-index:.*no such project upstream \(404\)/,
      broken: /^broken: .*HTTP 500 \(gave up after 3 tries\)/,
      limited: /^limited: .*HTTP 429, asked to retry in 7200s/,
      slow: /^slow: .*no complete answer within 0\.3s/,
      endless: /^endless: .*no complete answer within 0\.3s/,
      htmljson: /^htmljson: .*expected JSON, got text\/html/,
      downgraded: /^downgraded: .*refusing redirect from https to http/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      expect(byName[name]!.error, name).toMatch(pattern);
      expect(state.releases(name), name).toEqual([]);
      expect(state.lastCheck(name)?.ok, name).toBe(false);
    }
    expect(state.lastCheck('good')).toMatchObject({ ok: true, newest: '1.10' });
  });

  it('case 3: never steps back when upstream goes backwards or its releases disappear', async () => {
    files = { '/app/': ['app-2.0.tar.gz', 'app-1.9.tar.gz'] };
    const url = (await upstreams()).url;
    const state = StateStore.openFile(':memory:');
    const app = [recipe('app', { kind: 'html-index', url: `${url}/app/`, pattern: tarball('app') })];
    await watchAll(app, config, state, { http, now: () => '2025-01-01T00:00:00.000Z' });
    expect(state.releases('app').map((row) => row.upstreamVersion)).toEqual(['2.0']);

    files['/app/'] = ['app-1.9.tar.gz'];
    const [backwards] = await watchAll(app, config, state, { http, now: () => '2025-02-01T00:00:00.000Z' });
    expect(backwards!.error).toBeUndefined();
    expect(backwards!.newest).toBeUndefined();
    expect(backwards!.warnings).toEqual(["upstream's newest version 1.9 is older than 2.0, seen before; keeping 2.0"]);
    expect(backwards!.current).toEqual({ upstreamVersion: '2.0', seenAt: '2025-01-01T00:00:00.000Z', isNew: false });

    files['/app/'] = ['README'];
    const [gone] = await watchAll(app, config, state, { http });
    expect(gone!.warnings).toEqual(['upstream lists no wanted version any more; keeping 2.0']);
    expect(state.releases('app').map((row) => row.upstreamVersion)).toEqual(['2.0']);
    expect(state.lastCheck('app')?.newest).toBe('2.0');
  });

  it('case 1: rejects hostile version strings before any state change and applies mangle, versions and prerelease rules', async () => {
    files = {
      '/evil/': ['evil-$(reboot).tar.gz', 'evil-`id`.tar.gz', `evil-${'9'.repeat(300)}.tar.gz`, 'evil--rf.tar.gz', 'evil-1.0.tar.gz'],
      '/rules/': ['tool-3_1.tar.gz', 'tool-2_9.tar.gz', 'tool-4_0rc1.tar.gz'],
    };
    const url = (await upstreams()).url;
    const state = StateStore.openFile(':memory:');
    const results = await watchAll(
      [
        recipe('evil', { kind: 'html-index', url: `${url}/evil/`, pattern: 'evil-(.+)\\.tar\\.gz' }),
        recipe('rules', {
          kind: 'html-index',
          url: `${url}/rules/`,
          pattern: 'tool-([\\w]+)\\.tar\\.gz',
          mangle: [{ match: '_', replace: '.' }],
          versions: '^[23]\\.',
          prerelease: 'include',
        }),
      ],
      config,
      state,
      { http },
    );
    const [evil, rules] = results;
    expect(evil!.newest?.upstreamVersion).toBe('1.0');
    expect(evil!.warnings).toHaveLength(4);
    expect(evil!.warnings.every((warning) => warning.startsWith('refusing upstream version'))).toBe(true);
    expect(state.releases('evil').map((row) => row.upstreamVersion)).toEqual(['1.0']);
    expect(rules!.versions.map((v) => v.upstreamVersion)).toEqual(['3.1', '2.9']);
  });
});
