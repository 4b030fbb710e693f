import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import {
  BotyardError,
  DEFAULT_DEDUPE_TTL_MS,
  ErrorCodes,
  encodeValue,
  isBotyardError,
  type ClaimOptions,
  type EnqueueOptions,
  type EnqueueResult,
  type Entry,
  type Job,
  type JobRef,
  type ListOptions,
  type SetOptions,
  type StoreBackend,
} from "@botyard/core";
import Database from "better-sqlite3";
import { failureCondition, freeBytes, isSqliteEnvironmentError, sqliteCode, sqliteFailure } from "./sqlite-errors.js";
import { checkBeforeOpen } from "./sqlite-preflight.js";

export interface SqliteStoreOptions {
  /** How often expired keys, dedupe markers and leases are deleted (default one minute). Reads ignore them either way. */
  sweepIntervalMs?: number;
  /**
   * `normal` (the default) keeps every acknowledged write through a crash or SIGKILL of the
   * process; `full` also keeps it through a power loss or kernel panic, at the price of an fsync
   * on every write. See `configure` below.
   */
  synchronous?: "normal" | "full";
}

/** Bump when the schema changes, and migrate from the previous versions in `migrate`. */
const SCHEMA_VERSION = 2;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Free space a full disk must have again before the store calls itself healthy (then a write must also go through). */
const ROOM_TO_RESUME = 1024 * 1024;
/** Dedupe markers looked at per sweep transaction (about a millisecond of work). */
const DEDUPE_SWEEP_SLICE = 1_000;

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
    -- When the job may be claimed: enqueue time (+ delay) while waiting, lease end while claimed.
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
 * Tokens of the stores this process has open, to tell our own live owner record from a stale one
 * whose pid happens to be ours again (a container restarted as pid 1, say).
 */
const openHere = new Set<string>();

/** Who holds the database, written beside it so that a refused second host can say whom to stop. */
interface OwnerRecord {
  pid: number;
  hostname: string;
  startedAt: string;
  token: string;
}

/** Options of `write` for the queue operations: committed at the end of the event-loop turn. */
const QUEUE_OP = { queue: true } as const;

interface PendingOp {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface DedupeRow {
  queue: string;
  dedupe_key: string;
  expires_at: number;
}

interface DedupeCursor {
  queue: string;
  key: string;
}

interface JobRow {
  id: number;
  payload: string;
  attempt: number;
  enqueued_at: number;
}

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
        checkBeforeOpen(file, SCHEMA_VERSION);
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

  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  private readonly sql: Statements;
  /** Operations waiting for their group commit, in the order they were issued. */
  private pending: PendingOp[] = [];
  /** Keys of the key-value writes in `pending` (with how many), and how many queue operations it holds. */
  private readonly pendingKeys = new Map<string, number>();
  private pendingQueueOps = 0;
  private commitOnYield = false;
  /** A sliced sweep of the dedupe markers is under way. */
  private sweeping = false;
  private commitAtTurnEnd = false;
  /** Why the last commit or read failed, when the disk or the file was the reason; cleared by a ping that writes again (never when the file is damaged). */
  private failing: Error | undefined;

  private constructor(
    /** Absolute path of the database file. */
    readonly path: string,
    private readonly db: Database.Database,
    private readonly owner: OwnerRecord | undefined,
    sweepIntervalMs: number,
  ) {
    this.sql = prepareStatements(db);
    this.sweepInSlices();
    this.sweepTimer = setInterval(() => this.sweepInSlices(), sweepIntervalMs);
    // The sweep is housekeeping: it must never be what keeps the process alive.
    this.sweepTimer.unref();
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.read(() => {
      const row = this.sql.get.get(key, Date.now());
      return row ? (JSON.parse(row.value) as T) : undefined;
    }, this.pendingKeys.has(key));
  }

  set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    return this.write(() => {
      this.sql.set.run(key, encodeValue(value), expiry(Date.now(), options));
    }, { key });
  }

  delete(key: string): Promise<boolean> {
    return this.write(() => {
      const row = this.sql.delete.get(key);
      return row !== undefined && isLive(row.expires_at, Date.now());
    }, { key });
  }

  // setIfAbsent and compareAndSet are each a single conditional statement: SQLite runs every
  // statement in its own transaction, so the check and the write cannot be split by anything.
  setIfAbsent(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      return this.sql.insertIfAbsent.run(key, encodeValue(value), expiry(now, options), now).changes === 1;
    }, { key });
  }

  compareAndSet(key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      const text = encodeValue(next);
      if (expected === undefined) return this.sql.insertIfAbsent.run(key, text, expiry(now, options), now).changes === 1;
      return this.sql.replaceIfEqual.run(text, expiry(now, options), key, encodeValue(expected), now).changes === 1;
    }, { key });
  }

  list<T>(prefix: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.read(() => {
      // A range on the primary key rather than LIKE: LIKE would read `%` and `_` in the prefix as
      // wildcards and is case-insensitive for ASCII; the range is exact and uses the index.
      const limit = options?.limit ?? -1; // -1: no limit, in SQLite
      const upper = prefixUpperBound(prefix);
      const rows = upper === undefined ? this.sql.listFrom.all(prefix, Date.now(), limit) : this.sql.listRange.all(prefix, upper, Date.now(), limit);
      return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T }));
    }, this.pendingKeys.size > 0 && [...this.pendingKeys.keys()].some((key) => key.startsWith(prefix)));
  }

  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    return this.write(() => this.sql.enqueue(queue, encodeValue(payload), options ?? {}, Date.now()), QUEUE_OP);
  }

  claim<T>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined> {
    return this.write(() => {
      const job = this.sql.claim(queue, options.leaseMs, Date.now());
      return job && { queue, id: String(job.id), claim: job.claim, payload: JSON.parse(job.payload) as T, attempt: job.attempt, enqueuedAt: job.enqueued_at };
    }, QUEUE_OP);
  }

  // ack, release and extend match the claim token and a lease still running: a claim whose lease
  // ran out is lost even if nobody has re-claimed the job yet.
  ack(ref: JobRef): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.write(() => this.sql.ack.run(id, ref.queue, ref.claim, Date.now()).changes === 1, QUEUE_OP);
  }

  release(ref: JobRef, options?: { delayMs?: number }): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.write(() => {
      const now = Date.now();
      return this.sql.release.run(now + (options?.delayMs ?? 0), id, ref.queue, ref.claim, now).changes === 1;
    }, QUEUE_OP);
  }

  extend(ref: JobRef, leaseMs: number): Promise<boolean> {
    const id = jobId(ref);
    if (id === undefined) return Promise.resolve(false);
    return this.write(() => {
      const now = Date.now();
      return this.sql.extend.run(now + leaseMs, id, ref.queue, ref.claim, now).changes === 1;
    }, QUEUE_OP);
  }

  queueSize(queue: string): Promise<number> {
    return this.read(() => this.sql.queueSize.get(queue)!.n, this.pendingQueueOps > 0);
  }

  nextReadyAt(queue: string): Promise<number | undefined> {
    return this.read(() => this.sql.nextReadyAt.get(queue)?.at ?? undefined, this.pendingQueueOps > 0);
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      return this.sql.acquireLease.run(name, owner, now + ttlMs, now).changes === 1;
    });
  }

  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      return this.sql.renewLease.run(now + ttlMs, name, owner, now).changes === 1;
    });
  }

  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.write(() => this.sql.releaseLease.run(name, owner, Date.now()).changes === 1);
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
    const failing = this.failing;
    if (failing === undefined) {
      return this.read(() => {
        this.sql.ping.get();
      }, false);
    }
    if (failureCondition(failing) === "corrupt") return Promise.reject(failing);
    // A write that failed half-way leaves WAL space behind that a small probe fits into: on a disk
    // still full, the probe alone would call the store healthy while every real group fails.
    if (failureCondition(failing) === "disk-full" && freeBytes(dirname(this.path)) < ROOM_TO_RESUME) return Promise.reject(failing);
    return this.write(() => {
      this.sql.probeWrite.run();
    }).then(() => {
      // Only a ping clears the failure: other groups may commit meanwhile without needing room
      // (a claim that finds no job writes nothing), which says nothing about the next delivery.
      if (this.failing === failing) this.failing = undefined;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // What was issued before close is committed, not dropped.
    this.commitPending();
    this.closed = true;
    clearInterval(this.sweepTimer);
    // Remove the owner record while still holding the lock, so that it cannot remove the record
    // of a host that opens the file the moment the lock is released.
    if (this.owner) releaseOwnerRecord(this.path, this.owner);
    // Closing checkpoints the WAL into the database file and releases the lock.
    this.db.close();
  }

  /**
   * Queues a write for a group commit; resolves (or rejects) once that commit is done. Queue
   * operations wait for the end of the event-loop turn; anything else is committed, with whatever
   * waits, as soon as the code that issued it yields (the next microtask checkpoint). `key` is the
   * key a key-value write changes, so that reads of other keys need not wait for it.
   */
  private write<T>(op: () => T, { key, queue = false }: { key?: string; queue?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new BotyardError(ErrorCodes.STORE, `The store database ${this.path} is closed.`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (key !== undefined) this.pendingKeys.set(key, (this.pendingKeys.get(key) ?? 0) + 1);
      if (queue) {
        this.pendingQueueOps++;
        if (!this.commitAtTurnEnd) {
          this.commitAtTurnEnd = true;
          setImmediate(this.commitTurn);
        }
      } else if (!this.commitOnYield) {
        this.commitOnYield = true;
        // A resolved promise's reaction rather than queueMicrotask, which also makes an async resource per call.
        void Promise.resolve().then(this.commitYielded);
      }
    });
  }

  /**
   * Runs a read now; or, when a write it could see is waiting for its commit (`conflicts`), after
   * that write, in its group, so that a caller always reads what it wrote before, in program order.
   */
  private read<T>(op: () => T, conflicts: boolean): Promise<T> {
    if (conflicts) return this.write(op);
    try {
      return Promise.resolve(op());
    } catch (cause) {
      const error = sqliteFailure(this.path, cause, false);
      if (isSqliteEnvironmentError(cause)) this.failing = error;
      return Promise.reject(error);
    }
  }

  private readonly commitYielded = (): void => {
    this.commitOnYield = false;
    this.commitPending();
  };

  private readonly commitTurn = (): void => {
    this.commitAtTurnEnd = false;
    this.commitPending();
  };

  private readonly commitPending = (): void => {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    this.pendingKeys.clear();
    this.pendingQueueOps = 0;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.sql.group(group, outcomes);
    } catch (cause) {
      // The commit itself failed (disk full, I/O error): nothing of the group was stored.
      const error = sqliteFailure(this.path, cause, false);
      if (isSqliteEnvironmentError(cause)) this.failing = error;
      for (const op of group) op.reject(error);
      return;
    }
    group.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  };

  /** Deletes what has expired, all in one go. Reads already ignore it; this only keeps the file from growing. */
  sweep(): void {
    const now = Date.now();
    this.sql.sweep.immediate(now);
    let cursor: DedupeCursor | undefined;
    do cursor = this.sql.sweepDedupeSlice(cursor, now);
    while (cursor !== undefined);
  }

  /**
   * The sweep on open and on the timer: the dedupe markers (a day's deliveries by default) a slice
   * per event-loop turn, so that a large table never stalls the host. Errors are left to the next
   * sweep; a database that stays broken shows in ping().
   */
  private sweepInSlices(): void {
    if (this.sweeping || this.closed) return;
    try {
      this.sql.sweep.immediate(Date.now());
    } catch {
      return;
    }
    this.sweeping = true;
    const slice = (after: DedupeCursor | undefined): void => {
      let cursor: DedupeCursor | undefined;
      try {
        cursor = this.closed ? undefined : this.sql.sweepDedupeSlice(after, Date.now());
      } catch {
        cursor = undefined;
      }
      if (cursor === undefined) this.sweeping = false;
      else setImmediate(slice, cursor).unref();
    };
    slice(undefined);
  }
}

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
function configure(db: Database.Database, synchronous: "normal" | "full"): void {
  // Must come before the first read so that the WAL index lives in heap memory (no -shm file) and
  // the exclusive file lock, which is the single-owner lock, is taken on open and held until close.
  db.pragma("locking_mode = EXCLUSIVE");
  // The first statement that reads the file: fails with SQLITE_BUSY when another connection holds
  // the lock and SQLITE_NOTADB when the file is not a database.
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.pragma("wal_autocheckpoint = 10000");
}

function migrate(db: Database.Database, file: string): void {
  // BEGIN EXCLUSIVE also makes sure the exclusive lock is held from here on, even when the schema
  // is already current and nothing is written.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new BotyardError(
        ErrorCodes.STORE,
        `The store database ${file} has schema version ${version}, written by a newer Botyard; this host understands up to version ${SCHEMA_VERSION}.`,
        { details: { file, version }, hint: "Upgrade @botyard/host, or point store.path at another file." },
      );
    }
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

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  const live = "(expires_at IS NULL OR expires_at > ?)";
  const sql = {
    ping: db.prepare<[], unknown>("SELECT 1"),
    get: db.prepare<[string, number], { value: string }>(`SELECT value FROM kv WHERE key = ? AND ${live}`),
    set: db.prepare<[string, string, number | null]>(
      "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
    ),
    delete: db.prepare<[string], { expires_at: number | null }>("DELETE FROM kv WHERE key = ? RETURNING expires_at"),
    // Inserts, or overwrites a row that has expired but not been swept yet; 0 changes when a live row is there.
    insertIfAbsent: db.prepare<[string, string, number | null, number]>(
      `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`,
    ),
    replaceIfEqual: db.prepare<[string, number | null, string, string, number]>(
      `UPDATE kv SET value = ?, expires_at = ? WHERE key = ? AND value = ? AND ${live}`,
    ),
    listRange: db.prepare<[string, string, number, number], { key: string; value: string }>(
      `SELECT key, value FROM kv WHERE key >= ? AND key < ? AND ${live} ORDER BY key LIMIT ?`,
    ),
    listFrom: db.prepare<[string, number, number], { key: string; value: string }>(
      `SELECT key, value FROM kv WHERE key >= ? AND ${live} ORDER BY key LIMIT ?`,
    ),

    findDedupe: db.prepare<[string, string, number], { job_id: string }>(
      "SELECT job_id FROM dedupe WHERE queue = ? AND dedupe_key = ? AND expires_at > ?",
    ),
    // Inserts a marker, or overwrites one that has expired but not been swept yet; 0 changes when a live one is there.
    putDedupe: db.prepare<[string, string, string, number, number]>(
      `INSERT INTO dedupe (queue, dedupe_key, job_id, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue, dedupe_key) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at WHERE dedupe.expires_at <= ?`,
    ),
    // Waiting (attempt 0, no claim), or already claimed (attempt 1, ready again at the end of the lease).
    insertJob: db.prepare<[number, string, string, number, number, number, string | null]>(
      "INSERT INTO jobs (id, queue, payload, enqueued_at, ready_at, attempt, claim) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    // Oldest ready first: a job that has waited longest since it became claimable. A redelivered or
    // released job becomes ready again at the end of its lease or delay, so it does not jump ahead
    // of the jobs that were waiting meanwhile.
    nextReady: db.prepare<[string, number], JobRow>(
      "SELECT id, payload, attempt, enqueued_at FROM jobs WHERE queue = ? AND ready_at <= ? ORDER BY ready_at, id LIMIT 1",
    ),
    anyReady: db.prepare<[string, number], unknown>("SELECT 1 FROM jobs WHERE queue = ? AND ready_at <= ? LIMIT 1"),
    markClaimed: db.prepare<[string, number, number]>("UPDATE jobs SET claim = ?, attempt = attempt + 1, ready_at = ? WHERE id = ?"),
    ack: db.prepare<[number, string, string, number]>("DELETE FROM jobs WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?"),
    release: db.prepare<[number, number, string, string, number]>(
      "UPDATE jobs SET claim = NULL, ready_at = ? WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?",
    ),
    extend: db.prepare<[number, number, string, string, number]>(
      "UPDATE jobs SET ready_at = ? WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?",
    ),
    queueSize: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM jobs WHERE queue = ?"),
    // The index on (queue, ready_at) answers it from its first entry for the queue.
    nextReadyAt: db.prepare<[string], { at: number | null }>("SELECT min(ready_at) AS at FROM jobs WHERE queue = ?"),

    // Takes the lease when free, expired, or already ours (re-acquiring renews it).
    acquireLease: db.prepare<[string, string, number, number]>(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
    ),
    renewLease: db.prepare<[number, string, string, number]>("UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND expires_at > ?"),
    releaseLease: db.prepare<[string, string, number]>("DELETE FROM leases WHERE name = ? AND owner = ? AND expires_at > ?"),

    deleteExpiredKeys: db.prepare<[number]>("DELETE FROM kv WHERE expires_at <= ?"),
    deleteExpiredLeases: db.prepare<[number]>("DELETE FROM leases WHERE expires_at <= ?"),
    // A slice of dedupe markers in key order: the first, and the next after a cursor.
    firstDedupe: db.prepare<[number], DedupeRow>("SELECT queue, dedupe_key, expires_at FROM dedupe ORDER BY queue, dedupe_key LIMIT ?"),
    nextDedupe: db.prepare<[string, string, number], DedupeRow>(
      "SELECT queue, dedupe_key, expires_at FROM dedupe WHERE (queue, dedupe_key) > (?, ?) ORDER BY queue, dedupe_key LIMIT ?",
    ),
    deleteDedupe: db.prepare<[string, string, number]>("DELETE FROM dedupe WHERE queue = ? AND dedupe_key = ? AND expires_at <= ?"),
    maxJobId: db.prepare<[], { id: number | null }>("SELECT max(id) AS id FROM jobs"),
    // Rewrites the header page with what it holds: the smallest write that still reaches the disk.
    probeWrite: db.prepare(`PRAGMA user_version = ${SCHEMA_VERSION}`),
  };

  // Job ids are never reused, even once the newest job is acked, since a dedupe marker may still
  // name it: each is above every id in the table and above the clock in microseconds, so ids keep
  // growing across restarts with an empty table. (Until about the year 2250 they stay below 2^53.)
  let lastJobId = sql.maxJobId.get()!.id ?? 0;
  const nextJobId = (now: number): number => (lastJobId = Math.max(lastJobId + 1, now * 1000));

  // Claim tokens only have to be unique (a claim whose lease ran out must not ack the job's next
  // claim), not secret: one random prefix per store and a counter.
  const tokenPrefix = randomUUID();
  let tokenSeq = 0;
  const newClaimToken = (): string => `${tokenPrefix}.${(++tokenSeq).toString(36)}`;

  // The multi-statement operations. They run inside a group's transaction without a savepoint of
  // their own (which would double the statements of a queue operation): once their arguments are
  // encoded, none of their statements can fail alone, only with an I/O error, which fails the
  // whole group's commit.
  const enqueue = (queue: string, payload: string, options: EnqueueOptions, now: number): EnqueueResult => {
    const n = nextJobId(now);
    const id = String(n);
    // The marker goes first, naming the job it is about to be: when a live one is there already,
    // that one write was the whole check, and nothing else is written.
    if (options.dedupeKey !== undefined && sql.putDedupe.run(queue, options.dedupeKey, id, now + (options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS), now).changes === 0) {
      return { id: sql.findDedupe.get(queue, options.dedupeKey, now)!.job_id, duplicate: true };
    }
    // Stored already claimed, unless an older job is ready: the claim a consumer would have made at once.
    const token = options.claim && !options.delayMs && sql.anyReady.get(queue, now) === undefined ? newClaimToken() : undefined;
    if (token === undefined) sql.insertJob.run(n, queue, payload, now, now + (options.delayMs ?? 0), 0, null);
    else sql.insertJob.run(n, queue, payload, now, now + options.claim!.leaseMs, 1, token);
    return token === undefined ? { id, duplicate: false } : { id, duplicate: false, claimed: { claim: token, attempt: 1, enqueuedAt: now } };
  };
  const claim = (queue: string, leaseMs: number, now: number) => {
    const job = sql.nextReady.get(queue, now);
    if (!job) return undefined;
    const token = newClaimToken();
    sql.markClaimed.run(token, now + leaseMs, job.id);
    return { ...job, claim: token, attempt: job.attempt + 1 };
  };
  const sweep = db.transaction((now: number) => {
    sql.deleteExpiredKeys.run(now);
    sql.deleteExpiredLeases.run(now);
  });
  // One slice of the dedupe markers after `after` (from the first when undefined): deletes the
  // expired ones, and returns the last key looked at, or undefined once the end is reached.
  const sweepDedupeSlice = db.transaction((after: DedupeCursor | undefined, now: number): DedupeCursor | undefined => {
    const rows = after === undefined ? sql.firstDedupe.all(DEDUPE_SWEEP_SLICE) : sql.nextDedupe.all(after.queue, after.key, DEDUPE_SWEEP_SLICE);
    for (const row of rows) if (row.expires_at <= now) sql.deleteDedupe.run(row.queue, row.dedupe_key, now);
    const last = rows.at(-1);
    return rows.length < DEDUPE_SWEEP_SLICE || last === undefined ? undefined : { queue: last.queue, key: last.dedupe_key };
  });
  // One group commit, BEGIN IMMEDIATE (the write lock is taken before the first read). An operation
  // that throws (a value that cannot be encoded, a constraint) is undone alone: each is a single
  // statement, atomic in SQLite, or one of the operations above.
  // An error from the disk or the file (full, read-only, damaged, I/O) fails the whole group
  // instead: SQLite may have rolled the transaction back already, and the operations after it
  // would then each commit on their own while the group is reported failed.
  const groupTx = db.transaction((group: PendingOp[], outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>) => {
    for (const pending of group) {
      try {
        outcomes.push({ ok: true, value: pending.op() });
      } catch (error) {
        if (isSqliteEnvironmentError(error) || !db.inTransaction) throw error;
        outcomes.push({ ok: false, error });
      }
    }
  });
  return { ...sql, enqueue, claim, sweep, sweepDedupeSlice: sweepDedupeSlice.immediate, group: groupTx.immediate };
}

/** The first of `dir` and its ancestors that exists and is not a directory. */
function notADirectory(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(at)) return statSync(at).isDirectory() ? undefined : at;
    if (dirname(at) === at) return undefined;
  }
}

function expiry(now: number, options: SetOptions | undefined): number | null {
  // Same rule as MemoryStore: no ttlMs (or 0) means the key never expires.
  return options?.ttlMs ? now + options.ttlMs : null;
}

function isLive(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

/** Job ids are the row ids, as decimal strings; anything else cannot name a job of ours. */
function jobId(ref: JobRef): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(ref.id) ? Number(ref.id) : undefined;
}

/**
 * The least string greater than every string that starts with `prefix`, in SQLite's order (UTF-8
 * bytes, which is code point order): the prefix with its last code point incremented. Undefined
 * when there is none (the empty prefix, or one made only of U+10FFFF): then every key from `prefix`
 * on matches. Appending "\uffff" instead would miss keys that continue with a character beyond
 * U+FFFF, whose UTF-8 sorts after it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < 0x10ffff) {
      // Skip the surrogate range: those are not characters and never appear in valid UTF-8.
      codePoints.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...codePoints);
    }
  }
  return undefined;
}

function claimOwnerRecord(file: string): OwnerRecord {
  const owner: OwnerRecord = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  openHere.add(owner.token);
  try {
    writeFileSync(`${file}-owner`, `${JSON.stringify(owner)}\n`);
  } catch {
    // Advisory only (the SQLite lock is what excludes other hosts): without it, a refused host
    // just cannot name the process to stop.
  }
  return owner;
}

function releaseOwnerRecord(file: string, owner: OwnerRecord): void {
  openHere.delete(owner.token);
  try {
    if (readOwnerRecord(file)?.token === owner.token) rmSync(`${file}-owner`, { force: true });
  } catch {
    // A leftover record is harmless: the next host overwrites it, and the lock decides.
  }
}

function readOwnerRecord(file: string): OwnerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(`${file}-owner`, "utf8")) as Partial<OwnerRecord>;
    return typeof record.pid === "number" && typeof record.hostname === "string" ? (record as OwnerRecord) : undefined;
  } catch {
    return undefined;
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

function lockedError(file: string, cause: unknown): BotyardError {
  const owner = readOwnerRecord(file);
  const here = owner !== undefined && owner.hostname === hostname();
  const mine = here && owner.pid === process.pid;
  // The record is only a hint: believe it when it names a process that is running and, when that
  // is this process, a store it really has open.
  const ownerRunning = owner !== undefined && (mine ? openHere.has(owner.token) : !here || isProcessAlive(owner.pid));
  let holder: string;
  let hint: string;
  if (ownerRunning && mine) {
    holder = `this process (pid ${owner.pid}), which opened it at ${owner.startedAt}`;
    hint = "Open the store once and share it, or close() the first SqliteStore before opening the file again.";
  } else if (ownerRunning) {
    holder = `process ${owner.pid} on ${owner.hostname}, which opened it at ${owner.startedAt}`;
    hint = `Only one Botyard host can use a SQLite store. Stop the other host (pid ${owner.pid}) first, or give this one its own store.path; hosts that share state need the redis store.`;
  } else {
    holder = "another process (not a Botyard host that left its pid: perhaps a sqlite3 shell)";
    hint = "Close whatever has the file open, or give this host its own store.path.";
  }
  return new BotyardError(ErrorCodes.STORE_LOCKED, `The store database ${file} is in use by ${holder}.`, {
    cause,
    hint,
    details: { file, pid: ownerRunning ? owner.pid : undefined, hostname: ownerRunning ? owner.hostname : undefined },
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
