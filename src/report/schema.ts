import { z } from 'zod';

/**
 * status.json, the machine-readable twin of the status page. Versioned: a change that removes
 * or renames a field bumps `schemaVersion`; adding an optional field does not.
 * docs/status.schema.json is generated from this file (a test keeps them equal).
 */
export const STATUS_SCHEMA_VERSION = 1;

/** The vocabulary, in the spirit of Repology's. */
export const CellState = z
  .enum(['newest', 'outdated', 'distro-current', 'failed', 'pending', 'skipped', 'unknown'])
  .describe(
    'newest: freshet publishes upstream’s newest; outdated: freshet publishes an older one; distro-current: the distribution itself ships the newest; failed: the newest build or gate failed (the previous version, if any, is still served); pending: seen upstream, not yet built; skipped: the recipe skips this target; unknown: no upstream version known yet',
  );
export type CellState = z.infer<typeof CellState>;

// Times come from the state as ISO 8601; a malformed row must not take the whole report down.
const isoTime = z.string().meta({ format: 'date-time' });

export const LogLink = z.string().describe('Path of a redacted copy of the log, relative to the archive root');

export const LintSummary = z.strictObject({
  tool: z.enum(['lintian', 'rpmlint']),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  topTags: z.array(z.strictObject({ tag: z.string(), count: z.number().int().min(1) })).describe('Most frequent tags first'),
  findings: z
    .array(z.strictObject({ severity: z.enum(['error', 'warning']), package: z.string(), tag: z.string(), info: z.string() }))
    .describe('Errors first, then warnings, each with its package and details (files, lines) as the linter wrote them; at most 50 (the build folder keeps them all)'),
});
export type LintSummary = z.infer<typeof LintSummary>;

export const BuildSummary = z.strictObject({
  id: z.string(),
  target: z.string(),
  upstreamVersion: z.string(),
  packageVersion: z.string(),
  status: z.enum(['running', 'ok', 'failed', 'interrupted']),
  error: z.string().nullable().describe('Redacted error message'),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  log: LogLink.nullable(),
  gate: z
    .strictObject({
      status: z.enum(['passed', 'failed']),
      reason: z.string().nullable().describe('Redacted reason'),
      at: isoTime,
      log: LogLink.nullable(),
      worker: z.string().nullable().optional().describe('The farm worker that ran the gate, `local` for the coordinator itself (added in schema 1: absent from older documents; null for gates recorded before)'),
    })
    .nullable(),
  lint: LintSummary.nullable(),
  worker: z
    .string()
    .nullable()
    .optional()
    .describe('The farm worker that ran the build, `local` for the coordinator itself (added in schema 1: absent from older documents; null for builds recorded before, and for a build that failed before a worker reported)'),
  failure: z
    .strictObject({
      class: z.enum(['infrastructure', 'packaging']).describe('infrastructure: nobody\'s fault (mirror or network unreachable, engine error, disk full, timeout), built again by a later run after a backoff; packaging: waits for a change to the recipe, templates or release'),
      reason: z.string(),
    })
    .nullable()
    .optional()
    .describe('Of a failed build or gate (added in schema 1: absent from older documents; null for builds recorded before failures were classed)'),
});
export type BuildSummary = z.infer<typeof BuildSummary>;

export const Lag = z.strictObject({
  seconds: z.number().min(0).describe('From the moment the release was seen upstream to the moment its package went live'),
  ongoing: z.boolean().describe('True when not yet published: the lag so far'),
  upstreamVersion: z.string(),
});
export type Lag = z.infer<typeof Lag>;

export const Blocked = z
  .strictObject({
    status: z.enum(['waiting', 'held']),
    packageVersion: z.string(),
    on: z
      .array(z.strictObject({ recipe: z.string(), status: z.string().describe('What happened to it in that run: build-failed, gate-failed, failed-before (its last build failed), waiting…') }))
      .describe('The builds of its chain that kept it out'),
    at: isoTime,
  })
  .describe('waiting: not attempted because a recipe it needs did not pass; held: passed its gate, kept out because another build of its chain did not (issue 15)');
export type Blocked = z.infer<typeof Blocked>;

export const Cell = z.strictObject({
  target: z.string(),
  state: CellState,
  note: z.string().nullable().describe('Why, in words: the skip reason, "2.12.2 still served", …'),
  newest: z.string().nullable().describe('Upstream’s newest version'),
  shipped: z.string().nullable().describe('The version the distribution itself ships (null: none or unknown)'),
  published: z.string().nullable().describe('The upstream version freshet has live on this target'),
  publishedPackageVersion: z.string().nullable(),
  publishedAt: isoTime.nullable(),
  build: BuildSummary.nullable().describe('The latest build on this target'),
  lag: Lag.nullable(),
  blocked: Blocked.nullable().optional().describe('Set while the last run that planned this build kept it out because of its chain (added in schema 1: absent from older documents)'),
});
export type Cell = z.infer<typeof Cell>;

export const LagPoint = z.strictObject({
  target: z.string(),
  upstreamVersion: z.string(),
  seenAt: isoTime,
  publishedAt: isoTime,
  seconds: z.number().min(0),
});
export type LagPoint = z.infer<typeof LagPoint>;

export const RecipeStatus = z.strictObject({
  name: z.string(),
  summary: z.string(),
  homepage: z.string(),
  newest: z.string().nullable(),
  newestSeenAt: isoTime.nullable(),
  check: z
    .strictObject({ ok: z.boolean(), error: z.string().nullable().describe('Redacted'), checkedAt: isoTime })
    .nullable()
    .describe('The last upstream check'),
  cells: z.array(Cell).describe('One per enabled target, in config order'),
  history: z.array(BuildSummary).describe('Recent builds, newest first'),
  lagHistory: z.array(LagPoint).describe('Every publication, oldest first'),
  nextCheckAt: isoTime
    .nullable()
    .optional()
    .describe('When `freshet serve` checks upstream next, on its schedule (null: at once); absent when no freshet serve runs (added in schema 1: absent from older documents)'),
});
export type RecipeStatus = z.infer<typeof RecipeStatus>;

export const Chain = z.strictObject({
  target: z.string(),
  members: z.array(z.string()).describe('Recipes built together in a run, sorted'),
  edges: z.array(z.strictObject({ provider: z.string(), dependent: z.string() })).describe('Which member needs which (build or runtime dependency)'),
  state: z
    .enum(['live', 'held', 'pending'])
    .describe('live: every member is live; held: the last run kept the chain out (the archive serves the previous generation); pending: not all members live yet'),
  note: z.string().nullable().describe('For a held chain: which member waits on or was held by which'),
  recordedAt: isoTime,
});
export type Chain = z.infer<typeof Chain>;

const count = z.number().int().min(0);

export const FarmStatus = z
  .strictObject({
    queue: z.string().describe('The Redis URL of the queue, without its password'),
    readAt: isoTime,
    error: z.string().nullable().describe('Set when Redis could not be read: the lists below are then empty'),
    queues: z
      .array(
        z.strictObject({
          name: z.string(),
          target: z.string(),
          arch: z.string(),
          waiting: count.describe('Queued, not yet taken (prioritized ones included)'),
          active: count.describe('Taken by a worker'),
          delayed: count.describe('Waiting for their retry backoff'),
          failed: count.describe('Given up after every attempt, kept a week'),
          completed: count.describe('Finished, kept a week'),
        }),
      )
      .describe('One BullMQ queue per enabled target and the coordinator\'s architecture'),
    running: z
      .array(
        z.strictObject({
          jobId: z.string().describe('The build id, or `<build id>.gate`'),
          kind: z.enum(['build', 'gate']),
          recipe: z.string(),
          target: z.string(),
          worker: z.string().nullable().describe('The worker that took it'),
          since: isoTime.nullable().describe('When the worker took it (this attempt)'),
          attempt: z.number().int().min(1),
        }),
      )
      .describe('Jobs workers hold now, oldest first'),
    workers: z
      .array(
        z.strictObject({
          name: z.string(),
          health: z
            .enum(['ok', 'lost', 'stopped'])
            .describe('ok: its heartbeat is current; lost: its heartbeat expired without it saying goodbye (killed, host down, cut off from Redis); stopped: it shut down cleanly'),
          host: z.string(),
          targets: z.array(z.string()),
          arch: z.string(),
          version: z.string().describe('The freshet version it runs'),
          concurrency: z.number().int().min(1),
          running: count.describe('Jobs it ran at its last heartbeat'),
          runningJobs: z.array(z.string()),
          lastJob: z.strictObject({ id: z.string(), outcome: z.enum(['completed', 'failed']), finishedAt: isoTime }).nullable(),
          startedAt: isoTime,
          lastSeen: isoTime.describe('Its last heartbeat'),
          freeDiskBytes: z.number().min(0).nullable().describe('Free space of its work folder at its last heartbeat'),
        }),
      )
      .describe('Every worker that ever reported to this Redis, by name'),
  })
  .describe('The build farm, read from Redis when the document was made; present only with queue: in the config');
export type FarmStatus = z.infer<typeof FarmStatus>;

export const TargetInfo = z.strictObject({
  id: z.string(),
  family: z.enum(['deb', 'rpm']),
  distro: z.string(),
  release: z.string(),
  codename: z.string(),
  setup: z.string().describe('Path of the deb822 .sources or the .repo file, relative to the archive root'),
  command: z.string().describe('One-line setup command for an operator'),
});
export type TargetInfo = z.infer<typeof TargetInfo>;

export const StatusDocument = z
  .strictObject({
    schemaVersion: z.literal(STATUS_SCHEMA_VERSION),
    generatedAt: isoTime,
    archive: z.strictObject({
      url: z.string().describe('Base URL of the archive, ending in /'),
      fingerprint: z.string().nullable().describe('Fingerprint of the archive signing key'),
      keyExpiresAt: isoTime.nullable().optional().describe('When the archive signing key expires (null: never, or no secret key on this machine; added in schema 1: absent from older documents)'),
      keyWarning: z.string().nullable().optional().describe('Set from signing.expiryWarningDays before the key expires, and once it has (added in schema 1: absent from older documents)'),
    }),
    targets: z.array(TargetInfo),
    recipes: z.array(RecipeStatus),
    chains: z.array(Chain).optional().describe('Providers and their dependents that go live in one publish, per target (added in schema 1: absent from older documents)'),
    farm: FarmStatus.optional().describe('Queues, running jobs and workers of the build farm; absent in the embedded mode (added in schema 1: absent from older documents)'),
  })
  .meta({ title: 'freshet status.json' });
export type StatusDocument = z.infer<typeof StatusDocument>;

/** The JSON Schema committed as docs/status.schema.json. */
export function statusJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(StatusDocument, { target: 'draft-2020-12' }), schemaVersion: STATUS_SCHEMA_VERSION };
}
