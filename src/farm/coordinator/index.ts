import type { ResolvedConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { parseListen } from '../../serve/static.js';
import { farmExecutor, type FarmExecutor } from './executor.js';
import { WorkerTokens } from './tokens.js';
import { createTransferRoutes, startFarmServer } from './transfer.js';

/**
 * The coordinator's side of a run with `queue:` in the config: the BullMQ executor, and the
 * transfer routes on `farm.listen` for as long as the run lasts (workers fetch inputs and upload
 * results only while jobs are in flight).
 */
export async function openFarm(config: ResolvedConfig): Promise<{ executor: FarmExecutor; url: string; close(): Promise<void> }> {
  if (!config.queue) throw new ConfigError(`${config.file}: queue: not set`);
  if (!config.farm) throw new ConfigError(`${config.file}: queue: a farm needs a farm: block (listen and the workers' token hashes; docs/farm.md)`);
  const executor = farmExecutor(config, config.queue);
  const routes = createTransferRoutes({ store: executor.store, results: executor.results, tokens: new WorkerTokens(config.farm.workers), maxUploadBytes: config.farm.maxUploadBytes });
  const { host, port } = parseListen(config.farm.listen);
  const server = await startFarmServer(routes, host, port);
  log.info('farm transfer server listening', { url: server.url, queue: config.queue.replace(/\/\/[^@/]*@/, '//***@') });
  return {
    executor,
    url: server.url,
    close: async () => {
      await executor.close();
      await server.close();
    },
  };
}
