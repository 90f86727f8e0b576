import { HttpClient } from '../../src/net/http.js';
import type { CachedAnswer, WatchContext } from '../../src/watch/types.js';
import type { Loopback } from '../net/loopback.js';

/** A watch context against loopback servers, with an in-memory validator cache. */
export function testContext(servers: ReadonlyArray<Pick<Loopback, 'host'>>, recipe = 'demo'): WatchContext & { store: Map<string, CachedAnswer> } {
  const store = new Map<string, CachedAnswer>();
  return {
    http: new HttpClient(
      { allowHosts: servers.map((s) => s.host), rewrites: [], timeoutMs: 2_000, maxBytes: 10_000_000, perHost: 4 },
      { baseDelayMs: 5, maxWaitMs: 2_000 },
    ),
    recipe,
    cache: { get: (url) => store.get(url), set: (url, entry) => store.set(url, entry) },
    tokens: {},
    memo: new Map(),
    store,
  };
}
