import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/core/errors.js';
import { HttpClient, checkRedirect, tokenAllowed, type HttpPolicy } from '../../src/net/http.js';
import { resetHostQueues } from '../../src/net/queue.js';
import { serve, type Loopback } from './loopback.js';

const servers: Loopback[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
  resetHostQueues();
});

async function server(handler: Parameters<typeof serve>[0]): Promise<Loopback> {
  const started = await serve(handler);
  servers.push(started);
  return started;
}

function client(allow: Loopback[], policy: Partial<HttpPolicy> = {}): HttpClient {
  const made = new HttpClient(
    { allowHosts: allow.map((s) => s.host), rewrites: [], timeoutMs: 5_000, maxBytes: 1_000_000, perHost: 4, ...policy },
    { baseDelayMs: 5, maxWaitMs: 5_000 },
  );
  clients.push(made);
  return made;
}

/** The UpstreamError a request fails with; its message is the text given, or matches the pattern. */
async function failure(promise: Promise<unknown>, message: string | RegExp): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  if (typeof message === 'string') expect((error as UpstreamError).message).toBe(message);
  else expect((error as UpstreamError).message).toMatch(message);
  return error as UpstreamError;
}

describe('HttpClient.get', () => {
  it('returns the body, status and final URL after a same-host redirect', async () => {
    const upstream = await server((req, res) => {
      if (req.url === '/old') return res.writeHead(301, { location: '/new/' }).end();
      return res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    const response = await client([upstream]).get({ url: `${upstream.url}/old`, upstream: 'hello' });
    expect(response.body.toString()).toBe('hello');
    expect(response.url).toBe(`${upstream.url}/new/`);
    expect(response.notModified).toBe(false);
  });

  it('case 7: refuses a redirect loop', async () => {
    const upstream = await server((req, res) => res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end());
    await failure(client([upstream]).get({ url: `${upstream.url}/a`, upstream: 'loopy' }), /^loopy: .*redirect loop/);
  });

  it('case 7: refuses more than five redirects', async () => {
    const upstream = await server((req, res) => res.writeHead(302, { location: `/${Number(req.url!.slice(1)) + 1}` }).end());
    await failure(client([upstream]).get({ url: `${upstream.url}/0`, upstream: 'far' }), /more than 5 redirects/);
  });

  it('case 4: refuses a redirect to a loopback host:port that is not allowed', async () => {
    const inner = await server((_req, res) => res.end('secret'));
    const upstream = await server((_req, res) => res.writeHead(302, { location: `${inner.url}/admin` }).end());
    await failure(client([upstream]).get({ url: upstream.url, upstream: 'sneaky' }), /refusing to connect to 127\.0\.0\.1:\d+/);
    expect(inner.requests).toHaveLength(0);
  });

  it('case 4: refuses a name that resolves to loopback (checks the resolved address)', async () => {
    const inner = await server((_req, res) => res.end('secret'));
    const port = new URL(inner.url).port;
    const upstream = await server((_req, res) => res.writeHead(302, { location: `http://localhost:${port}/` }).end());
    await failure(client([upstream]).get({ url: upstream.url, upstream: 'rebind' }), /127\.0\.0\.1 is not a public address/);
    expect(inner.requests).toHaveLength(0);
  });

  it('case 4, case 7: refuses a redirect to the link-local metadata address', async () => {
    const upstream = await server((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    await failure(
      client([upstream]).get({ url: upstream.url, upstream: 'metadata' }),
      'metadata: refusing to connect to 169.254.169.254 (169.254.169.254 is not a public address: loopback, private, link-local or special-purpose); list 169.254.169.254:80 in allowHosts if it is a mirror you trust',
    );
  });

  it.each([
    ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', '[64:ff9b::a9fe:a9fe]', '64:ff9b::a9fe:a9fe'],
    ['http://198.18.0.1/', '198.18.0.1', '198.18.0.1'],
    ['http://192.0.0.8/', '192.0.0.8', '192.0.0.8'],
  ])('case 41: refuses a redirect to %s, naming the address', async (location, host, address) => {
    const upstream = await server((_req, res) => res.writeHead(302, { location }).end());
    await failure(
      client([upstream]).get({ url: upstream.url, upstream: 'special' }),
      `special: refusing to connect to ${host} (${address} is not a public address: loopback, private, link-local or special-purpose); list ${host}:80 in allowHosts if it is a mirror you trust`,
    );
  });

  it('case 7: refuses redirects to other schemes and from https to http', async () => {
    expect(checkRedirect(new URL('https://a.example/'), new URL('http://a.example/x'))).toMatch(/https to http/);
    expect(checkRedirect(new URL('http://a.example/'), new URL('file:///etc/passwd'))).toMatch(/file:/);
    expect(checkRedirect(new URL('http://a.example/'), new URL('https://b.example/'))).toBeUndefined();
    // Through the client: an https upstream served by a loopback mirror redirects to plain http.
    const plain = await server((_req, res) => res.end('downgraded'));
    const mirror = await server((_req, res) => res.writeHead(302, { location: `${plain.url}/file` }).end());
    const http = client([mirror, plain], { rewrites: [{ from: 'https://upstream.example/', to: `${mirror.url}/` }] });
    await failure(http.get({ url: 'https://upstream.example/index', upstream: 'tls' }), /from https to http/);
    expect(plain.requests).toHaveLength(0);
  });

  it('applies rewrites and reports the upstream URL space', async () => {
    const mirror = await server((req, res) => {
      if (req.url === '/gnu/hello') return res.writeHead(301, { location: '/gnu/hello/' }).end();
      return res.end(req.url);
    });
    const http = client([mirror], { rewrites: [{ from: 'https://ftp.gnu.org/', to: `${mirror.url}/` }] });
    const response = await http.get({ url: 'https://ftp.gnu.org/gnu/hello', upstream: 'hello' });
    expect(response.body.toString()).toBe('/gnu/hello/');
    expect(response.url).toBe('https://ftp.gnu.org/gnu/hello/');
  });

  it('case 7: sends credentials only to the origin they were given for', async () => {
    const other = await server((req, res) => res.end(String(req.headers.authorization)));
    const upstream = await server((req, res) => {
      if (req.url === '/same') return res.writeHead(302, { location: '/landed' }).end();
      if (req.url === '/landed') return res.end(String(req.headers.authorization));
      return res.writeHead(302, { location: `${other.url}/` }).end();
    });
    const http = client([upstream, other]);
    const headers = { Authorization: 'Bearer ghp_secretsecretsecretsecret' };
    const same = await http.get({ url: `${upstream.url}/same`, upstream: 'gh', headers });
    expect(same.body.toString()).toBe('Bearer ghp_secretsecretsecretsecret');
    const away = await http.get({ url: `${upstream.url}/away`, upstream: 'gh', headers });
    expect(away.body.toString()).toBe('undefined');
  });

  it('case 35: sends a bearer token only to its own origin, and never over plain http to a name', async () => {
    const other = await server((req, res) => res.end(String(req.headers.authorization)));
    const upstream = await server((req, res) => {
      if (req.url === '/away') return res.writeHead(302, { location: `${other.url}/` }).end();
      return res.end(String(req.headers.authorization));
    });
    const port = new URL(upstream.url).port;
    const http = client([upstream, other], { allowHosts: [upstream.host, other.host, `localhost:${port}`] });
    const bearer = { token: 'glpat-secretsecretsecretsecret', origin: upstream.url };
    expect((await http.get({ url: `${upstream.url}/api`, upstream: 'gl', bearer })).body.toString()).toBe('Bearer glpat-secretsecretsecretsecret');
    expect((await http.get({ url: `${upstream.url}/away`, upstream: 'gl', bearer })).body.toString()).toBe('undefined');
    expect((await http.get({ url: `${other.url}/api`, upstream: 'gl', bearer })).body.toString()).toBe('undefined');
    // The same server under a name: plain http to anything but a loopback address gets no token.
    const byName = { token: bearer.token, origin: `http://localhost:${port}` };
    expect((await http.get({ url: `http://localhost:${port}/api`, upstream: 'gl', bearer: byName })).body.toString()).toBe('undefined');
  });

  it.each([
    ['https://api.github.com/repos/o/r', 'https://api.github.com', [], true],
    ['http://api.github.com/repos/o/r', 'http://api.github.com', ['api.github.com'], false],
    ['https://api.github.com:8443/', 'https://api.github.com', [], false],
    ['https://gitlab.example/', 'https://gitlab.com', [], false],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000', ['127.0.0.1:9000'], true],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000', [], false],
    ['http://10.0.0.1/', 'http://10.0.0.1', ['10.0.0.1'], false],
  ])('case 35: a token for %s (origin %s, allowHosts %j) → %s', (url, origin, allowHosts, expected) => {
    expect(tokenAllowed(new URL(url), origin, allowHosts)).toBe(expected);
  });

  it('case 5: waits for Retry-After on 429, then succeeds', async () => {
    let calls = 0;
    const upstream = await server((_req, res) => {
      calls++;
      if (calls === 1) return res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      return res.end('ok');
    });
    const response = await client([upstream]).get({ url: upstream.url, upstream: 'busy' });
    expect(response.body.toString()).toBe('ok');
    expect(calls).toBe(2);
  });

  it('case 5: reports a Retry-After beyond the cap as an error at once instead of hanging', async () => {
    const upstream = await server((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const error = await failure(client([upstream]).get({ url: upstream.url, upstream: 'busy' }), /asked to retry in 3600s/);
    expect(error.status).toBe(429);
    expect(upstream.requests).toHaveLength(1);
  });

  it('case 5: honours an exhausted GitHub rate limit reset time', async () => {
    let calls = 0;
    const upstream = await server((_req, res) => {
      calls++;
      if (calls === 1) {
        return res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) }).end();
      }
      return res.end('[]');
    });
    const response = await client([upstream]).get({ url: upstream.url, upstream: 'gh' });
    expect(response.body.toString()).toBe('[]');
    expect(calls).toBe(2);
  });

  it('case 5: retries a 500 and then fails with the status and the upstream named', async () => {
    const upstream = await server((_req, res) => res.writeHead(500).end('oops'));
    const error = await failure(client([upstream]).get({ url: upstream.url, upstream: 'broken' }), /^broken: .*HTTP 500 \(gave up after 3 tries\)/);
    expect(error.status).toBe(500);
    expect(error.upstream).toBe('broken');
    expect(upstream.requests).toHaveLength(3);
  });

  it('does not retry a 404', async () => {
    const upstream = await server((_req, res) => res.writeHead(404).end());
    const error = await failure(client([upstream]).get({ url: upstream.url, upstream: 'gone' }), `gone: ${upstream.url}/: HTTP 404`);
    expect(error.status).toBe(404);
    expect(upstream.requests).toHaveLength(1);
  });

  it('retries a reset connection', async () => {
    let calls = 0;
    const upstream = await server((req, res) => {
      calls++;
      if (calls === 1) return req.socket.destroy();
      return res.end('second time lucky');
    });
    const response = await client([upstream]).get({ url: upstream.url, upstream: 'flaky' });
    expect(response.body.toString()).toBe('second time lucky');
  });

  it('case 6: cuts off an endless body at the deadline and frees the slot', async () => {
    const upstream = await server((req, res) => {
      if (req.url === '/after') return res.end('free');
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'.repeat(100)), 5);
      return res.on('close', () => clearInterval(timer));
    });
    const http = client([upstream], { timeoutMs: 300, perHost: 1 });
    await failure(http.get({ url: `${upstream.url}/endless`, upstream: 'endless' }), /no complete answer within 0\.3s/);
    const after = await http.get({ url: `${upstream.url}/after`, upstream: 'endless' });
    expect(after.body.toString()).toBe('free');
  });

  it('case 6: cuts off a server that never answers', async () => {
    const upstream = await server(() => undefined);
    await failure(client([upstream], { timeoutMs: 200 }).get({ url: upstream.url, upstream: 'mute' }), /no complete answer/);
  });

  it('case 6: refuses a body over the size cap, declared or streamed', async () => {
    const upstream = await server((req, res) => {
      if (req.url === '/declared') return res.writeHead(200, { 'content-length': String(10 * 1024 ** 3) }).end();
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 1);
      return res.on('close', () => clearInterval(timer));
    });
    const http = client([upstream], { maxBytes: 1_000_000 });
    await failure(http.get({ url: `${upstream.url}/declared`, upstream: 'big' }), /over the 1000000-byte limit/);
    await failure(http.get({ url: `${upstream.url}/streamed`, upstream: 'big' }), /over the 1000000-byte limit/);
  });

  it('makes conditional requests and reports 304 as not modified', async () => {
    const upstream = await server((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
      return res.writeHead(200, { etag: '"v1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).end('index');
    });
    const http = client([upstream]);
    const first = await http.get({ url: upstream.url, upstream: 'cached' });
    expect(first.headers.etag).toBe('"v1"');
    const second = await http.get({ url: upstream.url, upstream: 'cached', etag: first.headers.etag });
    expect(second.notModified).toBe(true);
    expect(second.status).toBe(304);
    expect(second.body).toHaveLength(0);
  });

  it('holds the per-host concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const upstream = await server((_req, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.end('done');
      }, 30);
    });
    const http = client([upstream], { perHost: 2 });
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => http.get({ url: `${upstream.url}/${i}`, upstream: 'many' })));
    expect(all).toHaveLength(10);
    expect(peak).toBe(2);
  });
});

describe('HttpClient.download', () => {
  const payload = Buffer.from('tarball bytes '.repeat(1000));

  function tempDir(): string {
    return mkdtempSync(path.join(tmpdir(), 'freshet-http-'));
  }

  it('case 10: retries a truncated download and keeps only the complete file', async () => {
    let calls = 0;
    const upstream = await server((req, res) => {
      calls++;
      res.writeHead(200, { 'content-length': String(payload.length) });
      if (calls === 1) {
        res.write(payload.subarray(0, 500));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.end(payload);
    });
    const dir = tempDir();
    const file = path.join(dir, 'hello-1.0.tar.gz');
    const result = await client([upstream]).download({ url: `${upstream.url}/hello-1.0.tar.gz`, upstream: 'hello', file });
    expect(calls).toBe(2);
    expect(result.size).toBe(payload.length);
    expect(result.sha256).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(result.sha512).toBe(createHash('sha512').update(payload).digest('hex'));
    expect(readFileSync(file)).toEqual(payload);
    expect(readdirSync(dir)).toEqual(['hello-1.0.tar.gz']);
  });

  it('case 10: never leaves a partial file when every try is truncated', async () => {
    const upstream = await server((req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 500));
      setTimeout(() => req.socket.destroy(), 20);
    });
    const dir = tempDir();
    const file = path.join(dir, 'hello-1.0.tar.gz');
    await failure(client([upstream]).download({ url: upstream.url, upstream: 'hello', file }), /gave up after 3 tries/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
