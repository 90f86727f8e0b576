import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, StatementCache } from '../../core/sqlite.js';

/**
 * What an APT archive holds, kept per package when it is added, so a publish never re-reads the
 * other packages' files: one row per (suite, package, version, arch) with its ready-made stanza,
 * the pool files with their hashes and since when nothing references them, and the by-hash index
 * files still served during the grace period. One database per archive root (real or staging).
 */
const schema = `
  CREATE TABLE IF NOT EXISTS binaries (
    suite TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, arch TEXT NOT NULL,
    source TEXT NOT NULL, stanza TEXT NOT NULL, filename TEXT NOT NULL,
    recipe TEXT, target_id TEXT, added_at TEXT NOT NULL,
    PRIMARY KEY (suite, name, version, arch)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS sources (
    suite TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
    stanza TEXT NOT NULL, files TEXT NOT NULL, recipe TEXT, target_id TEXT, added_at TEXT NOT NULL,
    PRIMARY KEY (suite, name, version)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS pool (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, unreferenced_since TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS by_hash (
    suite TEXT NOT NULL, path TEXT NOT NULL, superseded_at TEXT,
    PRIMARY KEY (suite, path)
  ) STRICT;
`;

export const INDEX_DB = 'apt-index.db';

export interface BinaryRow {
  suite: string;
  name: string;
  version: string;
  arch: string;
  source: string;
  stanza: string;
  filename: string;
  recipe: string | null;
  targetId: string | null;
  addedAt: string;
}

export interface SourceRow {
  suite: string;
  name: string;
  version: string;
  stanza: string;
  /** Pool paths of the .dsc and its files. */
  files: string[];
  recipe: string | null;
  targetId: string | null;
  addedAt: string;
}

export interface PoolRow {
  path: string;
  sha256: string;
  size: number;
  unreferencedSince: string | null;
}

export class IndexDb {
  readonly db: Database.Database;
  private readonly statements: StatementCache;

  private constructor(db: Database.Database) {
    this.db = db;
    this.statements = new StatementCache(db);
  }

  static open(stateDir: string): IndexDb {
    mkdirSync(stateDir, { recursive: true });
    const db = openDatabase(path.join(stateDir, INDEX_DB), ['synchronous = FULL']);
    db.exec(schema);
    return new IndexDb(db);
  }

  close(): void {
    this.db.close();
  }

  private statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** Changes stay invisible to other readers, and are undone on a crash, until commit(). */
  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  poolFile(file: string): PoolRow | undefined {
    return this.statement(`SELECT path, sha256, size, unreferenced_since AS unreferencedSince FROM pool WHERE path = ?`)
      .get(file) as PoolRow | undefined;
  }

  poolFiles(): PoolRow[] {
    return this.statement(`SELECT path, sha256, size, unreferenced_since AS unreferencedSince FROM pool`).all() as PoolRow[];
  }

  addPoolFile(row: Omit<PoolRow, 'unreferencedSince'>): void {
    this.statement(`INSERT INTO pool (path, sha256, size) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET unreferenced_since = NULL`)
      .run(row.path, row.sha256, row.size);
  }

  setUnreferenced(file: string, since: string | null): void {
    this.statement(`UPDATE pool SET unreferenced_since = ? WHERE path = ?`).run(since, file);
  }

  deletePoolFile(file: string): void {
    this.statement(`DELETE FROM pool WHERE path = ?`).run(file);
  }

  putBinary(row: BinaryRow): void {
    this.statement(
      `INSERT INTO binaries (suite, name, version, arch, source, stanza, filename, recipe, target_id, added_at)
       VALUES (@suite, @name, @version, @arch, @source, @stanza, @filename, @recipe, @targetId, @addedAt)
       ON CONFLICT (suite, name, version, arch) DO UPDATE SET stanza = excluded.stanza, filename = excluded.filename,
         source = excluded.source, recipe = excluded.recipe, target_id = excluded.target_id`,
    ).run(row);
  }

  putSource(row: SourceRow): void {
    this.statement(
      `INSERT INTO sources (suite, name, version, stanza, files, recipe, target_id, added_at)
       VALUES (@suite, @name, @version, @stanza, @files, @recipe, @targetId, @addedAt)
       ON CONFLICT (suite, name, version) DO UPDATE SET stanza = excluded.stanza, files = excluded.files,
         recipe = excluded.recipe, target_id = excluded.target_id`,
    ).run({ ...row, files: JSON.stringify(row.files) });
  }

  /** (name, version, arch) of every binary of a suite, without the stanzas: for retention. */
  binaryKeys(suite: string, name?: string): Array<{ name: string; version: string; arch: string; source: string }> {
    // Two statements, so that asking for one name uses the primary key instead of scanning the suite.
    const rows = name === undefined
      ? this.statement(`SELECT name, version, arch, source FROM binaries WHERE suite = ?`).all(suite)
      : this.statement(`SELECT name, version, arch, source FROM binaries WHERE suite = ? AND name = ?`).all(suite, name);
    return rows as Array<{ name: string; version: string; arch: string; source: string }>;
  }

  sourceKeys(suite: string, name?: string): Array<{ name: string; version: string }> {
    const rows = name === undefined
      ? this.statement(`SELECT name, version FROM sources WHERE suite = ?`).all(suite)
      : this.statement(`SELECT name, version FROM sources WHERE suite = ? AND name = ?`).all(suite, name);
    return rows as Array<{ name: string; version: string }>;
  }

  deleteBinary(suite: string, name: string, version: string, arch: string): number {
    return this.statement(`DELETE FROM binaries WHERE suite = ? AND name = ? AND version = ? AND arch = ?`).run(suite, name, version, arch).changes;
  }

  deleteSource(suite: string, name: string, version: string): number {
    return this.statement(`DELETE FROM sources WHERE suite = ? AND name = ? AND version = ?`).run(suite, name, version).changes;
  }

  /** Stanzas and architectures of the binaries listed in binary-<arch>/Packages (arch-specific plus `all`), in index order. */
  packagesStanzas(suite: string, arches: readonly string[]): Array<[stanza: string, arch: string]> {
    const marks = arches.map(() => '?').join(', ');
    return this.statement(`SELECT stanza, arch FROM binaries WHERE suite = ? AND arch IN (${marks}) ORDER BY name, arch, version`)
      .raw()
      .all(suite, ...arches) as Array<[string, string]>;
  }

  sourcesStanzas(suite: string): string[] {
    const rows = this.statement(`SELECT stanza FROM sources WHERE suite = ? ORDER BY name, version`).raw().all(suite) as Array<[string]>;
    return rows.map(([stanza]) => stanza);
  }

  /** Every pool path some suite's index still lists. */
  referencedPoolPaths(): Set<string> {
    const referenced = new Set<string>();
    for (const [file] of this.statement(`SELECT filename FROM binaries`).raw().all() as Array<[string]>) referenced.add(file);
    for (const [files] of this.statement(`SELECT files FROM sources`).raw().all() as Array<[string]>) {
      for (const file of JSON.parse(files) as string[]) referenced.add(file);
    }
    return referenced;
  }

  /** Whether the suite has by-hash rows, without reading them (a suite within its grace period has hundreds). */
  hasByHash(suite: string): boolean {
    return this.statement(`SELECT 1 FROM by_hash WHERE suite = ? LIMIT 1`).get(suite) !== undefined;
  }

  byHash(suite: string): Array<{ path: string; supersededAt: string | null }> {
    return this.statement(`SELECT path, superseded_at AS supersededAt FROM by_hash WHERE suite = ?`).all(suite) as Array<{
      path: string;
      supersededAt: string | null;
    }>;
  }

  setByHash(suite: string, file: string, supersededAt: string | null): void {
    this.statement(`INSERT INTO by_hash (suite, path, superseded_at) VALUES (?, ?, ?) ON CONFLICT (suite, path) DO UPDATE SET superseded_at = excluded.superseded_at`)
      .run(suite, file, supersededAt);
  }

  deleteByHash(suite: string, file: string): void {
    this.statement(`DELETE FROM by_hash WHERE suite = ? AND path = ?`).run(suite, file);
  }
}
