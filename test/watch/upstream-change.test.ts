import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRelease } from '../../src/fetch/fetch.js';
import { loadConfig } from '../../src/config/load.js';
import { HttpClient } from '../../src/net/http.js';
import { httpPolicy } from '../../src/net/policy.js';
import { resetHostQueues } from '../../src/net/queue.js';
import { rpmProject, watchRecipe, withState } from '../cli/rpm-project.js';
import { runCli } from '../cli/run-cli.js';
import { serve, type Loopback } from '../net/loopback.js';

/**
 * A packager changes a recipe's `upstream:` after freshet has seen a version: the next watch
 * fetches that version from where the recipe now points, the recorded tarball hash still refuses
 * other bytes (case 9), and `freshet forget` makes freshet record a release afresh.
 */
let server: Loopback;
let dir = '';
let config = '';
const served: Record<string, Buffer> = { '/old/app-1.0.tar.gz': Buffer.from('old bytes'), '/new/app-1.0.tar.gz': Buffer.from('new bytes') };

function writeRecipe(folder: string): void {
  writeFileSync(path.join(dir, 'recipes', 'app.yaml'), watchRecipe('app', ['kind: html-index', `url: ${server.url}/${folder}/`, 'pattern: app-(\\d[\\d.]*)\\.tar\\.gz']));
}

beforeAll(async () => {
  server = await serve((req, res) => {
    const url = req.url ?? '';
    if (url === '/old/' || url === '/new/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><a href="app-1.0.tar.gz">app-1.0.tar.gz</a></html>');
    const body = served[url];
    return body ? res.writeHead(200).end(body) : res.writeHead(404).end();
  });
  ({ dir, config } = rpmProject('freshet-upstream-change-', { allowHosts: [server.host], limits: { httpTimeoutSeconds: 5 } }));
});

afterAll(async () => {
  await server.close();
  resetHostQueues();
  rmSync(dir, { recursive: true, force: true });
});

describe('changing a recipe upstream after a version was seen', () => {
  it('case 9: the next watch re-resolves the URL of a known version; other bytes there are still refused; freshet forget records it afresh', async () => {
    writeRecipe('old');
    expect((await runCli(['--config', config, 'watch'])).code).toBe(0);
    const oldSha = createHash('sha256').update(served['/old/app-1.0.tar.gz']!).digest('hex');
    withState(dir, (state) => state.setReleaseHash('app', '1.0', oldSha, 9));

    writeRecipe('new');
    const moved = await runCli(['--config', config, 'watch']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('known release now fetched from a new URL');
    const row = withState(dir, (state) => state.release('app', '1.0'))!;
    expect(row.url).toBe(`${server.url}/new/app-1.0.tar.gz`);
    expect(row.sha256).toBe(oldSha);

    // The new URL serves other bytes: refused against the hash first recorded.
    const http = new HttpClient(httpPolicy(loadConfig(config)));
    const fetch = () =>
      fetchRelease({ ...row, signatureUrl: undefined, checksumUrl: undefined }, { kind: 'html-index' } as never, {
        http,
        cacheDir: path.join(dir, 'cache'),
        recipeFilesDir: path.join(dir, 'recipes', 'app'),
        knownSha256: row.sha256!,
      });
    await expect(fetch()).rejects.toThrow(/re-served version 1\.0 with different bytes/);
    http.close();

    const forgot = await runCli(['--config', config, 'forget', 'app', '1.0']);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toContain('app: forgot 1 release');
    expect(withState(dir, (state) => state.release('app', '1.0'))).toBeUndefined();
    expect((await runCli(['--config', config, 'watch'])).code).toBe(0);
    expect(withState(dir, (state) => state.release('app', '1.0'))).toMatchObject({ url: `${server.url}/new/app-1.0.tar.gz`, sha256: null });

    const unknown = await runCli(['--config', config, 'forget', 'app', '9.9']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('app 9.9: no such release recorded');
  });
});
