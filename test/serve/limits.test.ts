import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as report from '../../src/report/write.js';
import type { FreshetServer, ServeOptions } from '../../src/serve/server.js';
import { MAX_HOOK_BODY_BYTES, sign } from '../../src/serve/webhook.js';
import { makeFixture } from '../report/fixture.js';
import { SECRET, startTestServer } from './start.js';

// Count how often /metrics builds the status document.
vi.mock(import('../../src/report/write.js'), async (importOriginal) => {
  const original = await importOriginal();
  return { ...original, buildStatus: vi.fn(original.buildStatus) };
});

const fixture = makeFixture({ webhooks: { hello: { secretEnv: 'HELLO_HOOK_SECRET' } } });
const FIFTY_MB = 50 * 1024 * 1024;
let server: FreshetServer | undefined;

beforeAll(() => {
  const repodata = path.join(fixture.config.archiveDir, 'rpm/debian-12-rpm/repodata');
  mkdirSync(repodata, { recursive: true });
  writeFileSync(path.join(repodata, 'repomd.xml'), '<repomd/>\n');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<ServeOptions> = {}): Promise<FreshetServer> {
  server = await startTestServer(fixture, options);
  return server;
}

/** Bytes the server read from each connection, known once the connection closed. */
function bytesReadPerConnection(running: FreshetServer): Array<Promise<number>> {
  const reads: Array<Promise<number>> = [];
  running.server.on('connection', (socket: net.Socket) => {
    reads.push(new Promise((resolve) => socket.once('close', () => resolve(socket.bytesRead))));
  });
  return reads;
}

/** A raw connection: resolves with everything the server sent once it closes the connection. */
function rawConnection(port: number, onConnect: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => onConnect(socket));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
  });
}

/** POST a 50 MB chunked body, writing as fast as the server reads, until the server answers or closes. */
function postHuge(url: string, headers: Record<string, string>): Promise<number | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } });
    request.on('response', (response) => {
      done = true;
      response.resume();
      resolve(response.statusCode);
      request.destroy();
    });
    request.on('error', () => {
      done = true;
      resolve(undefined);
    });
    let sent = 0;
    const pump = () => {
      while (!done && sent < FIFTY_MB) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!done) request.end();
    };
    pump();
  });
}

describe('freshet serve limits', () => {
  it('case 40: cuts off a client that never finishes its headers (slowloris)', async () => {
    const running = await start({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 } });
    let trickle: NodeJS.Timeout | undefined;
    const answer = await rawConnection(running.port, (socket) => {
      socket.write('GET /status/ HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      let line = 0;
      trickle = setInterval(() => socket.write(`X-Slow-${line++}: a\r\n`), 50);
      socket.on('close', () => clearInterval(trickle));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 15_000);

  it('case 40: refuses connections over the cap and serves again once one closes', async () => {
    const running = await start({ limits: { maxConnections: 4 } });
    const held = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(running.port, '127.0.0.1', () => resolve(socket));
      })),
    );
    await vi.waitFor(async () => {
      const count = await new Promise<number>((resolve) => running.server.getConnections((_error, n) => resolve(n)));
      expect(count).toBe(4);
    });
    const refused = await rawConnection(running.port, (socket) => socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(refused).toBe('');
    held[0]!.destroy();
    await vi.waitFor(async () => {
      const count = await new Promise<number>((resolve) => running.server.getConnections((_error, n) => resolve(n)));
      expect(count).toBe(3);
    });
    const served = await rawConnection(running.port, (socket) => socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(served).toMatch(/^HTTP\/1\.1 200 /);
    for (const socket of held) socket.destroy();
  });

  it.each([
    ['no signature', 'hooks/hello', {}],
    ['a recipe with no webhook', 'hooks/frob', { 'x-hub-signature-256': sign(SECRET, 'x') }],
  ])('case 40: a webhook with %s and a 50 MB body gets 401 before its body is read', async (_name, hookPath, headers) => {
    const running = await start();
    const reads = bytesReadPerConnection(running);
    expect(await postHuge(`${running.url}${hookPath}`, headers)).toBe(401);
    const [bytesRead] = await Promise.all(reads);
    expect(bytesRead).toBeLessThan(MAX_HOOK_BODY_BYTES);
    expect(running.counters.webhooks.get('unauthorized')).toBe(1);
  });

  it('case 40: builds /metrics once for many requests within the cache interval', async () => {
    const running = await start({ metricsCacheMs: 60_000 });
    const buildStatus = vi.mocked(report.buildStatus);
    buildStatus.mockClear();
    const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(`${running.url}metrics`).then((response) => response.text())));
    for (let i = 0; i < 10; i++) bodies.push(await (await fetch(`${running.url}metrics`)).text());
    expect(buildStatus).toHaveBeenCalledTimes(1);
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('freshet_builds_total{recipe="hello",target="debian-12",status="ok"} 2');
  });

  it('case 40: the repodata pins table stays at its cap under many distinct clients', async () => {
    const running = await start({ maxPinnedClients: 8 });
    for (let client = 0; client < 40; client++) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        http
          .get(
            `${running.url}rpm/debian-12-rpm/repodata/repomd.xml`,
            // Another loopback source address and User-Agent per client: each is a new table entry.
            { agent: false, localAddress: `127.0.0.${2 + client}`, headers: { 'user-agent': `dnf-${client}-${'x'.repeat(4096)}` } },
            (response) => {
              response.resume();
              resolve(response.statusCode);
            },
          )
          .on('error', reject);
      });
      expect(status).toBe(200);
    }
    expect(running.pins.size).toBe(8);
  });
});
