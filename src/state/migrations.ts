/**
 * Schema migrations, applied in order; PRAGMA user_version records how many ran. Append only:
 * a released migration is never edited, because existing state folders have already run it.
 */
export const migrations: readonly string[] = [
  `CREATE TABLE releases (
     recipe TEXT NOT NULL,
     version TEXT NOT NULL,
     url TEXT NOT NULL,
     signature_url TEXT,
     checksum_url TEXT,
     seen_at TEXT NOT NULL,
     sha256 TEXT,
     size INTEGER,
     PRIMARY KEY (recipe, version)
   ) STRICT;
   CREATE TABLE checks (
     recipe TEXT PRIMARY KEY,
     ok INTEGER NOT NULL,
     error TEXT,
     newest TEXT,
     checked_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE http_cache (
     url TEXT PRIMARY KEY,
     etag TEXT,
     last_modified TEXT,
     body BLOB NOT NULL,
     stored_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE shipped (
     target_id TEXT NOT NULL,
     source_package TEXT NOT NULL,
     version TEXT,
     checked_at TEXT NOT NULL,
     PRIMARY KEY (target_id, source_package)
   ) STRICT;
   CREATE TABLE builds (
     id TEXT PRIMARY KEY,
     recipe TEXT NOT NULL,
     target_id TEXT NOT NULL,
     upstream_version TEXT NOT NULL,
     package_version TEXT NOT NULL,
     rebuild INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
     error TEXT,
     log_file TEXT,
     result_json TEXT,
     started_at TEXT NOT NULL,
     finished_at TEXT
   ) STRICT;
   CREATE INDEX builds_by_recipe ON builds (recipe, target_id, started_at);
   CREATE TABLE gates (
     build_id TEXT NOT NULL REFERENCES builds (id),
     status TEXT NOT NULL CHECK (status IN ('passed', 'failed')),
     reason TEXT,
     log_file TEXT,
     at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE publications (
     recipe TEXT NOT NULL,
     target_id TEXT NOT NULL,
     package_version TEXT NOT NULL,
     upstream_version TEXT NOT NULL,
     build_id TEXT NOT NULL REFERENCES builds (id),
     published_at TEXT NOT NULL,
     removed_at TEXT,
     PRIMARY KEY (recipe, target_id, package_version)
   ) STRICT;`,
  // The hash of everything a build was made from (recipe, templates, tarball): a change rebuilds.
  `ALTER TABLE builds ADD COLUMN inputs_hash TEXT;`,
  // The freshet process running a build (pid:token): a build whose process is gone was interrupted.
  `ALTER TABLE builds ADD COLUMN owner TEXT;`,
  // Chains (issue 15): builds a run did not publish because of another build of their chain
  // (waiting: not attempted; held: passed, kept out), and the chains runs built together.
  `CREATE TABLE blocked_jobs (
     recipe TEXT NOT NULL,
     target_id TEXT NOT NULL,
     package_version TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('waiting', 'held')),
     blocked_by TEXT NOT NULL,
     at TEXT NOT NULL,
     PRIMARY KEY (recipe, target_id)
   ) STRICT;
   CREATE TABLE chains (
     target_id TEXT NOT NULL,
     members TEXT NOT NULL,
     edges TEXT NOT NULL,
     recorded_at TEXT NOT NULL,
     PRIMARY KEY (target_id, members)
   ) STRICT;`,
  // Failures that are nobody's fault (issue 16): the class of a failed build or gate and why; an
  // infrastructure failure is built again after a backoff, a packaging one waits for a change.
  `ALTER TABLE builds ADD COLUMN failure_class TEXT CHECK (failure_class IN ('infrastructure', 'packaging'));
   ALTER TABLE builds ADD COLUMN failure_reason TEXT;`,
  // The farm made visible (issue 16): which worker ran a gate (a build's worker is in its result_json).
  `ALTER TABLE gates ADD COLUMN worker TEXT;`,
];
