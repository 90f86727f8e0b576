import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { systemFault } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { listen, type RunningServer } from '../../serve/static.js';
import type { BlobStore } from '../blobs.js';
import { BLOBS_PREFIX, FARM_PREFIX, isSafeName, isSha256, RESULTS_PREFIX, SHA256_HEADER } from '../transfer-paths.js';
import type { JobResults } from './results.js';
import { bearerToken, type WorkerTokens } from './tokens.js';

/**
 * The coordinator's transfer routes: workers fetch job inputs by content hash and upload results
 * with the sha256 they computed. Everything from a worker is untrusted: its token is checked before
 * anything else is read, its job id and file names must match a narrow charset and are never used
 * as paths into the store, and an upload reaches the store only when its bytes hash to what the
 * worker claimed.
 */
export interface TransferRoutesOptions {
  store: BlobStore;
  results: JobResults;
  tokens: WorkerTokens;
  maxUploadBytes: number;
  /** A request whose body sends nothing for this long is cut off (default 60 s). */
  idleTimeoutMs?: number;
  /** Told of each upload that reached the store. */
  onUpload?: (upload: { jobId: string; name: string; worker: string; sha256: string; size: number }) => void;
}

/** Answers a request under /farm/v1/ and returns true, or returns false for any other path. */
export type FarmRoutes = (request: http.IncomingMessage, response: http.ServerResponse) => Promise<boolean>;

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function send(response: http.ServerResponse, status: number, body: string, extra: http.OutgoingHttpHeaders = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  response.end(body);
}

/** An answer sent before the body was read closes the connection, so the unread body is dropped. */
const early = { connection: 'close' };

export function createTransferRoutes(options: TransferRoutesOptions): FarmRoutes {
  const { store, results, tokens } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;

  async function sendBlob(request: http.IncomingMessage, response: http.ServerResponse, sha256: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'GET only\n', { allow: 'GET, HEAD', ...early });
    if (!isSha256(sha256)) return send(response, 400, 'a blob is named by its sha256 (64 lower-case hex digits)\n');
    const file = store.pathOf(sha256);
    const stats = await stat(file).catch(() => undefined);
    if (!stats) return send(response, 404, `no blob ${sha256}\n`);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stats.size, [SHA256_HEADER]: sha256, 'cache-control': 'no-store' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    // A worker that goes away mid-download is its own problem; the file is closed either way.
    await pipeline(createReadStream(file), response).catch(() => undefined);
  }

  async function receive(request: http.IncomingMessage, response: http.ServerResponse, worker: string, rest: string): Promise<void> {
    if (request.method !== 'PUT') return send(response, 405, 'PUT only\n', { allow: 'PUT', ...early });
    const [jobId = '', name = '', ...extra] = rest.split('/');
    if (extra.length > 0 || !isSafeName(jobId) || !isSafeName(name)) {
      return send(response, 400, 'the path must be /farm/v1/results/<job id>/<name>, each of letters, digits and ._+~- (no leading dot)\n', early);
    }
    const claimed = request.headers[SHA256_HEADER];
    if (typeof claimed !== 'string' || !isSha256(claimed)) return send(response, 400, `${SHA256_HEADER}: the sha256 of the body (64 lower-case hex digits) is required\n`, early);
    const lengthHeader = request.headers['content-length'];
    if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) return send(response, 411, 'content-length is required\n', early);
    const length = Number(lengthHeader);
    if (length > options.maxUploadBytes) return send(response, 413, `${name}: ${length} bytes is over the coordinator's limit of ${options.maxUploadBytes} (farm.maxUploadMegabytes)\n`, early);

    // The checks passed: now the worker may send its body (it waits for this with Expect: 100-continue).
    if (request.headers.expect?.toLowerCase() === '100-continue') response.writeContinue();
    request.setTimeout(idleTimeoutMs, () => request.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    const temp = store.incomingFile(`${jobId}-${name}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        request,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: 'wx' }),
      );
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      const fault = systemFault(error);
      log.warn('farm upload not received', { worker, job: jobId, name, received: size, of: length, error: fault?.message ?? (error as Error).message });
      // A cut connection has nobody to answer; a full disk is the coordinator's fault, and worth a retry.
      return send(response, fault ? 507 : 400, `${name}: upload not received: ${fault?.message ?? 'the body ended early'}\n`, early);
    }
    const sha256 = hash.digest('hex');
    if (size !== length || sha256 !== claimed) {
      await unlink(temp).catch(() => undefined);
      log.warn('farm upload refused: its bytes do not match its sha256', { worker, job: jobId, name, claimed, received: sha256, size });
      return send(response, 422, `${name}: the received bytes (${size}) have sha256 ${sha256}, not the claimed ${claimed}; nothing was stored\n`);
    }
    try {
      await store.adopt(temp, sha256);
      await results.record(jobId, name, { sha256, size, worker, at: new Date().toISOString() });
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      const fault = systemFault(error);
      if (!fault) throw error;
      return send(response, 507, `${name}: ${fault.message}\n`);
    }
    log.info('farm result received', { worker, job: jobId, name, sha256, size });
    options.onUpload?.({ jobId, name, worker, sha256, size });
    send(response, 201, `${JSON.stringify({ sha256, size })}\n`, { 'content-type': 'application/json' });
  }

  return async (request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!urlPath.startsWith(FARM_PREFIX)) return false;
    const worker = tokens.authenticate(bearerToken(request.headers));
    if (!worker) {
      log.warn('farm request refused: missing or unknown worker token', { from: request.socket.remoteAddress, path: urlPath.slice(0, 200) });
      send(response, 401, 'missing or unknown worker token\n', { 'www-authenticate': 'Bearer realm="freshet farm"', ...early });
      return true;
    }
    if (urlPath.startsWith(BLOBS_PREFIX)) await sendBlob(request, response, urlPath.slice(BLOBS_PREFIX.length));
    else if (urlPath.startsWith(RESULTS_PREFIX)) await receive(request, response, worker, urlPath.slice(RESULTS_PREFIX.length));
    else send(response, 404, 'not found\n');
    return true;
  };
}

/**
 * The transfer routes on a listener of their own (`farm.listen`): workers reach it on a private
 * network while the archive may be public, and uploads need what the archive server forbids: a
 * request may take as long as its bytes keep coming (the routes' idle timeout cuts off a stalled
 * one), and Expect: 100-continue is answered only after the token and the size were checked.
 */
export async function startFarmServer(routes: FarmRoutes, host: string, port: number): Promise<RunningServer> {
  const handler: http.RequestListener = (request, response) => {
    routes(request, response)
      .then((answered) => {
        if (!answered) send(response, 404, 'not found\n');
      })
      .catch((error: unknown) => {
        log.error('farm request failed', { path: request.url?.slice(0, 200), error: (error as Error).message });
        send(response, 500, 'internal error\n', early);
      });
  };
  const running = await listen(handler, host, port, { requestTimeoutMs: 0 });
  running.server.on('checkContinue', handler);
  return running;
}
