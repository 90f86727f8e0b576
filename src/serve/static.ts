import { createReadStream, type Stats } from 'node:fs';
import { pipeline } from 'node:stream';
import { readdir, realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * Static files over HTTP for the archive (`freshet serve`, the gate's staging copy) and the local
 * upstream mirror: GET and HEAD, ETag and Last-Modified with 304s, optional directory listings
 * in the autoindex style that download pages use. Paths never leave the root, links included.
 */
export interface StaticOptions {
  root: string;
  /** HTML listings for folders, like nginx's autoindex. */
  listings?: boolean;
  /** Tried before static files; return true when it answered the request. */
  before?: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<boolean> | boolean;
  /** Picks the file to send once the path resolved inside the root (it must stay inside). */
  select?: (request: http.IncomingMessage, file: string) => string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.asc': 'text/plain; charset=utf-8',
  '.sources': 'text/plain; charset=utf-8',
  '.repo': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.gz': 'application/gzip',
  '.xz': 'application/x-xz',
  '.deb': 'application/vnd.debian.binary-package',
  '.rpm': 'application/x-rpm',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function etagOf(stats: Stats): string {
  return `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

function notModified(request: http.IncomingMessage, stats: Stats, etag: string): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch) return ifNoneMatch.split(',').some((tag) => tag.trim() === etag);
  const ifModifiedSince = request.headers['if-modified-since'];
  if (!ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(stats.mtimeMs / 1000) <= Math.floor(since / 1000);
}

async function listing(dir: string, urlPath: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const rows = await Promise.all(
    entries.map(async (entry) => {
      const info = await stat(path.join(dir, entry.name)).catch(() => undefined);
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name;
      const when = info ? info.mtime.toISOString().replace('T', ' ').slice(0, 16) : '';
      const size = info && !entry.isDirectory() ? String(info.size) : '-';
      return `<a href="${escapeHtml(encodeURIComponent(entry.name))}${entry.isDirectory() ? '/' : ''}">${escapeHtml(name)}</a>${' '.repeat(Math.max(1, 50 - name.length))}${when} ${size.padStart(12)}`;
    }),
  );
  const title = `Index of ${escapeHtml(urlPath)}`;
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><hr><pre><a href="../">../</a>\n${rows.join('\n')}\n</pre><hr></body></html>\n`;
}

/** Resolve a URL path inside root; undefined when it would leave it (`..`, encoded or through a link). */
async function resolveInside(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const candidate = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const real = await realpath(candidate).catch(() => undefined);
  if (!real) return undefined;
  return real === root || real.startsWith(`${root}${path.sep}`) ? real : undefined;
}

export function createStaticHandler(options: StaticOptions): http.RequestListener {
  const rootPromise = realpath(options.root);
  return (request, response) => {
    void (async () => {
      if (options.before && (await options.before(request, response))) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const root = await rootPromise;
      const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
      const resolved = await resolveInside(root, urlPath);
      const file = resolved && options.select ? options.select(request, resolved) : resolved;
      const stats = file ? await stat(file).catch(() => undefined) : undefined;
      if (!file || !stats) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      if (stats.isDirectory()) {
        if (!urlPath.endsWith('/')) {
          response.writeHead(301, { location: `${urlPath}/` }).end();
          return;
        }
        const index = path.join(file, 'index.html');
        const indexStats = await stat(index).catch(() => undefined);
        if (indexStats?.isFile()) return sendFile(request, response, index, indexStats);
        if (!options.listings) {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        const body = await listing(file, urlPath);
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
        return;
      }
      sendFile(request, response, file, stats);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`internal error: ${(error as Error).message}\n`);
    });
  };
}

function sendFile(request: http.IncomingMessage, response: http.ServerResponse, file: string, stats: Stats): void {
  const etag = etagOf(stats);
  const headers = {
    etag,
    'last-modified': stats.mtime.toUTCString(),
    'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
  };
  if (notModified(request, stats, etag)) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': stats.size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  // pipeline closes the file when the client goes away mid-transfer, which pipe() would leave open.
  pipeline(createReadStream(file), response, () => undefined);
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * What one client may hold: a client that never finishes its headers (slowloris) or its body is
 * cut off, idle keep-alive connections are closed, and connections past the cap are refused at
 * once, so a few sockets cannot exhaust the process's file descriptors.
 */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeadersCount: number;
  maxConnections: number;
  /** How often node looks for connections past headersTimeoutMs or requestTimeoutMs. */
  checkIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 64,
  maxConnections: 512,
  checkIntervalMs: 1_000,
};

/** Listen on host:port (port 0 picks a free one) and return the base URL. */
export async function listen(handler: http.RequestListener, host: string, port: number, limits: Partial<ServerLimits> = {}): Promise<RunningServer> {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxHeadersCount, maxConnections, checkIntervalMs } = { ...DEFAULT_SERVER_LIMITS, ...limits };
  const server = http.createServer(
    { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, keepAliveTimeout: keepAliveTimeoutMs, connectionsCheckingInterval: checkIntervalMs },
    handler,
  );
  server.maxHeadersCount = maxHeadersCount;
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function parseListen(listenAddress: string): { host: string; port: number } {
  const match = /^(\[[0-9a-f:]+\]|[^:]+)(?::(\d+))?$/i.exec(listenAddress);
  if (!match) throw new Error(`bad listen address ${listenAddress}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2] ?? 8780) };
}
