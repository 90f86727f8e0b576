import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeStatus } from '../../src/report/write.js';
import type { FreshetServer } from '../../src/serve/server.js';
import { sign } from '../../src/serve/webhook.js';
import { makeFixture, NOW } from '../report/fixture.js';
import { SECRET, startTestServer } from './start.js';

const fixture = makeFixture({ webhooks: { hello: { secretEnv: 'HELLO_HOOK_SECRET' }, frob: { secretEnv: 'FROB_HOOK_SECRET' } } });
const calls: Array<{ recipes?: string[] }> = [];
let release: (() => void) | undefined;
let server: FreshetServer;
let statusWrites = 0;

beforeAll(async () => {
  await writeStatus(fixture.config, fixture.state, NOW, { recipes: fixture.recipes, fingerprint: null });
  server = await startTestServer(fixture, {
    maxBodyBytes: 1024,
    runPipeline: async (_config, options) => {
      calls.push({ recipes: options.recipes });
      await new Promise<void>((resolve) => (release = resolve));
    },
    writeStatus: async () => {
      statusWrites += 1;
    },
  });
});
afterEach(async () => {
  // Let every queued fake run finish.
  while (server.queue.snapshot().running.length > 0) {
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await server.queue.whenIdle();
  calls.length = 0;
});
afterAll(async () => {
  await server.close();
  fixture.state.close();
});

const body = JSON.stringify({ action: 'published', release: { tag_name: 'v2.13' } });
const post = (path: string, headers: Record<string, string>, payload: string = body) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });

describe('webhooks', () => {
  it('case 31: 401 without a signature, with a bad one, for an unknown recipe, or with no secret set; nothing runs', async () => {
    const responses = await Promise.all([
      post('hooks/hello', {}),
      post('hooks/hello', { 'x-hub-signature-256': sign('wrong-secret-wrong-secret', body) }),
      post('hooks/hello', { 'x-hub-signature-256': sign(SECRET, `${body} `) }),
      post('hooks/hello', { 'x-hub-signature-256': sign(SECRET, body).slice(0, -2) }),
      post('hooks/hello', { 'x-hub-signature-256': sign(SECRET, body).replace('sha256=', 'sha1=') }),
      post('hooks/nosuch', { 'x-hub-signature-256': sign(SECRET, body) }),
      post('hooks/__proto__', { 'x-hub-signature-256': sign(SECRET, body) }),
      post('hooks/frob', { 'x-hub-signature-256': sign(SECRET, body) }),
      post('hooks/frob', { 'x-hub-signature-256': sign('', body) }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401]);
    await server.queue.whenIdle();
    expect(calls).toEqual([]);
    expect(server.queue.snapshot()).toEqual({ running: [], waiting: [] });
  });

  it('202 on a good GitHub signature, and the pipeline runs for that recipe', async () => {
    const response = await post('hooks/hello', { 'x-hub-signature-256': sign(SECRET, body) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ recipe: 'hello', run: 'started' });
    expect(calls).toEqual([{ recipes: ['hello'] }]);
    const writes = statusWrites;
    release!();
    await server.queue.whenIdle();
    expect(statusWrites).toBe(writes + 1);
  });

  it('accepts the generic X-Freshet-Signature-256 header', async () => {
    const response = await post('hooks/hello', { 'x-freshet-signature-256': sign(SECRET, body) });
    expect(response.status).toBe(202);
  });

  it('runs one pipeline at a time and coalesces hooks that arrive meanwhile', async () => {
    const headers = { 'x-hub-signature-256': sign(SECRET, body) };
    const first = await (await post('hooks/hello', headers)).json();
    const second = await (await post('hooks/hello', headers)).json();
    const third = await (await post('hooks/hello', headers)).json();
    expect([first, second, third].map((answer) => (answer as { run: string }).run)).toEqual(['started', 'queued', 'coalesced']);
    expect(calls).toHaveLength(1);
    release!();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    release!();
    await server.queue.whenIdle();
    expect(calls).toHaveLength(2);
  });

  it('case 31: 413 for a body over the cap, and nothing runs', async () => {
    const big = 'x'.repeat(4096);
    const response = await post('hooks/hello', { 'x-hub-signature-256': sign(SECRET, big) }, big);
    expect(response.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('405 for GET on a hook', async () => {
    expect((await fetch(`${server.url}hooks/hello`)).status).toBe(405);
  });
});

describe('serving', () => {
  it('serves the status page and badges from the archive root', async () => {
    const page = await fetch(`${server.url}status/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('freshet status');
    const badge = await fetch(`${server.url}badges/hello.svg`);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('GET /metrics answers in the Prometheus text format', async () => {
    const response = await fetch(`${server.url}metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE freshet_builds_total counter');
    expect(text).toContain('freshet_builds_total{recipe="hello",target="debian-12",status="ok"} 2');
    expect(text).toMatch(/freshet_webhook_requests_total\{result="unauthorized"\} \d+/);
  });
});
