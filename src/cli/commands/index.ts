import type { RegisterCommand } from '../context.js';

/**
 * Every subcommand, in the order `freshet --help` lists them. A command's module is imported only
 * when it runs or when help lists them all (mirror/cli.js alone pulls in the mirror and server code).
 */
export const commands: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ['lint', async () => (await import('./lint.js')).registerLint],
  ['new', async () => (await import('./new.js')).registerNew],
  ['schema', async () => (await import('./schema.js')).registerSchema],
  ['watch', async () => (await import('./watch.js')).registerWatch],
  ['forget', async () => (await import('./forget.js')).registerForget],
  ['run', async () => (await import('./run.js')).registerRun],
  ['images', async () => (await import('./images.js')).registerImages],
  ['generate', async () => (await import('./generate.js')).registerGenerate],
  ['explain', async () => (await import('./explain.js')).registerExplain],
  ['publish', async () => (await import('./publish.js')).registerPublish],
  ['key', async () => (await import('./key.js')).registerKey],
  ['verify', async () => (await import('./verify.js')).registerVerify],
  ['mirror', async () => (await import('../../mirror/cli.js')).registerMirror],
  ['serve', async () => (await import('./serve.js')).registerServe],
  ['farm', async () => (await import('./farm.js')).registerFarm],
  ['status', async () => (await import('./status.js')).registerStatus],
  ['worker', async () => (await import('./worker.js')).registerWorker],
];
