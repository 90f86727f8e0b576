import type http from 'node:http';
import type { ResolvedConfig } from '../config/load.js';
import { log } from '../core/log.js';
import { collectMetrics, formatMetrics, METRICS_CONTENT_TYPE, type ServerCounters } from '../report/metrics.js';
import { archiveFingerprint } from '../report/fingerprint.js';
import { buildStatus } from '../report/write.js';
import type { StateStore } from '../state/store.js';
import { PipelineQueue, type PipelineRunner } from './pipeline-queue.js';
import { RepodataPins } from './repodata-pins.js';
import { createStaticHandler, listen, type RunningServer, type ServerLimits } from './static.js';
import { BodyTooLarge, hasSignature, HOOK_PREFIX, hookSecret, knownRecipe, MAX_HOOK_BODY_BYTES, readBody, verifyHook } from './webhook.js';

/** /metrics is rebuilt at most this often: building it reads the whole state, and any caller may ask. */
export const METRICS_CACHE_MS = 5_000;

/**
 * `freshet serve`: the archive root as static files, GET /metrics, and POST /hooks/<recipe>.
 * The pipeline runner and the status writer are passed in, so tests run the server with fakes.
 */
export interface ServeOptions {
  config: ResolvedConfig;
  state: StateStore;
  runPipeline: PipelineRunner;
  writeStatus: (config: ResolvedConfig, state: StateStore) => Promise<unknown>;
  env?: NodeJS.ProcessEnv;
  maxBodyBytes?: number;
  metricsCacheMs?: number;
  maxPinnedClients?: number;
  limits?: Partial<ServerLimits>;
}

export interface FreshetServer extends RunningServer {
  queue: PipelineQueue;
  counters: ServerCounters;
  pins: RepodataPins;
}

function send(response: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  response.end(body);
}

export function createServeHandler(options: ServeOptions): { handler: http.RequestListener; queue: PipelineQueue; counters: ServerCounters; pins: RepodataPins } {
  const { config, state } = options;
  const env = options.env ?? process.env;
  const counters: ServerCounters = { webhooks: new Map() };
  const count = (result: string) => counters.webhooks.set(result, (counters.webhooks.get(result) ?? 0) + 1);
  let fingerprint: Promise<string | null> | undefined;
  const queue = new PipelineQueue(config, options.runPipeline, () => options.writeStatus(config, state));
  const pins = new RepodataPins({ maxClients: options.maxPinnedClients });
  const metricsCacheMs = options.metricsCacheMs ?? METRICS_CACHE_MS;
  let metricsCache: { body: Promise<string>; at: number } | undefined;

  function metricsBody(): Promise<string> {
    const now = Date.now();
    if (metricsCache && now - metricsCache.at < metricsCacheMs) return metricsCache.body;
    const built = (async () => {
      fingerprint ??= archiveFingerprint(config);
      const doc = await buildStatus(config, state, new Date(), { fingerprint: await fingerprint });
      return formatMetrics(collectMetrics(doc, state, counters));
    })();
    const entry = { body: built, at: now };
    metricsCache = entry;
    // A failed build is not kept: the next request tries again.
    built.catch(() => {
      if (metricsCache === entry) metricsCache = undefined;
    });
    return built;
  }

  async function metrics(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'GET only\n', undefined, { allow: 'GET, HEAD' });
    const body = await metricsBody();
    send(response, 200, request.method === 'HEAD' ? '' : body, METRICS_CONTENT_TYPE);
  }

  function refuse(response: http.ServerResponse, recipe: string): void {
    count('unauthorized');
    log.warn('webhook refused', { recipe: recipe.slice(0, 100) });
    // Closing the connection leaves an unread body unread.
    send(response, 401, 'missing or invalid signature, or no webhook for this recipe\n', undefined, { connection: 'close' });
  }

  async function hook(request: http.IncomingMessage, response: http.ServerResponse, recipe: string): Promise<void> {
    if (request.method !== 'POST') return send(response, 405, 'POST only\n', undefined, { allow: 'POST' });
    // Nothing could verify the body: refuse before reading any of it.
    const secret = knownRecipe(config, recipe) ? hookSecret(config, recipe, env) : undefined;
    if (!secret || !hasSignature(request.headers)) return refuse(response, recipe);
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes ?? MAX_HOOK_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      count('too-large');
      return send(response, 413, 'body too large\n', undefined, { connection: 'close' });
    }
    if (!verifyHook(secret, body, request.headers)) return refuse(response, recipe);
    const outcome = queue.enqueue(recipe);
    count('accepted');
    log.info('webhook accepted', { recipe, outcome });
    send(response, 202, `${JSON.stringify({ recipe, run: outcome })}\n`, 'application/json');
  }

  const handler = createStaticHandler({
    root: config.archiveDir,
    select: pins.select,
    before: async (request, response) => {
      const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (urlPath === '/metrics') {
        await metrics(request, response);
        return true;
      }
      if (urlPath.startsWith(HOOK_PREFIX)) {
        await hook(request, response, urlPath.slice(HOOK_PREFIX.length));
        return true;
      }
      return false;
    },
  });
  return { handler, queue, counters, pins };
}

/** Listen on host:port (0: any free port); close() stops the queue (cancelling a run) and the server. */
export async function startServer(options: ServeOptions & { host: string; port: number }): Promise<FreshetServer> {
  const { handler, queue, counters, pins } = createServeHandler(options);
  const running = await listen(handler, options.host, options.port, options.limits);
  return {
    ...running,
    queue,
    counters,
    pins,
    close: async () => {
      await running.close();
      await queue.stop();
    },
  };
}
