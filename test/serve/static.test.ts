import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';

let server: RunningServer;
let outside: string;

beforeAll(async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'freshet-static-'));
  outside = mkdtempSync(path.join(tmpdir(), 'freshet-outside-'));
  writeFileSync(path.join(outside, 'secret'), 'secret');
  mkdirSync(path.join(root, 'gnu/hello'), { recursive: true });
  writeFileSync(path.join(root, 'gnu/hello/hello-2.12.3.tar.gz'), 'tarball');
  writeFileSync(path.join(root, 'gnu/hello/<script>.txt'), 'x');
  symlinkSync(path.join(outside, 'secret'), path.join(root, 'escape'));
  server = await listen(createStaticHandler({ root, listings: true }), '127.0.0.1', 0);
});
afterAll(() => server.close());

describe('static server', () => {
  it('serves files with validators and answers 304 to conditional requests', async () => {
    const first = await fetch(`${server.url}gnu/hello/hello-2.12.3.tar.gz`);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('tarball');
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${server.url}gnu/hello/hello-2.12.3.tar.gz`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const since = await fetch(`${server.url}gnu/hello/hello-2.12.3.tar.gz`, { headers: { 'if-modified-since': first.headers.get('last-modified')! } });
    expect(since.status).toBe(304);
  });

  it('case 30: lists folders with escaped names', async () => {
    const page = await (await fetch(`${server.url}gnu/hello/`)).text();
    expect(page).toContain('<a href="hello-2.12.3.tar.gz">hello-2.12.3.tar.gz</a>');
    expect(page).toContain('&#60;script&#62;.txt');
    expect(page).not.toContain('<script>');
  });

  it('never serves a path outside the root', async () => {
    expect((await fetch(`${server.url}..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.url}escape`)).status).toBe(404);
    expect((await fetch(`${server.url}%00`)).status).toBe(404);
  });
});
