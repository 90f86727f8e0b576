import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetHostQueues } from '../../src/net/queue.js';
import { rpmProject, watchRecipe } from '../cli/rpm-project.js';
import { runCli } from '../cli/run-cli.js';
import { serve, type Loopback } from '../net/loopback.js';

/**
 * `freshet watch` as an operator runs it, against a loopback upstream that misbehaves.
 * RELIABILITY case 3 (newest goes backwards or disappears: no downgrade, a warning, state kept)
 * and case 5 (403/429 with reset headers, HTML with status 200, truncated JSON: an error for
 * that recipe only, exit 1, the other recipes still checked).
 */
let server: Loopback;
let dir = '';
let config = '';
let appFiles: string[] = [];
const resetAt = () => String(Math.floor(Date.now() / 1000) + 7200);

function writeRecipe(name: string, upstream: string[]): void {
  writeFileSync(path.join(dir, 'recipes', `${name}.yaml`), watchRecipe(name, upstream));
}

beforeAll(async () => {
  server = await serve((req, res) => {
    const url = req.url ?? '';
    if (url === '/app/') {
      const links = appFiles.map((file) => `<a href="${file}">${file}</a>`).join('\n');
      return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><pre>${links}</pre></html>`);
    }
    if (url.startsWith('/gh/repos/')) {
      return res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetAt(), 'content-type': 'application/json' }).end('{"message":"API rate limit exceeded"}');
    }
    if (url.startsWith('/limited/')) return res.writeHead(429, { 'retry-after': '7200' }).end();
    if (url.startsWith('/npm-html/')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
    if (url.startsWith('/pypi-cut/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"info": {"name": "cut", "version": "1.');
    return res.writeHead(404).end();
  });
  ({ dir, config } = rpmProject('freshet-watch-cli-', { allowHosts: [server.host], limits: { httpTimeoutSeconds: 5 } }));
  writeRecipe('app', ['kind: html-index', `url: ${server.url}/app/`, 'pattern: app-(\\d[\\d.]*)\\.tar\\.gz']);
});

afterAll(async () => {
  await server.close();
  resetHostQueues();
  rmSync(dir, { recursive: true, force: true });
});

describe('freshet watch against a misbehaving upstream', () => {
  it('case 3: never downgrades when the newest version goes backwards or disappears: it warns and keeps the state', async () => {
    appFiles = ['app-1.9.tar.gz', 'app-2.0.tar.gz'];
    const first = await runCli(['--config', config, 'watch']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^app: 2\.0 NEW, seen /m);

    appFiles = ['app-1.9.tar.gz'];
    const backwards = await runCli(['--config', config, 'watch']);
    expect(backwards.code).toBe(0);
    // Still 2.0 (NEW only because no target has it yet), never 1.9.
    expect(backwards.stdout).toMatch(/^app: 2\.0( NEW)?, seen /m);
    expect(backwards.stderr).toContain("warn: upstream's newest version 1.9 is older than 2.0, seen before; keeping 2.0 (recipe=app)");

    appFiles = [];
    const gone = await runCli(['--config', config, '--json', 'watch']);
    expect(gone.code).toBe(0);
    const report = JSON.parse(gone.stdout) as { recipes: Array<{ recipe: string; newest?: string; warnings: string[] }> };
    expect(report.recipes).toEqual([expect.objectContaining({ recipe: 'app', newest: '2.0', warnings: ['upstream lists no wanted version any more; keeping 2.0'] })]);
  });

  it('case 5: gives 403 and 429 with reset headers, HTML with status 200 and truncated JSON an error each, exits 1 and still checks the others', async () => {
    appFiles = ['app-2.0.tar.gz', 'app-2.1.tar.gz'];
    writeRecipe('ratelimited', ['kind: github', 'repo: owner/project', `api: ${server.url}/gh`]);
    writeRecipe('limited', ['kind: html-index', `url: ${server.url}/limited/`, 'pattern: x-(\\d+)\\.tar\\.gz']);
    writeRecipe('htmlpage', ['kind: npm', 'package: htmlpage', `registry: ${server.url}/npm-html`]);
    writeRecipe('cut', ['kind: pypi', 'project: cut', `index: ${server.url}/pypi-cut`]);
    const result = await runCli(['--config', config, 'watch']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ratelimited: FAILED ratelimited: .*HTTP 403, asked to retry in 7\d{3}s/m);
    expect(result.stdout).toMatch(/^limited: FAILED .*HTTP 429, asked to retry in 7200s/m);
    expect(result.stdout).toMatch(/^htmlpage: FAILED .*expected JSON, got text\/html/m);
    expect(result.stdout).toMatch(/^cut: FAILED cut: .*expected JSON.*Unterminated string in JSON/m);
    expect(result.stdout).toMatch(/^app: 2\.1 NEW, seen /m);
    expect(result.stdout).toContain('1 of 5 upstreams checked');
    // Each failing upstream was asked a bounded number of times (backoff, not a hammering loop).
    expect(server.requests.filter((req) => req.url?.startsWith('/gh/')).length).toBeLessThanOrEqual(3);
  });
});
