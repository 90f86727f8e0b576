import { log } from '../core/log.js';

/**
 * Named points in a publish. FRESHET_PUBLISH_PAUSE_AT=<step> makes the process announce the step on
 * stderr and wait there until it gets SIGUSR2, so reliability tests can SIGKILL it at exactly that
 * point, or change the world (fill the disk) before letting it go on. APT and YUM publishes pass the
 * same steps in the same order. The steps of a build job in `freshet run` pause the same way.
 */
export const PUBLISH_STEPS = ['locked', 'pool', 'recorded', 'indices', 'signed', 'checked', 'committed', 'switched', 'cleaned'] as const;
export type PublishStep = (typeof PUBLISH_STEPS)[number];
/** A job's steps in `freshet run`; `publish` is reached once the gated builds go to the live archive. */
export const JOB_STEPS = ['fetch', 'generate', 'images', 'build', 'gate', 'publish'] as const;
export type JobStep = (typeof JOB_STEPS)[number];

let lastStep = Date.now();

/** Start timing a publish: each checkpoint logs, at debug level, the milliseconds since the last. */
export function startSteps(): void {
  lastStep = Date.now();
}

export async function checkpoint(step: PublishStep): Promise<void> {
  const now = Date.now();
  log.debug('publish step', { step, ms: now - lastStep });
  lastStep = now;
  await pauseIfAsked('publish', step);
}

export async function jobCheckpoint(step: JobStep): Promise<void> {
  await pauseIfAsked('job', step);
}

async function pauseIfAsked(kind: 'publish' | 'job', step: string): Promise<void> {
  if (process.env.FRESHET_PUBLISH_PAUSE_AT !== step) return;
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    process.once('SIGUSR2', () => {
      clearInterval(keepAlive);
      resolve();
    });
    process.stderr.write(`freshet: paused at ${kind} step ${step} (pid ${process.pid})\n`);
  });
}
