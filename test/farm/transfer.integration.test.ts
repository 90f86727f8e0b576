import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobStore } from '../../src/farm/blobs.js';
import { JobResults } from '../../src/farm/coordinator/results.js';
import { generateToken, tokenSha256, WorkerTokens } from '../../src/farm/coordinator/tokens.js';
import { createTransferRoutes, startFarmServer } from '../../src/farm/coordinator/transfer.js';
import { TransferClient, TransferError } from '../../src/farm/worker/transfer-client.js';
import type { RunningServer } from '../../src/serve/static.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MAX_UPLOAD = 4 * 1024 * 1024;
const fastRetry = { baseDelayMs: 10, maxWaitMs: 50 };

/** Every file under a folder, with its content's hash: what "the store is unchanged" compares. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, file)] = sha256(readFileSync(file));
    }
  }
  return files;
}

type ProxyFault = { cutUploadAfter: number } | { flipUploadAt: number } | { flipDownloadAt: number } | { cutDownloadAfter: number } | { dropContinue: true };
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

/**
 * A TCP proxy on loopback between the client and the coordinator, faulting the connection of the
 * same index in `faults` (counting bytes of the raw stream, headers included) and passing later
 * connections through untouched.
 */
async function startProxy(target: number, faults: ProxyFault[]): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const fault = faults[connections++];
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const relay = (from: net.Socket, to: net.Socket, cutAfter: number | undefined, flipAt: number | undefined) => {
      let seen = 0;
      from.on('data', (chunk: Buffer) => {
        const start = seen;
        seen += chunk.byteLength;
        if (cutAfter !== undefined && seen > cutAfter) {
          to.write(chunk.subarray(0, cutAfter - start), () => {
            client.destroy();
            upstream.destroy();
          });
          return;
        }
        if (fault && 'dropContinue' in fault && from === upstream && chunk.subarray(0, CONTINUE.length).equals(CONTINUE)) chunk = chunk.subarray(CONTINUE.length);
        if (flipAt !== undefined && start <= flipAt && flipAt < seen) {
          const copy = Buffer.from(chunk);
          copy[flipAt - start]! ^= 0xff;
          chunk = copy;
        }
        to.write(chunk);
      });
    };
    const up = fault && ('cutUploadAfter' in fault || 'flipUploadAt' in fault) ? fault : undefined;
    const down = fault && ('cutDownloadAfter' in fault || 'flipDownloadAt' in fault) ? fault : undefined;
    relay(client, upstream, up && 'cutUploadAfter' in up ? up.cutUploadAfter : undefined, up && 'flipUploadAt' in up ? up.flipUploadAt : undefined);
    relay(upstream, client, down && 'cutDownloadAfter' in down ? down.cutDownloadAfter : undefined, down && 'flipDownloadAt' in down ? down.flipDownloadAt : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('farm transfers between coordinator and workers', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-farm-transfer-'));
  const storeDir = path.join(dir, 'coordinator', 'blobs');
  const store = new BlobStore(storeDir);
  const results = new JobResults(path.join(dir, 'coordinator', 'results'));
  const token = generateToken();
  const tokens = new WorkerTokens([{ name: 'alpha', tokenSha256: tokenSha256(token) }]);
  const input = randomBytes(1024 * 1024);
  const inputFile = path.join(dir, 'hello_2.12.orig.tar.gz');
  const result = randomBytes(1024 * 1024);
  const resultFile = path.join(dir, 'hello_2.12-1~deb12+freshet1_amd64.deb');
  let server: RunningServer;
  let inputSha256: string;
  /** The requests the coordinator saw, as `METHOD path`. */
  let requests: string[] = [];

  beforeAll(async () => {
    writeFileSync(inputFile, input);
    writeFileSync(resultFile, result);
    inputSha256 = (await store.put(inputFile)).sha256;
    const routes = createTransferRoutes({ store, results, tokens, maxUploadBytes: MAX_UPLOAD });
    server = await startFarmServer(
      (request: http.IncomingMessage, response: http.ServerResponse) => {
        requests.push(`${request.method} ${request.url}`);
        return routes(request, response);
      },
      '127.0.0.1',
      0,
    );
  });
  afterAll(() => server.close());
  beforeEach(() => {
    requests = [];
  });

  const client = (options: { coordinator?: string; token?: string } = {}) => new TransferClient({ coordinator: server.url, token, retry: fastRetry, ...options });
  const workDir = () => mkdtempSync(path.join(dir, 'worker-'));
  const incomingEmpty = () => readdirSync(path.join(storeDir, 'incoming')).length === 0;

  it('moves a job input to a worker and a result back, by content hash', async () => {
    const dest = path.join(workDir(), 'in', 'hello_2.12.orig.tar.gz');
    expect(await client().download(inputSha256, dest)).toEqual({ sha256: inputSha256, size: input.length });
    expect(readFileSync(dest).equals(input)).toBe(true);
    expect(await client().upload('job-ok', path.basename(resultFile), resultFile)).toEqual({ sha256: sha256(result), size: result.length });
    expect(results.list('job-ok')).toEqual({ [path.basename(resultFile)]: expect.objectContaining({ sha256: sha256(result), size: result.length, worker: 'alpha' }) });
    expect(readFileSync(store.pathOf(sha256(result))).equals(result)).toBe(true);
  });

  it('case 49: a worker with a wrong token gets nothing and can upload nothing', async () => {
    const before = snapshot(storeDir);
    const blobUrl = new URL(`farm/v1/blobs/${inputSha256}`, server.url);
    const wrongHeaders: Array<Record<string, string>> = [{}, { authorization: `Bearer ${generateToken()}` }, { authorization: `Bearer ${tokenSha256(token)}` }, { authorization: `Basic ${token}` }];
    for (const headers of wrongHeaders) {
      const response = await fetch(blobUrl, { headers });
      expect(response.status).toBe(401);
      expect((await response.arrayBuffer()).byteLength).toBeLessThan(100);
    }
    const small = Buffer.from('a result from an impostor');
    const put = await fetch(new URL('farm/v1/results/job-49/impostor.deb', server.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${generateToken()}`, 'x-freshet-sha256': sha256(small) },
      body: small,
    });
    expect(put.status).toBe(401);

    const impostor = client({ token: generateToken() });
    const dest = path.join(workDir(), 'hello_2.12.orig.tar.gz');
    requests = [];
    const download = await impostor.download(inputSha256, dest).catch((error: unknown) => error);
    expect(download).toBeInstanceOf(TransferError);
    expect(download).toMatchObject({ status: 401, retryable: false });
    expect((download as Error).message).toContain(`coordinator ${new URL(server.url).origin}: blob ${inputSha256}: 401`);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(path.dirname(dest))).toEqual([]);
    const upload = await impostor.upload('job-49', path.basename(resultFile), resultFile).catch((error: unknown) => error);
    expect(upload).toMatchObject({ status: 401, retryable: false });
    // One request each: a refusal is not tried again.
    expect(requests).toEqual([`GET /farm/v1/blobs/${inputSha256}`, `PUT /farm/v1/results/job-49/${path.basename(resultFile)}`]);

    expect(snapshot(storeDir)).toEqual(before);
    expect(results.list('job-49')).toEqual({});
  });

  it('case 50: a result whose bytes do not match its sha256 is refused and nothing reaches the store', async () => {
    const before = snapshot(storeDir);
    const body = randomBytes(64 * 1024);
    const put = await fetch(new URL('farm/v1/results/job-50/hello.deb', server.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'x-freshet-sha256': sha256(Buffer.from('other bytes')) },
      body,
    });
    expect(put.status).toBe(422);
    expect(await put.text()).toMatch(/hello\.deb: the received bytes \(65536\) have sha256 [0-9a-f]{64}, not the claimed [0-9a-f]{64}; nothing was stored/);

    // The worker's bytes are damaged on the way: the coordinator refuses them, the client says so at once.
    const proxy = await startProxy(server.port, [{ flipUploadAt: 300_000 }]);
    try {
      requests = [];
      const error = await client({ coordinator: proxy.url }).upload('job-50', path.basename(resultFile), resultFile).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransferError);
      expect(error).toMatchObject({ status: 422, retryable: false });
      expect((error as Error).message).toContain(`upload job-50/${path.basename(resultFile)}: 422`);
      expect((error as Error).message).toContain(`not the claimed ${sha256(result)}`);
      expect(requests).toHaveLength(1);
      expect(proxy.connections()).toBe(1);
    } finally {
      await proxy.close();
    }
    expect(snapshot(storeDir)).toEqual(before);
    expect(results.list('job-50')).toEqual({});
    expect(incomingEmpty()).toBe(true);
  });

  it('case 50: a job input whose bytes do not match its sha256 is refused by the worker, naming the blob and coordinator', async () => {
    const proxy = await startProxy(server.port, [{ flipDownloadAt: 500_000 }]);
    try {
      const dest = path.join(workDir(), 'hello_2.12.orig.tar.gz');
      const error = await client({ coordinator: proxy.url }).download(inputSha256, dest).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ retryable: false });
      expect((error as Error).message).toMatch(new RegExp(`^coordinator ${new URL(proxy.url).origin}: blob ${inputSha256}: the downloaded bytes \\(${input.length}\\) have sha256 [0-9a-f]{64}; the partial file was removed$`));
      expect(readdirSync(path.dirname(dest))).toEqual([]);
      expect(proxy.connections()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('case 51: an upload cut halfway is retried and lands exactly once, with the right hash', async () => {
    const bytes = randomBytes(1024 * 1024);
    const file = path.join(workDir(), 'hello_2.12-2~deb12+freshet1_amd64.deb');
    writeFileSync(file, bytes);
    const before = snapshot(storeDir);
    const proxy = await startProxy(server.port, [{ cutUploadAfter: 400_000 }]);
    try {
      requests = [];
      expect(await client({ coordinator: proxy.url }).upload('job-51', 'hello.deb', file)).toEqual({ sha256: sha256(bytes), size: bytes.length });
      expect(proxy.connections()).toBe(2);
      expect(requests).toEqual(['PUT /farm/v1/results/job-51/hello.deb', 'PUT /farm/v1/results/job-51/hello.deb']);
    } finally {
      await proxy.close();
    }
    expect(results.list('job-51')).toEqual({ 'hello.deb': expect.objectContaining({ sha256: sha256(bytes), size: bytes.length, worker: 'alpha' }) });
    await vi.waitFor(() => expect(incomingEmpty()).toBe(true));
    const blob = path.join('sha256', sha256(bytes).slice(0, 2), sha256(bytes));
    expect(snapshot(storeDir)).toEqual({ ...before, [blob]: sha256(bytes) });
  });

  it('case 51: a download cut halfway is retried from the start', async () => {
    const proxy = await startProxy(server.port, [{ cutDownloadAfter: 300_000 }]);
    try {
      const dest = path.join(workDir(), 'hello_2.12.orig.tar.gz');
      expect(await client({ coordinator: proxy.url }).download(inputSha256, dest)).toEqual({ sha256: inputSha256, size: input.length });
      expect(readFileSync(dest).equals(input)).toBe(true);
      expect(readdirSync(path.dirname(dest))).toEqual([path.basename(dest)]);
      expect(proxy.connections()).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('sends the body anyway when nothing answers 100 Continue (a proxy in between)', async () => {
    const proxy = await startProxy(server.port, [{ dropContinue: true }]);
    try {
      expect(await client({ coordinator: proxy.url }).upload('job-proxy', 'hello.deb', resultFile)).toEqual({ sha256: sha256(result), size: result.length });
      expect(proxy.connections()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('refuses an upload over the size cap before its body is sent, and names that are not safe', async () => {
    const before = snapshot(storeDir);
    const big = path.join(workDir(), 'big.deb');
    writeFileSync(big, randomBytes(MAX_UPLOAD + 1));
    requests = [];
    const error = await client().upload('job-cap', 'big.deb', big).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 413, retryable: false });
    expect((error as Error).message).toContain('farm.maxUploadMegabytes');
    expect(requests).toHaveLength(1);
    for (const unsafe of ['job-1/..%2F..%2Fescape', '..%2Fjob/x.deb', 'job-1/.hidden', 'job-1/a%00b', 'job-1/a/b']) {
      const response = await fetch(new URL(`farm/v1/results/${unsafe}`, server.url), {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'x-freshet-sha256': sha256(Buffer.from('x')) },
        body: 'x',
      });
      expect(response.status, unsafe).toBe(400);
    }
    expect((await fetch(new URL('farm/v1/blobs/..%2F..%2Fresults', server.url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect((await fetch(new URL(`farm/v1/blobs/${sha256(Buffer.from('absent'))}`, server.url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect(snapshot(storeDir)).toEqual(before);
  });
});
