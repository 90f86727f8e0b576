import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';

// Loaded by require: importing a CommonJS package as an ES module scans its source for exports
// first (cjs-module-lexer), about 4 ms of every CLI start (issue 17).
const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

/**
 * SQLite as freshet's stores use it: write-ahead logging, and a wait rather than an error when
 * another freshet process (a webhook-triggered run beside a timer run) holds the lock.
 */
export function openDatabase(file: string, pragmas: readonly string[] = []): Database.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  for (const pragma of pragmas) db.pragma(pragma);
  return db;
}

/** Statements prepared once per connection: hot paths run the same few thousands of times. */
export class StatementCache {
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}
