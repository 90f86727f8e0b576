/**
 * Named points in a publish. FRESHET_PUBLISH_PAUSE_AT=<step> makes the process announce the step on
 * stderr and wait there forever, so reliability tests can SIGKILL it at exactly that point.
 */
export const PUBLISH_STEPS = ['locked', 'pool', 'recorded', 'indices', 'signed', 'checked', 'committed', 'switched', 'cleaned'] as const;
export type PublishStep = (typeof PUBLISH_STEPS)[number];

export async function checkpoint(step: PublishStep): Promise<void> {
  if (process.env.FRESHET_PUBLISH_PAUSE_AT !== step) return;
  process.stderr.write(`freshet: paused at publish step ${step}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
