import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { runPipeline, type JobOutcome, type RunSummary } from '../../pipeline/run.js';
import { keyStatus, warnIfExpiringSoon } from '../../sign/key.js';
import type { PlannedAction } from '../../pipeline/plan.js';
import { Progress } from '../progress.js';
import type { RunCommandOptions } from '../commands/run.js';
import { configFor, globalOptions, output } from '../context.js';

function describeAction(entry: PlannedAction): string {
  const where = `${entry.recipe} ${entry.targetId}`;
  switch (entry.kind) {
    case 'build':
      return `${where}: build ${entry.packageVersion} (${entry.why})`;
    case 'up-to-date':
      return `${where}: up to date (${entry.packageVersion})`;
    case 'distro-current':
      return `${where}: the distribution ships ${entry.shipped}, nothing to do`;
    case 'failed-before':
      return `${where}: ${entry.upstreamVersion} failed before (${entry.why})`;
    case 'skip':
      return `${where}: skipped (${entry.why})`;
  }
}

/** ` (infrastructure failure: apt could not download from the mirror; retried by a run from …)` */
function failureNote(failure: JobOutcome['failure']): string {
  if (!failure) return '';
  return ` (${failure.class} failure: ${failure.reason}${failure.retryAt ? `; retried by a run from ${failure.retryAt}` : ''})`;
}

/** Build order and chains, for targets where some build needs another. */
function describeOrder(order: RunSummary['order']): string[] {
  return order
    .filter((entry) => entry.chains.length > 0)
    .flatMap((entry) => [
      `${entry.targetId} build order: ${entry.stages.map((stage) => stage.join(' + ')).join(' → ')}`,
      ...entry.chains.map((chain) => `${entry.targetId} chain (published together): ${chain.join(', ')}`),
    ]);
}

export function summarize(summary: RunSummary, dryRun: boolean): string {
  const lines: string[] = [];
  for (const entry of summary.watch.filter((watched) => watched.error)) lines.push(`${entry.recipe}: upstream check FAILED: ${entry.error}`);
  if (dryRun) return [...lines, ...summary.plan.map(describeAction), ...describeOrder(summary.order)].join('\n');
  for (const job of summary.jobs) {
    const where = `${job.action.recipe} ${job.action.targetId} ${job.action.packageVersion}`;
    const lint = job.lint ? ` (${job.lint.tool}: ${job.lint.errors} errors, ${job.lint.warnings} warnings)` : '';
    lines.push(job.status === 'published' ? `${where}: published${lint}` : `${where}: ${job.status}${failureNote(job.failure)}: ${job.error ?? ''}${job.logFile ? `\n  log: ${job.logFile}` : ''}`);
  }
  lines.push(...describeOrder(summary.order));
  // A failed build is not "nothing to do": it waits for a recipe change or --retry-failed.
  const waiting = summary.plan.filter((entry) => entry.kind === 'failed-before');
  for (const entry of waiting) {
    lines.push(
      entry.retryAt
        ? `${entry.recipe} ${entry.targetId}: ${entry.upstreamVersion} failed for the infrastructure, ${entry.why}; a run after that builds it again by itself`
        : `${entry.recipe} ${entry.targetId}: ${entry.upstreamVersion} FAILED before${entry.failureClass ? ` (${entry.failureClass} failure)` : ''}, waiting: change the recipe, or run freshet run --retry-failed ${entry.recipe}`,
    );
  }
  const idle = summary.plan.filter((entry) => entry.kind !== 'build' && entry.kind !== 'failed-before').length;
  for (const outcome of summary.published) lines.push(`published ${outcome.suite}: ${outcome.added.length} packages added, ${outcome.removed.length} retired`);
  if (summary.resigned.length) lines.push(`re-signed ${summary.resigned.join(', ')} (nothing new)`);
  // A rebuild that follows a library and turned out not to be needed was never built.
  const unchanged = summary.jobs.filter((job) => job.status === 'unchanged').length;
  lines.push(`${summary.jobs.length - unchanged} builds, ${summary.jobs.filter((job) => job.status === 'published').length} published, ${idle + unchanged} with nothing to do${waiting.length ? `, ${waiting.length} failed and waiting` : ''}`);
  return lines.join('\n');
}

export async function run(recipes: string[], options: RunCommandOptions, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  // Warn on every run, not only on runs that publish; a missing key is publishing's error.
  warnIfExpiringSoon(await keyStatus(config.stateDir, config.signingKey).catch(() => ({ state: 'missing' as const, home: '', message: '' })));
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.warn('stopping: removing running containers, nothing half-published; the next run builds the stopped jobs again', { signal });
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const progress = new Progress();
  if (!globalOptions(command).json) progress.start();
  try {
    const summary = await runPipeline(config, {
      recipes,
      targets: options.target,
      dryRun: options.dryRun,
      noWatch: !options.watch,
      retryFailed: options.retryFailed,
      signal: controller.signal,
      onJob: (id, label, state, step) => (state === 'queued' ? progress.add(id, label) : progress.update(id, state, step)),
    });
    progress.stop();
    output(command, summary, () => summarize(summary, Boolean(options.dryRun)));
    if (controller.signal.aborted) return ExitCode.failed;
    return summary.failed ? ExitCode.failed : ExitCode.ok;
  } finally {
    progress.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
