import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BuildResult } from '../types.js';
import type { Failure, FailureClass } from '../pipeline/failure-class.js';
import { isOwnerGone, processOwner } from '../core/process-owner.js';
import { openDatabase, StatementCache } from '../core/sqlite.js';
import { migrations } from './migrations.js';

/**
 * freshet's memory: releases seen upstream (with the hash of their tarball, so a re-served
 * version with other bytes is caught), upstream checks, HTTP validators for conditional requests,
 * what each target distribution ships, builds, gate results and publications.
 */
export interface ReleaseRow {
  recipe: string;
  upstreamVersion: string;
  url: string;
  signatureUrl: string | null;
  checksumUrl: string | null;
  seenAt: string;
  sha256: string | null;
  size: number | null;
}

export interface CheckRow {
  recipe: string;
  ok: boolean;
  error: string | null;
  newest: string | null;
  checkedAt: string;
}

export interface HttpCacheEntry {
  etag?: string;
  lastModified?: string;
  body: Buffer;
}

export interface BuildRow {
  id: string;
  recipe: string;
  targetId: string;
  upstreamVersion: string;
  packageVersion: string;
  rebuild: number;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  error: string | null;
  logFile: string | null;
  result: BuildResult | null;
  startedAt: string;
  finishedAt: string | null;
  inputsHash: string | null;
  /** The freshet process that ran it (pid:token). */
  owner: string | null;
  /** For a failed build or gate: infrastructure (retried after a backoff) or packaging (waits for a change). */
  failureClass: FailureClass | null;
  failureReason: string | null;
}

export interface GateRow {
  status: 'passed' | 'failed';
  reason: string | null;
  logFile: string | null;
  /** The farm worker that ran it, `local` for the coordinator; null for gates recorded before workers were. */
  worker: string | null;
  at: string;
}

export interface PublicationRow {
  recipe: string;
  targetId: string;
  packageVersion: string;
  upstreamVersion: string;
  buildId: string;
  publishedAt: string;
  removedAt: string | null;
}

/** A build a run did not publish because of another build of its chain. */
export interface BlockedJobRow {
  recipe: string;
  targetId: string;
  packageVersion: string;
  /** waiting: not attempted, a provider did not pass; held: passed, but its chain did not. */
  status: 'waiting' | 'held';
  /** The builds of its chain that kept it out, with their run status (build-failed, failed-before…). */
  blockedBy: Array<{ recipe: string; status: string }>;
  at: string;
}

/** Builds of one run on one target linked by dependencies: they go live together. */
export interface ChainRow {
  targetId: string;
  /** Sorted. */
  members: string[];
  edges: Array<{ provider: string; dependent: string }>;
  recordedAt: string;
}

export const STATE_DB = 'freshet.db';

interface RawBuild {
  id: string;
  recipe: string;
  target_id: string;
  upstream_version: string;
  package_version: string;
  rebuild: number;
  status: BuildRow['status'];
  error: string | null;
  log_file: string | null;
  result_json: string | null;
  started_at: string;
  finished_at: string | null;
  inputs_hash: string | null;
  owner: string | null;
  failure_class: FailureClass | null;
  failure_reason: string | null;
}

function toBuild(row: RawBuild): BuildRow {
  return {
    id: row.id,
    recipe: row.recipe,
    targetId: row.target_id,
    upstreamVersion: row.upstream_version,
    packageVersion: row.package_version,
    rebuild: row.rebuild,
    status: row.status,
    error: row.error,
    logFile: row.log_file,
    result: row.result_json ? (JSON.parse(row.result_json) as BuildResult) : null,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    inputsHash: row.inputs_hash,
    owner: row.owner,
    failureClass: row.failure_class,
    failureReason: row.failure_reason,
  };
}

const releaseColumns = `recipe, version AS upstreamVersion, url, signature_url AS signatureUrl,
  checksum_url AS checksumUrl, seen_at AS seenAt, sha256, size`;

export class StateStore {
  readonly db: Database.Database;
  private readonly statements: StatementCache;

  private constructor(db: Database.Database) {
    this.db = db;
    this.statements = new StatementCache(db);
  }

  /** Every command opens the state here, so builds of a killed freshet are marked interrupted by whichever comes next. */
  static open(stateDir: string): StateStore {
    mkdirSync(stateDir, { recursive: true });
    const store = StateStore.openFile(path.join(stateDir, STATE_DB));
    store.markInterruptedBuilds(new Date().toISOString());
    return store;
  }

  /** `:memory:` for tests. */
  static openFile(file: string): StateStore {
    const db = openDatabase(file, ['foreign_keys = ON']);
    const store = new StateStore(db);
    store.migrate();
    return store;
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    if (applied > migrations.length) {
      throw new Error(`state database is from a newer freshet (schema ${applied}, this freshet knows ${migrations.length})`);
    }
    for (const [index, sql] of migrations.entries()) {
      if (index < applied) continue;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${index + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  private statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  // Releases seen upstream.

  recordRelease(
    recipe: string,
    release: { upstreamVersion: string; url: string; signatureUrl?: string; checksumUrl?: string },
    seenAt: string,
  ): { isNew: boolean; seenAt: string; moved?: boolean } {
    const existing = this.release(recipe, release.upstreamVersion);
    if (existing) {
      // The recipe's upstream changed (or upstream moved the file): fetch from where it is now. The
      // recorded hash stays, so other bytes under the new URL are still refused (case 9).
      const moved = existing.url !== release.url || existing.signatureUrl !== (release.signatureUrl ?? null) || existing.checksumUrl !== (release.checksumUrl ?? null);
      if (moved) {
        this.statement(`UPDATE releases SET url = ?, signature_url = ?, checksum_url = ? WHERE recipe = ? AND version = ?`)
          .run(release.url, release.signatureUrl ?? null, release.checksumUrl ?? null, recipe, release.upstreamVersion);
      }
      return { isNew: false, seenAt: existing.seenAt, moved };
    }
    this.statement(
        `INSERT INTO releases (recipe, version, url, signature_url, checksum_url, seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(recipe, release.upstreamVersion, release.url, release.signatureUrl ?? null, release.checksumUrl ?? null, seenAt);
    return { isNew: true, seenAt };
  }

  releases(recipe: string): ReleaseRow[] {
    return this.statement(`SELECT ${releaseColumns} FROM releases WHERE recipe = ? ORDER BY seen_at`).all(recipe) as ReleaseRow[];
  }

  release(recipe: string, version: string): ReleaseRow | undefined {
    return this.statement(`SELECT ${releaseColumns} FROM releases WHERE recipe = ? AND version = ?`).get(recipe, version) as
      | ReleaseRow
      | undefined;
  }

  /** Record the tarball hash the first time; the fetch stage refuses other bytes later. */
  setReleaseHash(recipe: string, version: string, sha256: string, size: number): void {
    this.statement(`UPDATE releases SET sha256 = ?, size = ? WHERE recipe = ? AND version = ? AND sha256 IS NULL`)
      .run(sha256, size, recipe, version);
  }

  /**
   * `freshet forget`: drop what freshet recorded about a recipe's releases (one version, or all and
   * the last check), so the next watch records them afresh: new URLs, and the tarball hash of the
   * next download. Builds and publications stay: rebuild numbers go on, published versions are kept.
   */
  forgetReleases(recipe: string, version?: string): number {
    return this.db.transaction(() => {
      const removed = this.statement(`DELETE FROM releases WHERE recipe = @recipe AND (@version IS NULL OR version = @version)`)
        .run({ recipe, version: version ?? null }).changes;
      if (version === undefined) this.statement(`DELETE FROM checks WHERE recipe = ?`).run(recipe);
      else this.statement(`UPDATE checks SET newest = NULL WHERE recipe = ? AND newest = ?`).run(recipe, version);
      return removed;
    })();
  }

  // Upstream checks.

  recordCheck(recipe: string, check: { ok: boolean; error?: string; newest?: string; checkedAt: string }): void {
    this.statement(
        `INSERT INTO checks (recipe, ok, error, newest, checked_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (recipe) DO UPDATE SET ok = excluded.ok, error = excluded.error,
           newest = COALESCE(excluded.newest, checks.newest), checked_at = excluded.checked_at`,
      )
      .run(recipe, check.ok ? 1 : 0, check.error ?? null, check.newest ?? null, check.checkedAt);
  }

  lastCheck(recipe: string): CheckRow | undefined {
    const row = this.statement(`SELECT recipe, ok, error, newest, checked_at AS checkedAt FROM checks WHERE recipe = ?`)
      .get(recipe) as (Omit<CheckRow, 'ok'> & { ok: number }) | undefined;
    return row ? { ...row, ok: row.ok === 1 } : undefined;
  }

  // HTTP validators for conditional requests.

  httpCache(url: string): HttpCacheEntry | undefined {
    const row = this.statement(`SELECT etag, last_modified, body FROM http_cache WHERE url = ?`).get(url) as
      | { etag: string | null; last_modified: string | null; body: Buffer }
      | undefined;
    if (!row) return undefined;
    return { etag: row.etag ?? undefined, lastModified: row.last_modified ?? undefined, body: row.body };
  }

  setHttpCache(url: string, entry: HttpCacheEntry): void {
    this.statement(
        `INSERT INTO http_cache (url, etag, last_modified, body, stored_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
           body = excluded.body, stored_at = excluded.stored_at`,
      )
      .run(url, entry.etag ?? null, entry.lastModified ?? null, entry.body, new Date().toISOString());
  }

  // What each target distribution ships itself.

  setShipped(targetId: string, sourcePackage: string, version: string | null, checkedAt: string): void {
    this.statement(
        `INSERT INTO shipped (target_id, source_package, version, checked_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (target_id, source_package) DO UPDATE SET version = excluded.version, checked_at = excluded.checked_at`,
      )
      .run(targetId, sourcePackage, version, checkedAt);
  }

  shipped(targetId: string, sourcePackage: string): { version: string | null; checkedAt: string } | undefined {
    return this.statement(`SELECT version, checked_at AS checkedAt FROM shipped WHERE target_id = ? AND source_package = ?`)
      .get(targetId, sourcePackage) as { version: string | null; checkedAt: string } | undefined;
  }

  // Builds.

  startBuild(build: {
    id: string;
    recipe: string;
    targetId: string;
    upstreamVersion: string;
    packageVersion: string;
    rebuild: number;
    logFile: string;
    startedAt: string;
    inputsHash?: string;
  }): void {
    this.statement(
        // A build a stopped coordinator left to the farm is taken up under its own id (PlanOptions.resumeUnfinished).
        `INSERT INTO builds (id, recipe, target_id, upstream_version, package_version, rebuild, status, log_file, started_at, inputs_hash, owner)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = 'running', error = NULL, result_json = NULL, finished_at = NULL, failure_class = NULL, failure_reason = NULL,
           log_file = excluded.log_file, started_at = excluded.started_at, owner = excluded.owner`,
      )
      .run(
        build.id,
        build.recipe,
        build.targetId,
        build.upstreamVersion,
        build.packageVersion,
        build.rebuild,
        build.logFile,
        build.startedAt,
        build.inputsHash ?? null,
        processOwner,
      );
  }

  finishBuild(result: BuildResult): void {
    this.statement(`UPDATE builds SET status = ?, error = ?, result_json = ?, finished_at = ? WHERE id = ?`)
      .run(result.status, result.error ?? null, JSON.stringify(result), result.finishedAt, result.jobId);
  }

  /** The class of a build's failure, or of its gate's. */
  recordFailure(id: string, failure: Failure): void {
    this.statement(`UPDATE builds SET failure_class = ?, failure_reason = ? WHERE id = ?`).run(failure.class, failure.reason, id);
  }

  /**
   * How many of the latest builds of these inputs in a row failed for the infrastructure (0 when the
   * latest did not): the backoff before the next automatic retry doubles with each.
   */
  infrastructureFailures(recipe: string, targetId: string, upstreamVersion: string, inputsHash: string | null): number {
    const rows = this.statement(
        `SELECT upstream_version AS upstreamVersion, inputs_hash AS inputsHash, failure_class AS failureClass FROM builds
         WHERE recipe = ? AND target_id = ? ORDER BY started_at DESC, id DESC LIMIT 64`,
      )
      .all(recipe, targetId) as Array<{ upstreamVersion: string; inputsHash: string | null; failureClass: FailureClass | null }>;
    let count = 0;
    for (const row of rows) {
      if (row.upstreamVersion !== upstreamVersion || row.inputsHash !== inputsHash || row.failureClass !== 'infrastructure') break;
      count++;
    }
    return count;
  }

  /** Builds left `running` by a freshet process that is gone (killed, or crashed): marked interrupted. */
  markInterruptedBuilds(finishedAt: string): number {
    const running = this.statement(`SELECT id, owner FROM builds WHERE status = 'running'`).all() as Array<{ id: string; owner: string | null }>;
    const orphaned = running.filter((build) => isOwnerGone(build.owner));
    for (const build of orphaned) this.interruptBuild(build.id, finishedAt, 'freshet was killed during the build');
    return orphaned.length;
  }

  /** A build this process stopped (SIGINT, SIGTERM): the plan builds its inputs again. */
  interruptBuild(id: string, finishedAt: string, error = 'freshet stopped during the build'): void {
    this.statement(`UPDATE builds SET status = 'interrupted', error = ?, finished_at = ? WHERE id = ? AND status = 'running'`).run(error, finishedAt, id);
  }

  build(id: string): BuildRow | undefined {
    const row = this.statement(`SELECT * FROM builds WHERE id = ?`).get(id) as RawBuild | undefined;
    return row ? toBuild(row) : undefined;
  }

  builds(filter: { recipe?: string; targetId?: string; limit?: number } = {}): BuildRow[] {
    const rows = this.statement(
        `SELECT * FROM builds WHERE (@recipe IS NULL OR recipe = @recipe) AND (@target IS NULL OR target_id = @target)
         ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ recipe: filter.recipe ?? null, target: filter.targetId ?? null, limit: filter.limit ?? 1000 }) as RawBuild[];
    return rows.map(toBuild);
  }

  /**
   * The next rebuild number of an upstream version on a target, and how many builds already used it.
   * A number is consumed by a build that may have reached the live pool (published, or stopped
   * anywhere on the way: running, interrupted, ok before or after a passed gate); a build that
   * failed, or whose gate failed, only ever reached its staging copy, so its number is used again.
   */
  nextRebuild(recipe: string, targetId: string, upstreamVersion: string): { rebuild: number; attempts: number } {
    const rows = this.statement(
        `SELECT b.rebuild, b.status, (SELECT g.status FROM gates g WHERE g.build_id = b.id ORDER BY g.rowid DESC LIMIT 1) AS gate
         FROM builds b WHERE b.recipe = ? AND b.target_id = ? AND b.upstream_version = ?`,
      )
      .all(recipe, targetId, upstreamVersion) as Array<{ rebuild: number; status: BuildRow['status']; gate: 'passed' | 'failed' | null }>;
    const failed = (row: (typeof rows)[number]) => row.status === 'failed' || (row.status === 'ok' && row.gate === 'failed');
    const rebuild = Math.max(0, ...rows.filter((row) => !failed(row)).map((row) => row.rebuild)) + 1;
    return { rebuild, attempts: rows.filter((row) => row.rebuild === rebuild).length };
  }

  // Gate results.

  recordGate(buildId: string, gate: { status: 'passed' | 'failed'; reason?: string; logFile?: string; worker?: string; at: string }): void {
    this.statement(`INSERT INTO gates (build_id, status, reason, log_file, worker, at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(buildId, gate.status, gate.reason ?? null, gate.logFile ?? null, gate.worker ?? null, gate.at);
  }

  lastGate(buildId: string): GateRow | undefined {
    return this.statement(`SELECT status, reason, log_file AS logFile, worker, at FROM gates WHERE build_id = ? ORDER BY rowid DESC LIMIT 1`)
      .get(buildId) as GateRow | undefined;
  }

  // Publications.

  recordPublication(publication: Omit<PublicationRow, 'removedAt'>): void {
    this.statement(
        `INSERT INTO publications (recipe, target_id, package_version, upstream_version, build_id, published_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        publication.recipe,
        publication.targetId,
        publication.packageVersion,
        publication.upstreamVersion,
        publication.buildId,
        publication.publishedAt,
      );
  }

  markUnpublished(recipe: string, targetId: string, packageVersion: string, removedAt: string): void {
    this.statement(`UPDATE publications SET removed_at = ? WHERE recipe = ? AND target_id = ? AND package_version = ? AND removed_at IS NULL`)
      .run(removedAt, recipe, targetId, packageVersion);
  }

  publications(filter: { recipe?: string; targetId?: string; live?: boolean } = {}): PublicationRow[] {
    return this.statement(
        `SELECT recipe, target_id AS targetId, package_version AS packageVersion, upstream_version AS upstreamVersion,
                build_id AS buildId, published_at AS publishedAt, removed_at AS removedAt
         FROM publications WHERE (@recipe IS NULL OR recipe = @recipe) AND (@target IS NULL OR target_id = @target)
           AND (@live = 0 OR removed_at IS NULL)
         ORDER BY published_at DESC`,
      )
      .all({ recipe: filter.recipe ?? null, target: filter.targetId ?? null, live: filter.live ? 1 : 0 }) as PublicationRow[];
  }

  // Chains: what the last run did not publish because of another build of its chain, and the chains.

  /** Records a waiting or held job; it stays until a later run builds or publishes the recipe there. */
  setBlocked(job: BlockedJobRow): void {
    this.statement(
        `INSERT INTO blocked_jobs (recipe, target_id, package_version, status, blocked_by, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (recipe, target_id) DO UPDATE SET package_version = excluded.package_version, status = excluded.status,
           blocked_by = excluded.blocked_by, at = excluded.at`,
      )
      .run(job.recipe, job.targetId, job.packageVersion, job.status, JSON.stringify(job.blockedBy), job.at);
  }

  clearBlocked(recipe: string, targetId: string): void {
    this.statement(`DELETE FROM blocked_jobs WHERE recipe = ? AND target_id = ?`).run(recipe, targetId);
  }

  blockedJobs(filter: { recipe?: string; targetId?: string } = {}): BlockedJobRow[] {
    const rows = this.statement(
        `SELECT recipe, target_id AS targetId, package_version AS packageVersion, status, blocked_by AS blockedBy, at FROM blocked_jobs
         WHERE (@recipe IS NULL OR recipe = @recipe) AND (@target IS NULL OR target_id = @target) ORDER BY target_id, recipe`,
      )
      .all({ recipe: filter.recipe ?? null, target: filter.targetId ?? null }) as Array<Omit<BlockedJobRow, 'blockedBy'> & { blockedBy: string }>;
    return rows.map((row) => ({ ...row, blockedBy: JSON.parse(row.blockedBy) as BlockedJobRow['blockedBy'] }));
  }

  /** Records a chain; a chain recorded before on the target that shares a member is replaced by it. */
  recordChain(chain: ChainRow): void {
    this.db.transaction(() => {
      for (const old of this.chains(chain.targetId)) {
        if (old.members.some((member) => chain.members.includes(member))) {
          this.statement(`DELETE FROM chains WHERE target_id = ? AND members = ?`).run(chain.targetId, JSON.stringify(old.members));
        }
      }
      this.statement(`INSERT INTO chains (target_id, members, edges, recorded_at) VALUES (?, ?, ?, ?)`)
        .run(chain.targetId, JSON.stringify(chain.members), JSON.stringify(chain.edges), chain.recordedAt);
    })();
  }

  chains(targetId?: string): ChainRow[] {
    const rows = this.statement(
        `SELECT target_id AS targetId, members, edges, recorded_at AS recordedAt FROM chains
         WHERE (@target IS NULL OR target_id = @target) ORDER BY target_id, members`,
      )
      .all({ target: targetId ?? null }) as Array<{ targetId: string; members: string; edges: string; recordedAt: string }>;
    return rows.map((row) => ({ ...row, members: JSON.parse(row.members) as string[], edges: JSON.parse(row.edges) as ChainRow['edges'] }));
  }

  /** The upstream version freshet has live for a recipe on a target (the newest published). */
  publishedVersion(recipe: string, targetId: string): string | undefined {
    return this.publications({ recipe, targetId, live: true })[0]?.upstreamVersion;
  }
}
