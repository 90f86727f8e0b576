import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { ExitCode, UserError } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { runPipeline } from '../../pipeline/run.js';
import { operatorInstructions } from '../../report/instructions.js';
import { writeStatus } from '../../report/write.js';
import { clearServedUrl, recordServedUrl } from '../../serve/served-url.js';
import { EmbeddedScheduler, type WatchAndPlan } from '../../serve/scheduler.js';
import { startServer } from '../../serve/server.js';
import { parseListen } from '../../serve/static.js';
import { StateStore } from '../../state/store.js';
import { configFor } from '../context.js';
import type { ServeOptions } from '../commands/serve.js';

function listenAddress(value: string): { host: string; port: number } {
  try {
    return parseListen(value);
  } catch {
    throw new UserError(`--listen ${value}: not an address`, { hint: 'use host:port, e.g. 127.0.0.1:8780 or [::1]:8780', exitCode: ExitCode.usage });
  }
}

export async function serve(options: ServeOptions, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  if (options.listen) config.listen = options.listen;
  const { host, port } = listenAddress(config.listen);
  mkdirSync(config.archiveDir, { recursive: true });
  const state = StateStore.open(config.stateDir);
  const server = await startServer({ config, state, runPipeline, writeStatus: (c, s) => writeStatus(c, s), host, port });
  const watchAndPlan: WatchAndPlan = (c, { recipes, state: open }) => runPipeline(c, { recipes, dryRun: true, state: open });
  const tickOptions = {
    config,
    state,
    queue: server.queue,
    watchAndPlan,
    writeStatus: () => writeStatus(config, state),
  };
  // With `queue:`, the ticks are a repeatable job on Redis, so coordinators sharing it schedule once; BullMQ loads only then.
  const scheduler = config.queue ? (await import('../../farm/coordinator/scheduler.js')).farmScheduler(tickOptions, config.queue) : new EmbeddedScheduler(tickOptions);
  // Setup files and the status page name the address served here, also when a `freshet run` elsewhere rewrites them.
  await recordServedUrl(config.stateDir, server.url);
  const doc = await writeStatus(config, state);
  log.info('serving the archive', { url: server.url, root: config.archiveDir, status: `${server.url}status/` });
  if (options.instructions) process.stdout.write(operatorInstructions(doc));
  scheduler.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('shutting down', { signal });
  await scheduler.stop();
  await server.close();
  clearServedUrl(config.stateDir);
  state.close();
  return ExitCode.ok;
}
