import { createHash, randomBytes } from 'node:crypto';
import dns from 'node:dns';
import { open, rename, rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { rewriteUrl } from '../config/load.js';
import { UpstreamError, errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import { bareHostname, hostKey, isAllowedHost, isLoopbackLiteral, isPrivateAddress, isPrivateLiteral } from './address.js';
import type { ForgeOrigins } from './policy.js';
import { hostQueue } from './queue.js';
import { backoffMs, defaultRetryTuning, isRetryableStatus, serverWaitMs, sleep, type RetryTuning } from './retry.js';

/**
 * The one HTTP client of freshet: index pages, APIs and tarballs all go through it.
 *
 * Built on node:http/https rather than the global fetch: the `lookup` hook lets us refuse a name
 * that RESOLVES to a private address at connect time (no window for DNS rebinding between a check
 * and the connection), redirects are followed by hand so every hop is checked, and the deadline
 * and size cap cover the body as well as the headers, which fetch's timeouts do not.
 *
 * URL rewrites are transparent: the request goes to the rewritten URL, but `HttpResponse.url`
 * (and redirect bookkeeping) stay in upstream's own URL space, so links found on a mirrored page
 * still name the real upstream.
 */
export interface HttpPolicy {
  allowHosts: string[];
  rewrites: { from: string; to: string }[];
  timeoutMs: number;
  maxBytes: number;
  perHost: number;
  /** The API origins forge tokens may go to (default: DEFAULT_FORGE_ORIGINS). */
  forgeOrigins?: ForgeOrigins;
}

/** A token and the one origin it was issued for. */
export interface Bearer {
  token: string;
  origin: string;
}

export interface HttpRequest {
  url: string;
  /** Recipe or upstream name, for errors. */
  upstream: string;
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer` only where tokenAllowed() says so, checked on every hop. */
  bearer?: Bearer;
  maxBytes?: number;
  timeoutMs?: number;
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  /** Final URL, after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  notModified: boolean;
}

export interface DownloadResult {
  url: string;
  file: string;
  size: number;
  sha256: string;
  sha512: string;
}

export const MAX_REDIRECTS = 5;
const USER_AGENT = 'freshet/0.1 (distro packaging pipeline)';
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'private-token', 'x-api-key'];
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A failure worth another try: a reset connection or a body that ended early. */
class RetryableError extends Error {}

/** A body over the size cap; not retried. */
class TooLargeError extends Error {
  constructor(limit: number) {
    super(`body is over the ${limit}-byte limit`);
  }
}

interface Exchange<T> {
  status: number;
  headers: Record<string, string>;
  location?: string;
  value?: T;
}

type Consume<T> = (response: IncomingMessage, limit: number, expected: number | undefined) => Promise<T>;

/**
 * A redirect freshet will follow: http(s) only, and never from https down to http (apt refuses
 * that too), since it would let anyone on the path swap the bytes.
 */
export function checkRedirect(from: URL, to: URL): string | undefined {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return `refusing redirect to a ${to.protocol} URL`;
  if (from.protocol === 'https:' && to.protocol === 'http:') return `refusing redirect from https to http (${to.href})`;
  return undefined;
}

export class HttpClient {
  readonly policy: HttpPolicy;
  private readonly tuning: RetryTuning;
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  constructor(policy: HttpPolicy, tuning: Partial<RetryTuning> = {}) {
    this.policy = policy;
    this.tuning = { ...defaultRetryTuning, ...tuning };
  }

  async get(req: HttpRequest): Promise<HttpResponse> {
    const { url, exchange } = await this.follow(req, true, collectBody);
    return {
      url,
      status: exchange.status,
      headers: exchange.headers,
      body: exchange.value ?? Buffer.alloc(0),
      notModified: exchange.status === 304,
    };
  }

  async download(req: HttpRequest & { file: string }): Promise<DownloadResult> {
    const consume: Consume<Omit<DownloadResult, 'url'>> = (response, limit, expected) =>
      writeVerified(response, limit, expected, req.file);
    const { url, exchange } = await this.follow(req, false, consume);
    if (!exchange.value) throw new UpstreamError(req.upstream, `${req.url}: no body`, { status: exchange.status });
    return { url, ...exchange.value };
  }

  /** Close idle keep-alive connections (tests, end of a run). */
  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }

  private async follow<T>(
    req: HttpRequest,
    conditional: boolean,
    consume: Consume<T>,
  ): Promise<{ url: string; exchange: Exchange<T> }> {
    let logical = parseUrl(req.url, req.upstream);
    const firstOrigin = logical.origin;
    let headers = this.initialHeaders(req, conditional);
    const seen = new Set<string>();
    for (let hop = 0; ; hop++) {
      const actual = parseUrl(rewriteUrl(logical.href, this.policy.rewrites), req.upstream);
      this.checkDestination(actual, req.upstream);
      seen.add(actual.href);
      const exchange = await this.withRetries(actual, this.withBearer(headers, actual, req.bearer), req, consume);
      if (exchange.location === undefined) {
        if (exchange.status >= 400) {
          throw new UpstreamError(req.upstream, `${logical.href}: HTTP ${exchange.status}`, { status: exchange.status });
        }
        return { url: logical.href, exchange };
      }
      if (hop >= MAX_REDIRECTS) throw new UpstreamError(req.upstream, `${req.url}: more than ${MAX_REDIRECTS} redirects`);
      const nextActual = parseUrl(new URL(exchange.location, actual).href, req.upstream);
      const next = parseUrl(unrewriteUrl(nextActual.href, this.policy.rewrites), req.upstream);
      const refusal = checkRedirect(logical, next);
      if (refusal) throw new UpstreamError(req.upstream, `${logical.href}: ${refusal}`, { status: exchange.status });
      if (seen.has(rewriteUrl(next.href, this.policy.rewrites))) {
        throw new UpstreamError(req.upstream, `${req.url}: redirect loop at ${next.href}`, { status: exchange.status });
      }
      // Tokens are for the host they were issued by, never for wherever it redirects.
      if (next.origin !== firstOrigin) headers = withoutCredentials(headers);
      logical = next;
    }
  }

  private initialHeaders(req: HttpRequest, conditional: boolean): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
    if (conditional && req.etag) headers['if-none-match'] = req.etag;
    if (conditional && req.lastModified) headers['if-modified-since'] = req.lastModified;
    return headers;
  }

  private withBearer(headers: Record<string, string>, url: URL, bearer: Bearer | undefined): Record<string, string> {
    if (!bearer || !tokenAllowed(url, bearer.origin, this.policy.allowHosts)) return headers;
    return { ...headers, authorization: `Bearer ${bearer.token}` };
  }

  /** The literal check; names are checked on their resolved address by the lookup hook. */
  private checkDestination(url: URL, upstream: string): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UpstreamError(upstream, `refusing ${url.protocol} URL ${url.href}`);
    }
    if (isPrivateLiteral(url) && !isAllowedHost(url, this.policy.allowHosts)) {
      throw new UpstreamError(upstream, privateRefusal(url, bareHostname(url)));
    }
  }

  private async withRetries<T>(
    url: URL,
    headers: Record<string, string>,
    req: HttpRequest,
    consume: Consume<T>,
  ): Promise<Exchange<T>> {
    const queue = hostQueue(hostKey(url), this.policy.perHost);
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      let status: number | undefined;
      let wait: number;
      try {
        const exchange = await queue.add(() => this.once(url, headers, req, consume), { throwOnTimeout: true });
        if (!isRetryableStatus(exchange.status, exchange.headers)) return exchange;
        status = exchange.status;
        failure = `HTTP ${status}`;
        const asked = serverWaitMs(exchange.headers);
        if (asked !== undefined && asked > this.tuning.maxWaitMs) {
          throw new UpstreamError(
            req.upstream,
            `${url.href}: HTTP ${status}, asked to retry in ${Math.ceil(asked / 1000)}s, longer than freshet waits (${Math.round(this.tuning.maxWaitMs / 1000)}s)`,
            { status },
          );
        }
        wait = asked ?? backoffMs(attempt, this.tuning);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        failure = error.message;
        wait = backoffMs(attempt, this.tuning);
      }
      if (attempt >= this.tuning.tries) {
        throw new UpstreamError(req.upstream, `${url.href}: ${failure} (gave up after ${attempt} tries)`, { status });
      }
      log.debug('retrying request', { upstream: req.upstream, url: url.href, failure, waitMs: wait });
      await sleep(wait, req.signal);
    }
  }

  /** One request, with a deadline over headers and body; the queue slot is held until it settles. */
  private once<T>(url: URL, headers: Record<string, string>, req: HttpRequest, consume: Consume<T>): Promise<Exchange<T>> {
    const timeoutMs = req.timeoutMs ?? this.policy.timeoutMs;
    const limit = req.maxBytes ?? this.policy.maxBytes;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const cancel = () => controller.abort();
    req.signal?.addEventListener('abort', cancel, { once: true });

    const attempt = new Promise<Exchange<T>>((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(
        url,
        {
          method: 'GET',
          headers,
          agent: this.agents[url.protocol as 'http:' | 'https:'],
          signal: controller.signal,
          lookup: isAllowedHost(url, this.policy.allowHosts) ? undefined : guardedLookup(url),
        },
        (response) => {
          readResponse(response, limit, consume, req.upstream, url).then(resolve, reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
    return attempt
      .catch((error: unknown) => {
        throw classify(error, { timedOut, timeoutMs, cancelled: req.signal?.aborted ?? false, upstream: req.upstream, url });
      })
      .finally(() => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', cancel);
      });
  }
}

/**
 * A token may go to the URL actually requested (after rewrites and redirects) only when that is
 * the token's own origin, over https; plain http only to a loopback address that allowHosts lists
 * (a fake forge in a test, a local proxy). A rewrite to a mirror changes the origin, so the mirror
 * never gets it.
 */
export function tokenAllowed(url: URL, origin: string, allowHosts: readonly string[]): boolean {
  if (url.origin !== origin) return false;
  return url.protocol === 'https:' || (isLoopbackLiteral(url) && isAllowedHost(url, allowHosts));
}

function parseUrl(value: string, upstream: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new UpstreamError(upstream, `not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
}

/** A URL on a mirror, mapped back to upstream's URL space (the inverse of the config's rewrites). */
function unrewriteUrl(url: string, rewrites: readonly { from: string; to: string }[]): string {
  for (const rewrite of rewrites) {
    if (url.startsWith(rewrite.to)) return rewrite.from + url.slice(rewrite.to.length);
  }
  return url;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name)));
}

function privateRefusal(url: URL, address: string): string {
  return `refusing to connect to ${url.host} (${address} is not a public address: loopback, private, link-local or special-purpose); list ${hostKey(url)} in allowHosts if it is a mirror you trust`;
}

/** dns.lookup, refusing private addresses; node calls it with `all: true` when it races IPv4 and IPv6. */
function guardedLookup(url: URL): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const refused = addresses.find((entry) => isPrivateAddress(entry.address));
      if (refused) return callback(Object.assign(new Error(privateRefusal(url, refused.address)), { code: 'EFRESHETPRIVATE' }));
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  }) as unknown as LookupFunction;
}

function flattenHeaders(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readResponse<T>(
  response: IncomingMessage,
  limit: number,
  consume: Consume<T>,
  upstream: string,
  url: URL,
): Promise<Exchange<T>> {
  const status = response.statusCode ?? 0;
  const headers = flattenHeaders(response);
  if ([301, 302, 303, 307, 308].includes(status) && headers.location) {
    response.destroy();
    return { status, headers, location: headers.location };
  }
  if (status === 304) {
    response.resume();
    return { status, headers };
  }
  if (status < 200 || status >= 300) {
    // Error bodies are not read: an endless one must not hold the slot.
    response.destroy();
    return { status, headers };
  }
  const declared = headers['content-length'];
  const expected = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (expected !== undefined && expected > limit) {
    response.destroy();
    throw new UpstreamError(upstream, `${url.href}: body of ${expected} bytes is over the ${limit}-byte limit`, { status });
  }
  const value = await consume(response, limit, expected);
  return { status, headers, value };
}

const collectBody: Consume<Buffer> = async (response, limit, expected) => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.destroy();
      throw new TooLargeError(limit);
    }
    chunks.push(chunk);
  }
  if (expected !== undefined && size !== expected) throw new RetryableError(`body ended after ${size} of ${expected} bytes`);
  return Buffer.concat(chunks, size);
};

/** Stream to a temp file beside the target, hashing as it goes; rename only a complete file. */
async function writeVerified(
  response: IncomingMessage,
  limit: number,
  expected: number | undefined,
  file: string,
): Promise<Omit<DownloadResult, 'url'>> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.part`);
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let size = 0;
  const handle = await open(temp, 'w');
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        throw new TooLargeError(limit);
      }
      sha256.update(chunk);
      sha512.update(chunk);
      await handle.write(chunk);
    }
    if (expected !== undefined && size !== expected) throw new RetryableError(`download ended after ${size} of ${expected} bytes`);
    await handle.close();
    await rename(temp, file);
    return { file, size, sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

function classify(
  error: unknown,
  context: { timedOut: boolean; timeoutMs: number; cancelled: boolean; upstream: string; url: URL },
): Error {
  const where = context.url.href;
  if (error instanceof UpstreamError || error instanceof RetryableError) return error;
  if (error instanceof TooLargeError) return new UpstreamError(context.upstream, `${where}: ${error.message}`);
  if (context.timedOut) {
    return new UpstreamError(context.upstream, `${where}: no complete answer within ${Math.round(context.timeoutMs / 100) / 10}s`, { cause: error });
  }
  if (context.cancelled) return new UpstreamError(context.upstream, `${where}: cancelled`, { cause: error });
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'EFRESHETPRIVATE') return new UpstreamError(context.upstream, errorMessage(error));
  const message = errorMessage(error);
  if ((code && RETRYABLE_CODES.has(code)) || message === 'socket hang up' || message === 'aborted') {
    return new RetryableError(`connection failed: ${message}`);
  }
  return new UpstreamError(context.upstream, `${where}: ${message}`, { cause: error });
}
