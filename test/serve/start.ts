import { startServer, type FreshetServer, type ServeOptions } from '../../src/serve/server.js';
import type { Fixture } from '../report/fixture.js';

/** hello's webhook secret, which startTestServer puts in HELLO_HOOK_SECRET. */
export const SECRET = 'a-long-webhook-secret-for-tests';

/** The server on a free loopback port over the fixture; the pipeline and the status writer do nothing unless `options` give them. */
export function startTestServer(fixture: Fixture, options: Partial<ServeOptions> = {}): Promise<FreshetServer> {
  return startServer({
    config: fixture.config,
    state: fixture.state,
    host: '127.0.0.1',
    port: 0,
    env: { HELLO_HOOK_SECRET: SECRET },
    runPipeline: async () => undefined,
    writeStatus: async () => undefined,
    ...options,
  });
}
