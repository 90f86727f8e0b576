import { readdirSync } from 'node:fs';
import http from 'node:http';
import { setLogLevel } from '../../src/core/log.js';
import { HttpClient } from '../../src/net/http.js';
import { resetHostQueues } from '../../src/net/queue.js';
import type { LoadedRecipe } from '../../src/recipe/load.js';
import type { Recipe } from '../../src/recipe/schema.js';
import type { ResolvedConfig } from '../../src/config/load.js';
import { StateStore } from '../../src/state/store.js';
import { watchAll } from '../../src/watch/watch.js';

/**
 * Soak: N html-index recipes (default 1,000) spread over 4 loopback hosts (127.0.0.1-4, one port)
 * whose upstreams misbehave by recipe number: slow, never answering, resetting the connection,
 * 429 then fine, 503 always, an oversized body, an endless trickle, or fine. Runs the watch
 * library (watchAll) with a small timeout and reports: every recipe accounted for, the longest
 * any request stayed open at the server against the deadline, peak RSS (client and server share
 * this process: an upper bound), open file descriptors before and after, and the most requests
 * one host had in flight against the per-host limit.
 * Usage: node dist/.bench/bench/soak/watch-faults.js [N]   (BENCH_PORT, default 18792)
 */
const COUNT = Number(process.argv[2] ?? 1000);
const PORT = Number(process.env.BENCH_PORT ?? 18792);
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const PER_HOST = 4;
const TIMEOUT_MS = 1_000;
const MAX_BYTES = 256 * 1024;
const BEHAVIOURS = ['ok', 'slow', 'hang', 'reset', '429-once', '503', 'oversized', 'trickle'] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

const inFlight = new Map<string, number>();
const peakInFlight = new Map<string, number>();
let longestOpenMs = 0;
let requests = 0;
const asked429 = new Set<string>();
const openSockets = new Set<import('node:net').Socket>();

function behaviourOf(index: number): Behaviour {
  return BEHAVIOURS[index % BEHAVIOURS.length]!;
}

function listing(name: string): string {
  const links = ['1.0', '1.1', '2.0'].map((version) => `<a href="${name}-${version}.tar.gz">${name}-${version}.tar.gz</a>`);
  return `<html><body><pre>${links.join('\n')}</pre></body></html>`;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  requests += 1;
  const host = req.socket.localAddress ?? '?';
  const opened = Date.now();
  inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
  peakInFlight.set(host, Math.max(peakInFlight.get(host) ?? 0, inFlight.get(host)!));
  res.on('close', () => {
    inFlight.set(host, inFlight.get(host)! - 1);
    longestOpenMs = Math.max(longestOpenMs, Date.now() - opened);
  });
  const match = /^\/(p\d+)\/$/.exec(req.url ?? '');
  if (!match) return void res.writeHead(404).end();
  const name = match[1]!;
  const behaviour = behaviourOf(Number(name.slice(1)));
  switch (behaviour) {
    case 'ok':
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(listing(name));
    case 'slow':
      return void setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(listing(name)), 300);
    case 'hang':
      return;
    case 'reset':
      return void req.socket.destroy();
    case '429-once':
      if (asked429.has(name)) return void res.writeHead(200, { 'content-type': 'text/html' }).end(listing(name));
      asked429.add(name);
      return void res.writeHead(429, { 'retry-after': '1' }).end();
    case '503':
      return void res.writeHead(503).end();
    case 'oversized': {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 4 * MAX_BYTES && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => res.write('<a href="x">'), 50);
      return void res.on('close', () => clearInterval(timer));
    }
  }
}

function recipe(index: number): LoadedRecipe {
  const name = `p${String(index).padStart(4, '0')}`;
  const host = HOSTS[index % HOSTS.length]!;
  const upstream = { kind: 'html-index', url: `http://${host}:${PORT}/${name}/`, pattern: `${name}-(\\d[\\d.]*)\\.tar\\.gz` };
  return { recipe: { name, upstream } as Recipe, file: `recipes/${name}.yaml`, filesDir: `recipes/${name}` };
}

const fdCount = () => readdirSync('/proc/self/fd').length;

async function main(): Promise<void> {
  setLogLevel('error');
  const servers = await Promise.all(
    HOSTS.map(
      (host) =>
        new Promise<http.Server>((resolve) => {
          const server = http.createServer(handler);
          server.on('connection', (socket) => {
            openSockets.add(socket);
            socket.on('close', () => openSockets.delete(socket));
          });
          server.listen(PORT, host, () => resolve(server));
        }),
    ),
  );
  const fdsBefore = fdCount();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

  const recipes = Array.from({ length: COUNT }, (_, index) => recipe(index));
  const state = StateStore.openFile(':memory:');
  const client = new HttpClient(
    { allowHosts: HOSTS.map((host) => `${host}:${PORT}`), rewrites: [], timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES, perHost: PER_HOST },
    { baseDelayMs: 50, maxWaitMs: 2_000 },
  );
  const started = Date.now();
  const outcomes = await watchAll(recipes, {} as ResolvedConfig, state, { http: client });
  const elapsedMs = Date.now() - started;
  client.close();
  state.close();
  clearInterval(sampler);
  // Let the last closes reach both ends before counting descriptors.
  for (let waited = 0; waited < 5_000 && (openSockets.size > 0 || fdCount() > fdsBefore); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const fdsAfter = fdCount();

  const byBehaviour = new Map<Behaviour, { ok: number; failed: number }>();
  outcomes.forEach((outcome, index) => {
    const tally = byBehaviour.get(behaviourOf(index)) ?? { ok: 0, failed: 0 };
    if (outcome.error) tally.failed += 1;
    else tally.ok += 1;
    byBehaviour.set(behaviourOf(index), tally);
  });
  const expectedOk = new Set<Behaviour>(['ok', 'slow', '429-once']);
  const wrong = outcomes.filter((outcome, index) => Boolean(outcome.error) === expectedOk.has(behaviourOf(index)));
  const peakPerHost = Math.max(...peakInFlight.values());
  const deadlineMs = TIMEOUT_MS + 500;

  console.log(`soak watch: ${COUNT} recipes over ${HOSTS.length} loopback hosts, ${requests} requests, ${(elapsedMs / 1000).toFixed(1)} s`);
  for (const behaviour of BEHAVIOURS) {
    const tally = byBehaviour.get(behaviour) ?? { ok: 0, failed: 0 };
    console.log(`  ${behaviour.padEnd(10)} ok ${String(tally.ok).padStart(4)}  failed ${String(tally.failed).padStart(4)}`);
  }
  console.log(`  outcomes: ${outcomes.length} of ${COUNT}; unexpected: ${wrong.length}${wrong.length ? ` (first: ${wrong[0]!.recipe}: ${wrong[0]!.error ?? 'ok'})` : ''}`);
  console.log(`  longest request open at the server: ${longestOpenMs} ms (deadline ${TIMEOUT_MS} ms, allowed ${deadlineMs} ms)`);
  console.log(`  peak RSS: ${(peakRss / 1e6).toFixed(0)} MB (limit 300 MB)`);
  console.log(`  open fds: ${fdsBefore} before, ${fdsAfter} after; sockets left open at the server: ${openSockets.size}`);
  console.log(`  most requests in flight on one host: ${peakPerHost} (limit ${PER_HOST})`);

  const failures = [
    outcomes.length !== COUNT && 'not every recipe has an outcome',
    wrong.length > 0 && 'a recipe ended with the wrong outcome',
    longestOpenMs > deadlineMs && 'a request outlived its deadline',
    peakRss > 300e6 && 'peak RSS over 300 MB',
    fdsAfter > fdsBefore && 'file descriptors leaked',
    openSockets.size > 0 && 'sockets left open',
    peakPerHost > PER_HOST && 'per-host limit exceeded',
  ].filter(Boolean);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  resetHostQueues();
  console.log(failures.length ? `FAILED: ${failures.join('; ')}` : 'soak watch: all checks held');
  process.exitCode = failures.length ? 1 : 0;
}

await main();
