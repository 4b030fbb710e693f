import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  BotyardError,
  ErrorCodes,
  encodeValue,
  isBotyardError,
  type ClaimOptions,
  type EnqueueOptions,
  type EnqueueResult,
  type Entry,
  type Job,
  type JobRef,
  type BackupResult,
  type ListOptions,
  type SetOptions,
  type StoreBackend,
} from "@botyard/core";
import Database from "better-sqlite3";
import { backupDatabase } from "./sqlite-backup.js";
import { GroupCommit, QUEUE_OP } from "./group-commit.js";
import { claimOwnerRecord, lockedError, releaseOwnerRecord, type OwnerRecord } from "./owner-lock.js";
import { configure, migrate } from "./schema.js";
import { failureCondition, freeBytes, sqliteCode, sqliteFailure } from "./sqlite-errors.js";
import { checkBeforeOpen } from "./sqlite-preflight.js";
import { expiry, isLive, jobId, prefixUpperBound, prepareStatements, type Statements } from "./statements.js";
import { Sweeper } from "./sweeping.js";

export interface SqliteStoreOptions {
  /** How often expired keys, dedupe markers and leases are deleted (default one minute). Reads ignore them either way. */
  sweepIntervalMs?: number;
  /**
   * `normal` (the default) keeps every acknowledged write through a crash or SIGKILL of the
   * process; `full` also keeps it through a power loss or kernel panic, at the price of an fsync
   * on every write. See `configure` in schema.ts.
   */
  synchronous?: "normal" | "full";
}

const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Free space a full disk must have again before the store calls itself healthy (then a write must also go through). */
const ROOM_TO_RESUME = 1024 * 1024;

/**
 * The store for one host: a SQLite file (WAL mode) through better-sqlite3.
 *
 * Every operation is atomic: one statement, or a few that cannot fail apart. **Writes are group
 * committed**: writes issued together run, in issue order, in one transaction, and none resolves
 * before that commit. A commit appends the pages it changed to the WAL, so committing many writes
 * at once costs one append of the shared pages instead of one each; that, not the statements, is
 * most of what a write costs. When a group is committed depends on the write:
 * - Queue operations (`enqueue`, `claim`, `ack`, `release`, `extend`) wait for the end of the
 *   event-loop turn, so that the webhook deliveries that arrived on many connections in one turn,
 *   and the claims and acks of the jobs handled meanwhile, share a commit.
 * - Everything else is committed as soon as the code that issued it yields (the next microtask
 *   checkpoint), together with anything already waiting. The writes of the Slack events read from
 *   one socket chunk still share a commit, and a handler's run is not stretched across turns: the
 *   socket is read again only once the events it delivered are handled, which keeps a flood of
 *   events in the kernel's buffers rather than in this process's heap.
 * An operation that fails (a constraint, a bad value) is undone alone; a commit that fails rejects
 * the whole group, none of which is then stored, and so does an operation failing because of the
 * disk or the file. Those failures (a full disk, a read-only filesystem, a damaged file, an I/O
 * error) reject with BOTYARD_ERR_STORE errors that say which and name the file, and `ping` reports
 * them until the store can write again. Reads run at once, unless a write they could see
 * (the same key, a key under the listed prefix, a queue operation for `queueSize`) is waiting for
 * its commit: then they wait in line too, so that a caller always reads what it wrote before, in
 * program order.
 * better-sqlite3 blocks the event loop for the duration of each statement; with single-row
 * statements on indexed columns that is microseconds.
 *
 * **One host per file.** The connection runs in `locking_mode = EXCLUSIVE`: SQLite takes an
 * exclusive POSIX lock on the database file when it opens and holds it until `close()`. A second
 * opener, in another process or in this one, gets SQLITE_BUSY, which `open` turns into
 * BOTYARD_ERR_STORE_LOCKED. The kernel drops the lock when the holder dies however it dies
 * (SIGKILL, OOM kill, crash), so there is no stale lock to detect, no pid reuse to guess around and
 * no heartbeat to keep. The price: while a host runs, nothing else (not even the sqlite3 shell) can
 * read the file. Holder details for the error message come from `<file>-owner`, which is advisory
 * only. Like SQLite itself, this relies on working POSIX locks: keep the file on a local disk, not
 * on NFS. And never open and close the database file with `fs` in a process that has the store
 * open: closing any descriptor of a file drops all of the process's POSIX locks on it (SQLite's
 * own connections are safe; it defers such closes).
 */
export class SqliteStore implements StoreBackend {
  readonly kind = "sqlite";

  /**
   * Opens (creating it, and its directory, if needed) the database at `path`. Rejects with
   * BOTYARD_ERR_STORE_LOCKED when another store holds it, and BOTYARD_ERR_STORE when the file is not
   * a usable Botyard database (damaged, another application's, from a newer Botyard) or cannot be
   * written (full disk, read-only filesystem, no permission): the message says which and names
   * the file, and a file refused for what it holds is left exactly as it was.
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const inMemory = path === ":memory:";
    const file = inMemory ? path : resolve(path);
    if (!inMemory) {
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch (cause) {
        // mkdir says EEXIST, or ENOTDIR, when a file stands where a directory of the path should be.
        const notDir = notADirectory(dirname(file));
        throw new BotyardError(
          ErrorCodes.STORE,
          notDir
            ? `Cannot create the directory for the store database ${file}: ${notDir} is a file, not a directory.`
            : `Cannot create the directory for the store database ${file}: ${(cause as Error).message}`,
          {
            cause,
            details: { file },
            hint: notDir ? "Point store.path at a path whose directories are directories (or move that file away)." : "Check the permissions of store.path's directory, or point store.path somewhere writable.",
          },
        );
      }
      if (existsSync(file) && statSync(file).isDirectory()) {
        throw new BotyardError(ErrorCodes.STORE, `The store database ${file} is a directory.`, {
          details: { file },
          hint: "store.path names the database file itself, such as .botyard/state.db.",
        });
      }
      // Refuses a damaged or foreign file before anything is written to it (see checkBeforeOpen).
      try {
        checkBeforeOpen(file);
      } catch (cause) {
        throw openError(file, cause);
      }
    }
    let db: Database.Database;
    try {
      // timeout 0: a held lock must be reported at once, not waited on for the default 5 s.
      db = new Database(file, { timeout: 0 });
    } catch (cause) {
      throw openError(file, cause);
    }
    try {
      configure(db, options.synchronous ?? "normal");
      migrate(db, file);
    } catch (cause) {
      db.close();
      throw openError(file, cause);
    }
    return new SqliteStore(file, db, inMemory ? undefined : claimOwnerRecord(file), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  }

  private closed = false;
  private readonly sql: Statements;
  private readonly commits: GroupCommit;
  private readonly sweeper: Sweeper;

  private constructor(
    /** Absolute path of the database file. */
    readonly path: string,
    private readonly db: Database.Database,
    private readonly owner: OwnerRecord | undefined,
    sweepIntervalMs: number,
  ) {
    this.sql = prepareStatements(db);
    this.commits = new GroupCommit(path, this.sql.group);
    this.sweeper = new Sweeper(this.sql, sweepIntervalMs);
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.commits.read(() => {
      const row = this.sql.get.get(key, Date.now());
      return row ? (JSON.parse(row.value) as T) : undefined;
    }, this.commits.writing(key));
  }

  set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    return this.commits.write(() => {
      this.sql.set.run(key, encodeValue(value), expiry(Date.now(), options));
    }, { key });
  }

  delete(key: string): Promise<boolean> {
    return this.commits.write(() => {
      const row = this.sql.delete.get(key);
      return row !== undefined && isLive(row.expires_at, Date.now());
    }, { key });
  }

  // setIfAbsent and compareAndSet are each a single conditional statement: SQLite runs every
  // statement in its own transaction, so the check and the write cannot be split by anything.
  setIfAbsent(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.commits.write(() => {
      const now = Date.now();
      return this.sql.insertIfAbsent.run(key, encodeValue(value), expiry(now, options), now).changes === 1;
    }, { key });
  }

  compareAndSet(key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    return this.commits.write(() => {
      const now = Date.now();
      const text = encodeValue(next);
      if (expected === undefined) return this.sql.insertIfAbsent.run(key, text, expiry(now, options), now).changes === 1;
      return this.sql.replaceIfEqual.run(text, expiry(now, options), key, encodeValue(expected), now).changes === 1;
    }, { key });
  }

  list<T>(prefix: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.commits.read(() => {
      // A range on the primary key rather than LIKE: LIKE would read `%` and `_` in the prefix as
      // wildcards and is case-insensitive for ASCII; the range is exact and uses the index.
      const limit = options?.limit ?? -1; // -1: no limit, in SQLite
      const upper = prefixUpperBound(prefix);
      const rows = upper === undefined ? this.sql.listFrom.all(prefix, Date.now(), limit) : this.sql.listRange.all(prefix, upper, Date.now(), limit);
      return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T }));
    }, this.commits.writingUnder(prefix));
  }

  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    return this.commits.write(() => this.sql.enqueue(queue, encodeValue(payload), options ?? {}, Date.now()), QUEUE_OP);
  }

  claim<T>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined> {
    return this.commits.write(() => {
      const job = this.sql.claim(queue, options.claimMs, Date.now());
      return job && { queue, id: String(job.id), claim: job.claim, payload: JSON.parse(job.payload) as T, attempt: job.attempt, enqueuedAt: job.enqueued_at };
    }, QUEUE_OP);
  }

  // ack, release and extend match the claim token and a lease still running: a claim whose lease
  // ran out is lost even if nobody has re-claimed the job yet.
  ack(ref: JobRef): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.commits.write(() => this.sql.ack.run(id, ref.queue, ref.claim, Date.now()).changes === 1, QUEUE_OP);
  }

  release(ref: JobRef, options?: { delayMs?: number }): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.commits.write(() => {
      const now = Date.now();
      return this.sql.release.run(now + (options?.delayMs ?? 0), id, ref.queue, ref.claim, now).changes === 1;
    }, QUEUE_OP);
  }

  extend(ref: JobRef, claimMs: number): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.commits.write(() => {
      const now = Date.now();
      return this.sql.extend.run(now + claimMs, id, ref.queue, ref.claim, now).changes === 1;
    }, QUEUE_OP);
  }

  queueSize(queue: string): Promise<number> {
    return this.commits.read(() => this.sql.queueSize.get(queue)!.n, this.commits.queueing);
  }

  nextReadyAt(queue: string): Promise<number | undefined> {
    return this.commits.read(() => this.sql.nextReadyAt.get(queue)?.at ?? undefined, this.commits.queueing);
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.commits.write(() => {
      const now = Date.now();
      return this.sql.acquireLease.run(name, owner, now + ttlMs, now).changes === 1;
    });
  }

  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.commits.write(() => {
      const now = Date.now();
      return this.sql.renewLease.run(now + ttlMs, name, owner, now).changes === 1;
    });
  }

  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.commits.write(() => this.sql.releaseLease.run(name, owner, Date.now()).changes === 1);
  }

  /**
   * Resolves while the store can do its job. Once a commit or a read has failed for a reason of
   * the disk's or the file's (see `sqliteFailure`), a ping is a small write, and rejects with that
   * reason until the ping's write goes through again (after a full disk, also until 1 MiB is free
   * again): a full disk reads fine, so reading alone would call a store healthy that cannot take a
   * single delivery. A damaged file stays failed: it does not heal, and acting on it risks more
   * than refusing.
   */
  ping(): Promise<void> {
    if (this.closed) return Promise.reject(new BotyardError(ErrorCodes.STORE, `The store database ${this.path} is closed.`));
    const failing = this.commits.failing;
    if (failing === undefined) {
      return this.commits.read(() => {
        this.sql.ping.get();
      }, false);
    }
    if (failureCondition(failing) === "corrupt") return Promise.reject(failing);
    // A write that failed half-way leaves WAL space behind that a small probe fits into: on a disk
    // still full, the probe alone would call the store healthy while every real group fails.
    if (failureCondition(failing) === "disk-full" && freeBytes(dirname(this.path)) < ROOM_TO_RESUME) return Promise.reject(failing);
    return this.commits.write(() => {
      this.sql.probeWrite.run();
    }).then(() => {
      // Only a ping clears the failure: other groups may commit meanwhile without needing room
      // (a claim that finds no job writes nothing), which says nothing about the next delivery.
      if (this.commits.failing === failing) this.commits.failing = undefined;
    });
  }

  /**
   * An online backup: a consistent copy of the database at `toFile` (absolute), written while the
   * store serves, appearing there whole or not at all. See `backupDatabase`.
   */
  backup(toFile: string): Promise<BackupResult> {
    if (this.closed || this.path === ":memory:") {
      return Promise.reject(new BotyardError(ErrorCodes.BACKUP_FAILED, this.closed ? `The store database ${this.path} is closed: nothing to back up.` : "An in-memory store has no file to back up."));
    }
    return backupDatabase(this.db, this.path, toFile);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // What was issued before close is committed, not dropped.
    this.commits.close();
    this.closed = true;
    this.sweeper.stop();
    // Remove the owner record while still holding the lock, so that it cannot remove the record
    // of a host that opens the file the moment the lock is released.
    if (this.owner) releaseOwnerRecord(this.path, this.owner);
    // Closing checkpoints the WAL into the database file and releases the lock.
    this.db.close();
  }

  /** Deletes what has expired, all in one go. Reads already ignore it; this only keeps the file from growing. */
  sweep(): void {
    this.sweeper.sweepNow();
  }
}

/** The first of `dir` and its ancestors that exists and is not a directory. */
function notADirectory(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(at)) return statSync(at).isDirectory() ? undefined : at;
    if (dirname(at) === at) return undefined;
  }
}

/** Turns what SQLite threw while opening into an error that says which file and what to do. */
function openError(file: string, cause: unknown): Error {
  if (isBotyardError(cause)) return cause;
  const code = sqliteCode(cause);
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") return lockedError(file, cause);
  if (code !== undefined) return sqliteFailure(file, cause, true);
  return new BotyardError(ErrorCodes.STORE, `Cannot open the store database ${file}: ${(cause as Error).message}`, {
    cause,
    details: { file },
    hint: "Check that the path is a writable file on a local disk.",
  });
}

export { prefixUpperBound };
