import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { resetHostQueues } from '../../src/net/queue.js';
import { pypi } from '../../src/watch/pypi/index.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const project = readFileSync(new URL('fixtures/pypi-project.json', import.meta.url));
let server: Loopback | undefined;

afterEach(async () => {
  await server?.close();
  resetHostQueues();
});

describe('pypi', () => {
  it('lists sdists per version with their sha256, skipping yanked files and wheel-only versions', async () => {
    server = await serve((req, res) =>
      req.url === '/pypi/attrs/json' ? res.writeHead(200, { 'content-type': 'application/json' }).end(project) : res.writeHead(404).end('{"message": "Not Found"}'),
    );
    const ctx = testContext([server], 'python-attrs');
    expect(await pypi.getReleases({ kind: 'pypi', project: 'attrs', index: `${server.url}/pypi` }, ctx)).toEqual([
      {
        version: '25.1.0',
        url: 'https://files.pythonhosted.org/packages/49/7c/attrs-25.1.0.tar.gz',
        sha256: '1c97078a80c814273a76b2a298a932eb681c87415c11dee0a6921de7f1b02c3e',
        publishedAt: '2025-01-25T11:30:10.164985Z',
      },
      {
        version: '25.3.0',
        url: 'https://files.pythonhosted.org/packages/5a/b0/attrs-25.3.0.tar.gz',
        sha256: '75d7cefc7fb576747b2c81b4442d4d4a1ce0900973527c011d1030fd3bf4af1b',
        publishedAt: '2025-03-13T11:10:22.779404Z',
      },
    ]);
    expect(await pypi.getReleases({ kind: 'pypi', project: 'nope', index: `${server.url}/pypi` }, ctx)).toBeNull();
  });

  it('case 5: throws on truncated JSON and on a body of the wrong shape', async () => {
    server = await serve((req, res) => (req.url!.startsWith('/pypi/cut') ? res.end(project.subarray(0, 500)) : res.end('{"releases": []}')));
    const ctx = testContext([server], 'python-attrs');
    await expect(pypi.getReleases({ kind: 'pypi', project: 'cut', index: `${server.url}/pypi` }, ctx)).rejects.toThrow(/expected JSON/);
    await expect(pypi.getReleases({ kind: 'pypi', project: 'odd', index: `${server.url}/pypi` }, ctx)).rejects.toThrow(/unexpected answer: releases/);
  });
});
