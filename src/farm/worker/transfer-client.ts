import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { registerSecret } from '../../core/redact.js';
import { backoffMs, sleep, type RetryTuning } from '../../net/retry.js';
import { sha256Of } from '../../core/digest.js';
import type { BlobRef } from '../blobs.js';
import { blobPath, isSafeName, isSha256, resultPath, SHA256_HEADER } from '../transfer-paths.js';

export interface TransferClientOptions {
  /** The coordinator's transfer endpoint (`farm.listen`), http on a private network or https. */
  coordinator: string;
  token: string;
  retry?: Partial<RetryTuning>;
  /** A connection that moves no bytes for this long is dropped and tried again (default 60 s). */
  idleTimeoutMs?: number;
  /** Extra CA certificates for an https coordinator with a private CA. */
  ca?: string | Buffer;
}

/** A transfer that failed; `retryable` says whether trying again could help (it was, up to the limit). */
export class TransferError extends UserError {
  readonly status: number | undefined;
  readonly retryable: boolean;
  constructor(message: string, options: { status?: number; retryable: boolean; hint?: string; cause?: unknown }) {
    super(message, { hint: options.hint, cause: options.cause });
    this.name = 'TransferError';
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

const EXPECT_CONTINUE_WAIT_MS = 1_000;

export const DEFAULT_TRANSFER_RETRY: RetryTuning = { tries: 6, baseDelayMs: 500, maxWaitMs: 30_000 };

/** Errors of the connection rather than of the request: the same request may well pass next time. */
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);
const isConnectionError = (error: unknown) => CONNECTION_ERRORS.has((error as NodeJS.ErrnoException).code ?? '') || (error as Error).message === 'aborted';
const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * A worker's side of farm transfers: job inputs are downloaded by sha256 and checked against it,
 * results are uploaded with the sha256 the worker computed, which the coordinator checks. A cut
 * connection, a reset or a 5xx is tried again from the start with exponential backoff; a refusal
 * (401 wrong token, 413 too large, 422 bytes not matching their hash) is reported at once.
 */
export class TransferClient {
  private readonly base: URL;
  private readonly token: string;
  private readonly retry: RetryTuning;
  private readonly idleTimeoutMs: number;
  private readonly ca: string | Buffer | undefined;

  constructor(options: TransferClientOptions) {
    this.base = new URL(options.coordinator);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new UserError(`coordinator ${options.coordinator}: must be an http or https URL`);
    this.token = options.token;
    registerSecret(options.token);
    this.retry = { ...DEFAULT_TRANSFER_RETRY, ...options.retry };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.ca = options.ca;
  }

  private get origin(): string {
    return this.base.origin;
  }

  /** Download blob `sha256` to `dest` (replaced atomically); the bytes must hash to its name. */
  async download(sha256: string, dest: string): Promise<BlobRef> {
    if (!isSha256(sha256)) throw new UserError(`not a sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
    const what = `blob ${sha256}`;
    return this.withRetries(what, async () => {
      const request = this.request('GET', blobPath(sha256), {});
      request.end();
      const response = await this.responseOf(request);
      if (response.statusCode !== 200) throw await this.refusal(what, response);
      await mkdir(path.dirname(dest), { recursive: true });
      const partial = path.join(path.dirname(dest), `.${path.basename(dest)}.partial-${randomBytes(4).toString('hex')}`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await pipeline(
          response,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              hash.update(chunk);
              size += chunk.byteLength;
              yield chunk;
            }
          },
          createWriteStream(partial),
        );
        const received = hash.digest('hex');
        if (received !== sha256) {
          throw new TransferError(`coordinator ${this.origin}: ${what}: the downloaded bytes (${size}) have sha256 ${received}; the partial file was removed`, {
            retryable: false,
            hint: "the coordinator's copy may be damaged: check its blob store",
          });
        }
        await rename(partial, dest);
        return { sha256, size };
      } catch (error) {
        await unlink(partial).catch(() => undefined);
        throw this.asTransferError(what, error);
      }
    });
  }

  /** Upload `file` as result `name` of job `jobId`; returns what the coordinator stored. */
  async upload(jobId: string, name: string, file: string): Promise<BlobRef> {
    if (!isSafeName(jobId) || !isSafeName(name)) throw new UserError(`${jobId}/${name}: a job id and a result name are letters, digits and ._+~- (no leading dot)`);
    const what = `upload ${jobId}/${name}`;
    const local = await sha256Of(file);
    return this.withRetries(what, async () => {
      const request = this.request('PUT', resultPath(jobId, name), {
        'content-type': 'application/octet-stream',
        'content-length': local.size,
        [SHA256_HEADER]: local.sha256,
        // The coordinator checks the token and the size before the body is sent.
        expect: '100-continue',
      });
      request.flushHeaders();
      // A proxy in between may never answer 100 Continue: like curl, send the body after a second anyway.
      let sent = false;
      const sendBody = () => {
        if (sent) return;
        sent = true;
        clearTimeout(fallback);
        // An error here also reaches the request, which rejects responseOf.
        void pipeline(createReadStream(file), request).catch(() => undefined);
      };
      const fallback = setTimeout(sendBody, EXPECT_CONTINUE_WAIT_MS);
      request.once('continue', sendBody);
      const response = await this.responseOf(request).finally(() => clearTimeout(fallback));
      if (response.statusCode !== 201) throw await this.refusal(what, response);
      const stored = JSON.parse(await readText(response)) as BlobRef;
      if (stored.sha256 !== local.sha256 || stored.size !== local.size) {
        throw new TransferError(`coordinator ${this.origin}: ${what}: stored ${stored.sha256} (${stored.size} bytes), not ${local.sha256} (${local.size})`, { retryable: false });
      }
      return local;
    });
  }

  private request(method: string, urlPath: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    const url = new URL(urlPath, this.base);
    const options: https.RequestOptions = { method, headers: { ...headers, authorization: `Bearer ${this.token}` } };
    if (this.ca) options.ca = this.ca;
    const request = url.protocol === 'https:' ? https.request(url, options) : http.request(url, options);
    request.setTimeout(this.idleTimeoutMs, () => request.destroy(Object.assign(new Error(`no data for ${this.idleTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
    return request;
  }

  private responseOf(request: http.ClientRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      request.once('response', (response) => {
        // A refusal may come before the body was sent; that connection cannot carry another request.
        response.once('end', () => {
          if (!request.writableFinished) request.destroy();
        });
        resolve(response);
      });
      request.on('error', reject);
    });
  }

  private async refusal(what: string, response: http.IncomingMessage): Promise<TransferError> {
    const status = response.statusCode ?? 0;
    const body = (await readText(response).catch(() => '')).trim().slice(0, 500);
    const hint = status === 401 ? "check this worker's token: `freshet farm add-worker NAME` on the coordinator prints a new one" : undefined;
    return new TransferError(`coordinator ${this.origin}: ${what}: ${status}${body ? ` ${body}` : ''}`, { status, retryable: isRetryableStatus(status), hint });
  }

  private asTransferError(what: string, error: unknown): TransferError | unknown {
    if (error instanceof TransferError || !isConnectionError(error)) return error;
    return new TransferError(`coordinator ${this.origin}: ${what}: ${(error as Error).message}`, { retryable: true, cause: error });
  }

  private async withRetries<T>(what: string, once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (caught) {
        const error = this.asTransferError(what, caught);
        if (!(error instanceof TransferError) || !error.retryable || attempt >= this.retry.tries) throw error;
        const wait = backoffMs(attempt, this.retry);
        log.warn('farm transfer failed, trying again', { coordinator: this.origin, what, attempt, waitMs: wait, error: error.message });
        await sleep(wait);
      }
    }
  }
}

async function readText(response: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).byteLength;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
