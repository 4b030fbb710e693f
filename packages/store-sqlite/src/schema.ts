import { BotyardError, ErrorCodes } from "@botyard/core";
import type Database from "better-sqlite3";

/** Bump when the schema changes, and migrate from the previous versions in `migrate`. */
export const SCHEMA_VERSION = 2;

// What a delivery costs is mostly the B-tree pages its writes dirty, each appended whole to the WAL
// at commit; so the queue tables carry no index and no bookkeeping a delivery would have to update
// without needing it (see the version 2 notes in `migrate`).
const JOBS_TABLE = `
  CREATE TABLE IF NOT EXISTS jobs (
    -- Given by the store, never reused (see nextJobId).
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    -- When the job may be claimed: enqueue time (+ delay) while waiting, claim end while claimed.
    ready_at INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    -- Token of the current claim; NULL while waiting.
    claim TEXT
  );
  CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (queue, ready_at, id);`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;

${JOBS_TABLE}

  -- No index on expires_at: the sweep walks the primary key in slices instead.
  CREATE TABLE IF NOT EXISTS dedupe (
    queue TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    job_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue, dedupe_key)
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * Durability: journal_mode = WAL with synchronous = NORMAL by default. In WAL mode a commit appends
 * the transaction to the -wal file with write(2) before better-sqlite3 returns, so an acknowledged
 * write is in the kernel's page cache and survives anything that kills the process, SIGKILL
 * included: the next open replays the WAL. What NORMAL skips is the fsync per commit (the WAL is
 * synced at checkpoints), so a power loss or kernel panic can lose the last acknowledged writes,
 * never corrupt the file. That is the stated requirement, and the rest of Botyard already tolerates
 * that loss: jobs are at-least-once, so a lost ack means a redelivery and a lost dedupe marker a
 * possible duplicate. FULL would make it power-safe, but it fsyncs inside every write, and
 * better-sqlite3 is synchronous, so each fsync (milliseconds on network block storage) would stall
 * the event loop; about 27x fewer writes per second were measured on these machines. Opt in with
 * `synchronous: "full"` where that trade is right.
 */
export function configure(db: Database.Database, synchronous: "normal" | "full"): void {
  // Must come before the first read so that the WAL index lives in heap memory (no -shm file) and
  // the exclusive file lock, which is the single-owner lock, is taken on open and held until close.
  db.pragma("locking_mode = EXCLUSIVE");
  // The first statement that reads the file: fails with SQLITE_BUSY when another connection holds
  // the lock and SQLITE_NOTADB when the file is not a database.
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.pragma("wal_autocheckpoint = 10000");
}

export function migrate(db: Database.Database, file: string): void {
  // BEGIN EXCLUSIVE also makes sure the exclusive lock is held from here on, even when the schema
  // is already current and nothing is written.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw newerSchemaError(file, version);
    // Version 0 is a new (or pre-versioning) file; IF NOT EXISTS makes that safe either way.
    db.exec(SCHEMA);
    if (version < 2) {
      // Version 2 drops what every delivery paid for and nothing needed: the index on dedupe
      // markers' expiry (the sweep walks the primary key instead), and AUTOINCREMENT on job ids,
      // which updated sqlite_sequence on every enqueue (ids are now given by the store). SQLite
      // cannot drop AUTOINCREMENT from a table, so the jobs table is rebuilt, ids and all.
      db.exec("DROP INDEX IF EXISTS dedupe_expiry");
      const jobs = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get();
      if (jobs && /AUTOINCREMENT/i.test(jobs.sql)) {
        db.exec(`
          ALTER TABLE jobs RENAME TO jobs_v1;
          DROP INDEX jobs_ready;
          ${JOBS_TABLE}
          INSERT INTO jobs (id, queue, payload, enqueued_at, ready_at, attempt, claim)
            SELECT id, queue, payload, enqueued_at, ready_at, attempt, claim FROM jobs_v1;
          DROP TABLE jobs_v1;
        `);
      }
    }
    // Written even when it is current: a write at open is what finds a full disk or a file that
    // cannot be written before the host starts, rather than at its first delivery.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).exclusive();
}

/** A file written by a newer version of this store: refused, and left as it is. */
export function newerSchemaError(file: string, version: number): BotyardError {
  return new BotyardError(
    ErrorCodes.STORE,
    `The store database ${file} has schema version ${version}, written by a newer Botyard; this host understands up to version ${SCHEMA_VERSION}.`,
    { details: { file, version }, hint: "Upgrade @botyard/store-sqlite (a newer @botyard/host brings it), or point store.path at another file." },
  );
}
