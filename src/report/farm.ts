import { formatTime } from './format.js';
import { html, SafeHtml } from './html-template.js';
import type { BuildSummary, FarmStatus } from './schema.js';

/**
 * The build farm on the status page and in `freshet status` (only with queue: configured): each
 * queue by job state, the jobs workers hold, and each worker's health from its heartbeat.
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

type Queue = FarmStatus['queues'][number];
type Running = FarmStatus['running'][number];
type Worker = FarmStatus['workers'][number];

export const queueCounts = (queue: Queue): string =>
  `${queue.waiting} waiting, ${queue.active} running, ${queue.delayed} delayed, ${queue.failed} failed, ${queue.completed} completed`;

export const runningText = (job: Running): string =>
  `${job.jobId} (${job.kind} of ${job.recipe} on ${job.target}${job.attempt > 1 ? `, attempt ${job.attempt}` : ''}) on ${job.worker ?? 'an unknown worker'}${job.since ? ` since ${formatTime(job.since)}` : ''}`;

export function workerText(worker: Worker): string {
  const what = `${worker.host}, ${worker.targets.join(' ')} ${worker.arch}, freshet ${worker.version}`;
  if (worker.health !== 'ok') return `${worker.health} (${what}; last seen ${formatTime(worker.lastSeen)})`;
  const disk = worker.freeDiskBytes === null ? '' : `, ${formatBytes(worker.freeDiskBytes)} free`;
  const last = worker.lastJob ? `, last job ${worker.lastJob.id} ${worker.lastJob.outcome}` : '';
  return `ok (${what}; ${worker.running}/${worker.concurrency} jobs${last}${disk}; up since ${formatTime(worker.startedAt)})`;
}

/** Who built and gated a build, when a farm worker did (the coordinator's own `local` says nothing new). */
export function builtBy(build: Pick<BuildSummary, 'worker' | 'gate'>): string | null {
  const built = build.worker && build.worker !== 'local' ? build.worker : null;
  const gated = build.gate?.worker && build.gate.worker !== 'local' ? build.gate.worker : null;
  if (!built && !gated) return null;
  if (!gated || gated === built) return `on ${built ?? gated}`;
  return built ? `built on ${built}, gated on ${gated}` : `gated on ${gated}`;
}

/** `freshet status`: a line per queue, per running job and per worker. */
export function farmLines(farm: FarmStatus): string[] {
  const lines = [`build farm ${farm.queue}${farm.error ? `: ${farm.error}` : ''}`];
  for (const queue of farm.queues) lines.push(`queue ${queue.name}: ${queueCounts(queue)}`);
  for (const job of farm.running) lines.push(`running ${runningText(job)}`);
  for (const worker of farm.workers) lines.push(`worker ${worker.name}: ${workerText(worker)}`);
  if (!farm.error && farm.workers.length === 0) lines.push('no worker has reported yet');
  return lines;
}

const healthClass: Record<Worker['health'], string> = { ok: 'newest', lost: 'failed', stopped: 'skipped' };

/** The status page's "Build farm" section. */
export function farmSection(farm: FarmStatus): SafeHtml {
  const queues = farm.queues.map(
    (queue) => html`<tr><td>${queue.name}</td><td>${queue.waiting}</td><td>${queue.active}</td><td>${queue.delayed}</td><td>${queue.failed}</td><td>${queue.completed}</td></tr>`,
  );
  const running = farm.running.map(
    (job) => html`<tr><td>${job.jobId}</td><td>${job.kind}</td><td>${job.recipe}</td><td>${job.target}</td><td>${job.worker ?? '–'}</td><td>${formatTime(job.since)}</td></tr>`,
  );
  const workers = farm.workers.map(
    (worker) => html`<tr data-worker="${worker.name}"><td>${worker.name}</td><td class="st-${healthClass[worker.health]}"><span class="state">${worker.health}</span></td><td>${worker.host}</td><td>${worker.targets.join(', ')} (${worker.arch})</td><td>${worker.running}/${worker.concurrency}</td><td>${worker.lastJob ? `${worker.lastJob.id} ${worker.lastJob.outcome}` : '–'}</td><td>${worker.freeDiskBytes === null ? '–' : formatBytes(worker.freeDiskBytes)}</td><td>${formatTime(worker.lastSeen)}</td><td>${worker.version}</td></tr>`,
  );
  return html`<section aria-labelledby="farm"><h2 id="farm">Build farm</h2>
<p class="muted">Queue <code>${farm.queue}</code>, read ${formatTime(farm.readAt)}. A worker is lost when its heartbeat expired without a goodbye; the jobs it held go to another worker.</p>
${farm.error ? html`<p class="error" role="alert">${farm.error}</p>` : null}
<h3 id="farm-queues">Queues</h3>
<div class="scroll"><table aria-labelledby="farm-queues"><thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Running</th><th scope="col">Delayed</th><th scope="col">Failed</th><th scope="col">Completed</th></tr></thead><tbody>${queues}</tbody></table></div>
<h3 id="farm-running">Running</h3>
${running.length > 0 ? html`<div class="scroll"><table aria-labelledby="farm-running"><thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Recipe</th><th scope="col">Target</th><th scope="col">Worker</th><th scope="col">Since</th></tr></thead><tbody>${running}</tbody></table></div>` : html`<p class="muted">No job running.</p>`}
<h3 id="farm-workers">Workers</h3>
${workers.length > 0 ? html`<div class="scroll"><table aria-labelledby="farm-workers"><thead><tr><th scope="col">Worker</th><th scope="col">Health</th><th scope="col">Host</th><th scope="col">Targets</th><th scope="col">Jobs</th><th scope="col">Last job</th><th scope="col">Free disk</th><th scope="col">Last seen</th><th scope="col">freshet</th></tr></thead><tbody>${workers}</tbody></table></div>` : html`<p class="muted">No worker has reported yet.</p>`}
</section>`;
}
