import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { resetHostQueues } from '../../src/net/queue.js';
import { npm } from '../../src/watch/npm/index.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const packument = readFileSync(new URL('fixtures/npm-packument.json', import.meta.url));
let server: Loopback | undefined;

afterEach(async () => {
  await server?.close();
  resetHostQueues();
});

describe('npm', () => {
  it('lists versions with their tarballs from abbreviated metadata', async () => {
    server = await serve((req, res) => {
      if (req.url === '/left-pad') return res.writeHead(200, { 'content-type': 'application/vnd.npm.install-v1+json' }).end(packument);
      if (req.url === '/@scope%2fpkg') return res.end(JSON.stringify({ versions: { '0.1.0': { dist: { tarball: 'https://r/@scope/pkg/-/pkg-0.1.0.tgz' } } }, time: { '0.1.0': '2024-01-01T00:00:00Z' } }));
      return res.writeHead(404).end('{"error":"Not found"}');
    });
    const ctx = testContext([server], 'left-pad');
    expect(await npm.getReleases({ kind: 'npm', package: 'left-pad', registry: server.url }, ctx)).toEqual([
      { version: '1.2.0', url: 'https://registry.npmjs.org/left-pad/-/left-pad-1.2.0.tgz', publishedAt: undefined },
      { version: '1.3.0', url: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz', publishedAt: undefined },
      { version: '2.0.0-beta.1', url: 'https://registry.npmjs.org/left-pad/-/left-pad-2.0.0-beta.1.tgz', publishedAt: undefined },
    ]);
    expect(server.requests[0]!.headers.accept).toMatch(/^application\/vnd\.npm\.install-v1\+json/);
    expect(await npm.getReleases({ kind: 'npm', package: '@scope/pkg', registry: server.url }, ctx)).toEqual([
      { version: '0.1.0', url: 'https://r/@scope/pkg/-/pkg-0.1.0.tgz', publishedAt: '2024-01-01T00:00:00Z' },
    ]);
    expect(await npm.getReleases({ kind: 'npm', package: 'no-such', registry: server.url }, ctx)).toBeNull();
  });

  it('case 5: throws on truncated JSON and on HTML with status 200', async () => {
    server = await serve((req, res) =>
      req.url === '/cut' ? res.end(packument.subarray(0, packument.length - 30)) : res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
    );
    const ctx = testContext([server], 'left-pad');
    await expect(npm.getReleases({ kind: 'npm', package: 'cut', registry: server.url }, ctx)).rejects.toThrow(/^left-pad \(npm:cut\): .*expected JSON/);
    await expect(npm.getReleases({ kind: 'npm', package: 'html', registry: server.url }, ctx)).rejects.toThrow(/got text\/html/);
  });
});
