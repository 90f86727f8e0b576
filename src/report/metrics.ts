import type { StateStore } from '../state/store.js';
import type { FarmStatus, StatusDocument } from './schema.js';

/**
 * GET /metrics in the Prometheus text exposition format (version 0.0.4): HELP and TYPE once per
 * family, label values escaped (backslash, double quote, newline).
 */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

export function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function formatSample(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels);
  const labelText = entries.length ? `{${entries.map(([key, text]) => `${key}="${escapeLabelValue(text)}"`).join(',')}}` : '';
  const number = Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  return `${name}${labelText} ${number}`;
}

export function formatMetrics(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(formatSample(family.name, sample.labels, sample.value));
  }
  return `${lines.join('\n')}\n`;
}

/** Counters the server keeps itself (webhook outcomes). */
export interface ServerCounters {
  webhooks: Map<string, number>;
}

export function collectMetrics(doc: StatusDocument, state: StateStore, counters?: ServerCounters): Family[] {
  const builds = state.db
    .prepare(`SELECT recipe, target_id AS target, status, COUNT(*) AS count FROM builds GROUP BY recipe, target_id, status ORDER BY recipe, target_id, status`)
    .all() as Array<{ recipe: string; target: string; status: string; count: number }>;
  const gateFailures = state.db
    .prepare(
      `SELECT b.recipe, b.target_id AS target, COUNT(*) AS count FROM gates g JOIN builds b ON b.id = g.build_id
       WHERE g.status = 'failed' GROUP BY b.recipe, b.target_id ORDER BY b.recipe, b.target_id`,
    )
    .all() as Array<{ recipe: string; target: string; count: number }>;
  const failures = new Map<string, { recipe: string; target: string; count: number }>();
  for (const row of builds) {
    if (row.status !== 'failed' && row.status !== 'interrupted') continue;
    const key = `${row.recipe}\0${row.target}`;
    const entry = failures.get(key) ?? { recipe: row.recipe, target: row.target, count: 0 };
    entry.count += row.count;
    failures.set(key, entry);
  }
  const cells = doc.recipes.flatMap((recipe) => recipe.cells.map((cell) => ({ recipe: recipe.name, cell })));
  const families: Family[] = [
    {
      name: 'freshet_builds_total',
      type: 'counter',
      help: 'Builds recorded in the state, by recipe, target and status.',
      samples: builds.map((row) => ({ labels: { recipe: row.recipe, target: row.target, status: row.status }, value: row.count })),
    },
    {
      name: 'freshet_build_failures_total',
      type: 'counter',
      help: 'Builds that failed or were interrupted, by recipe and target.',
      samples: [...failures.values()].map((row) => ({ labels: { recipe: row.recipe, target: row.target }, value: row.count })),
    },
    {
      name: 'freshet_gate_failures_total',
      type: 'counter',
      help: 'Install tests (gates) that failed, by recipe and target.',
      samples: gateFailures.map((row) => ({ labels: { recipe: row.recipe, target: row.target }, value: row.count })),
    },
    {
      name: 'freshet_freshness_lag_seconds',
      type: 'gauge',
      help: 'Seconds from upstream release seen to package live; for a release not yet live, the lag so far.',
      samples: cells.filter(({ cell }) => cell.lag).map(({ recipe, cell }) => ({ labels: { recipe, target: cell.target }, value: cell.lag!.seconds })),
    },
    {
      name: 'freshet_freshness_lag_ongoing',
      type: 'gauge',
      help: '1 when the newest release is not yet live on the target (the lag is still growing).',
      samples: cells.filter(({ cell }) => cell.lag).map(({ recipe, cell }) => ({ labels: { recipe, target: cell.target }, value: cell.lag!.ongoing ? 1 : 0 })),
    },
    {
      name: 'freshet_last_publish_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time the live package of the recipe went live on the target.',
      samples: cells
        .filter(({ cell }) => cell.publishedAt)
        .map(({ recipe, cell }) => ({ labels: { recipe, target: cell.target }, value: Math.floor(Date.parse(cell.publishedAt!) / 1000) })),
    },
    {
      name: 'freshet_package_state',
      type: 'gauge',
      help: '1 for the current state of each recipe on each target (newest, outdated, distro-current, failed, pending, skipped, unknown).',
      samples: cells.map(({ recipe, cell }) => ({ labels: { recipe, target: cell.target, state: cell.state }, value: 1 })),
    },
    {
      name: 'freshet_upstream_check_failures',
      type: 'gauge',
      help: '1 when the last upstream check of the recipe failed, else 0.',
      samples: doc.recipes.filter((recipe) => recipe.check).map((recipe) => ({ labels: { recipe: recipe.name }, value: recipe.check!.ok ? 0 : 1 })),
    },
    {
      name: 'freshet_upstream_last_check_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time of the last upstream check of the recipe.',
      samples: doc.recipes
        .filter((recipe) => recipe.check)
        .map((recipe) => ({ labels: { recipe: recipe.name }, value: Math.floor(Date.parse(recipe.check!.checkedAt) / 1000) })),
    },
  ];
  if (doc.farm) families.push(...farmMetrics(doc.farm));
  if (counters) {
    families.push({
      name: 'freshet_webhook_requests_total',
      type: 'counter',
      help: 'Webhook requests since the server started, by result.',
      samples: [...counters.webhooks.entries()].map(([result, value]) => ({ labels: { result }, value })),
    });
  }
  return families;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** The build farm (queue: configured): its queues by job state, and each worker's heartbeat. */
export function farmMetrics(farm: FarmStatus): Family[] {
  const beating = farm.workers.filter((worker) => worker.health === 'ok');
  return [
    {
      name: 'freshet_queue_up',
      type: 'gauge',
      help: '1 when the farm\'s Redis answered for this report, else 0 (the farm families below are then empty).',
      samples: [{ labels: {}, value: farm.error === null ? 1 : 0 }],
    },
    {
      name: 'freshet_queue_jobs',
      type: 'gauge',
      help: 'Jobs in each farm queue (one per target and architecture), by state: waiting, active (taken by a worker), delayed (retry backoff), failed, completed.',
      samples: farm.queues.flatMap((queue) => QUEUE_STATES.map((state) => ({ labels: { queue: queue.name, state }, value: queue[state] }))),
    },
    {
      name: 'freshet_worker_up',
      type: 'gauge',
      help: '1 while the worker\'s heartbeat is current, 0 once it expired (lost) or the worker stopped.',
      samples: farm.workers.map((worker) => ({ labels: { worker: worker.name, health: worker.health }, value: worker.health === 'ok' ? 1 : 0 })),
    },
    {
      name: 'freshet_worker_running_jobs',
      type: 'gauge',
      help: 'Jobs a live worker runs, at its last heartbeat.',
      samples: beating.map((worker) => ({ labels: { worker: worker.name }, value: worker.running })),
    },
    {
      name: 'freshet_worker_free_disk_bytes',
      type: 'gauge',
      help: 'Free space of a live worker\'s work folder, at its last heartbeat.',
      samples: beating.filter((worker) => worker.freeDiskBytes !== null).map((worker) => ({ labels: { worker: worker.name }, value: worker.freeDiskBytes! })),
    },
    {
      name: 'freshet_worker_last_seen_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time of the worker\'s last heartbeat.',
      samples: farm.workers.map((worker) => ({ labels: { worker: worker.name }, value: Math.floor(Date.parse(worker.lastSeen) / 1000) })),
    },
  ];
}
