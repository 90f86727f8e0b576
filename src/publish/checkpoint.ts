import { log } from '../core/log.js';

/**
 * Named points in a publish. FRESHET_PUBLISH_PAUSE_AT=<step> makes the process announce the step on
 * stderr and wait there until it gets SIGUSR2, so reliability tests can SIGKILL it at exactly that
 * point, or change the world (fill the disk) before letting it go on. APT and YUM publishes pass the
 * same steps in the same order.
 */
export const PUBLISH_STEPS = ['locked', 'pool', 'recorded', 'indices', 'signed', 'checked', 'committed', 'switched', 'cleaned'] as const;
export type PublishStep = (typeof PUBLISH_STEPS)[number];

let lastStep = Date.now();

/** Start timing a publish: each checkpoint logs, at debug level, the milliseconds since the last. */
export function startSteps(): void {
  lastStep = Date.now();
}

export async function checkpoint(step: PublishStep): Promise<void> {
  const now = Date.now();
  log.debug('publish step', { step, ms: now - lastStep });
  lastStep = now;
  if (process.env.FRESHET_PUBLISH_PAUSE_AT !== step) return;
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    process.once('SIGUSR2', () => {
      clearInterval(keepAlive);
      resolve();
    });
    process.stderr.write(`freshet: paused at publish step ${step} (pid ${process.pid})\n`);
  });
}
