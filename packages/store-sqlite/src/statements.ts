import { randomUUID } from "node:crypto";
import { DEFAULT_DEDUPE_TTL_MS, type EnqueueOptions, type EnqueueResult, type JobRef, type SetOptions } from "@botyard/core";
import type Database from "better-sqlite3";

/**
 * What the store uses of a prepared statement. better-sqlite3's own Statement type lives in a
 * namespace its module does not export, which a declaration file could not name.
 */
export interface Statement<P extends unknown[], R = unknown> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}
import type { Outcome, PendingOp } from "./group-commit.js";
import { SCHEMA_VERSION } from "./schema.js";
import { isSqliteEnvironmentError } from "./sqlite-errors.js";

/** Dedupe markers looked at per sweep transaction (about a millisecond of work). */
const DEDUPE_SWEEP_SLICE = 1_000;

interface DedupeRow {
  queue: string;
  dedupe_key: string;
  expires_at: number;
}

export interface DedupeCursor {
  queue: string;
  key: string;
}

interface JobRow {
  id: number;
  payload: string;
  attempt: number;
  enqueued_at: number;
}

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  const prepare = <P extends unknown[], R = unknown>(text: string): Statement<P, R> => db.prepare<P, R>(text);
  const live = "(expires_at IS NULL OR expires_at > ?)";
  const sql = {
    ping: prepare<[], unknown>("SELECT 1"),
    get: prepare<[string, number], { value: string }>(`SELECT value FROM kv WHERE key = ? AND ${live}`),
    set: prepare<[string, string, number | null]>(
      "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
    ),
    delete: prepare<[string], { expires_at: number | null }>("DELETE FROM kv WHERE key = ? RETURNING expires_at"),
    // Inserts, or overwrites a row that has expired but not been swept yet; 0 changes when a live row is there.
    insertIfAbsent: prepare<[string, string, number | null, number]>(
      `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`,
    ),
    replaceIfEqual: prepare<[string, number | null, string, string, number]>(
      `UPDATE kv SET value = ?, expires_at = ? WHERE key = ? AND value = ? AND ${live}`,
    ),
    listRange: prepare<[string, string, number, number], { key: string; value: string }>(
      `SELECT key, value FROM kv WHERE key >= ? AND key < ? AND ${live} ORDER BY key LIMIT ?`,
    ),
    listFrom: prepare<[string, number, number], { key: string; value: string }>(
      `SELECT key, value FROM kv WHERE key >= ? AND ${live} ORDER BY key LIMIT ?`,
    ),

    findDedupe: prepare<[string, string, number], { job_id: string }>(
      "SELECT job_id FROM dedupe WHERE queue = ? AND dedupe_key = ? AND expires_at > ?",
    ),
    // Inserts a marker, or overwrites one that has expired but not been swept yet; 0 changes when a live one is there.
    putDedupe: prepare<[string, string, string, number, number]>(
      `INSERT INTO dedupe (queue, dedupe_key, job_id, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue, dedupe_key) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at WHERE dedupe.expires_at <= ?`,
    ),
    // Waiting (attempt 0, no claim), or already claimed (attempt 1, ready again at the end of the claim).
    insertJob: prepare<[number, string, string, number, number, number, string | null]>(
      "INSERT INTO jobs (id, queue, payload, enqueued_at, ready_at, attempt, claim) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    // Oldest ready first: a job that has waited longest since it became claimable. A redelivered or
    // released job becomes ready again at the end of its lease or delay, so it does not jump ahead
    // of the jobs that were waiting meanwhile.
    nextReady: prepare<[string, number], JobRow>(
      "SELECT id, payload, attempt, enqueued_at FROM jobs WHERE queue = ? AND ready_at <= ? ORDER BY ready_at, id LIMIT 1",
    ),
    anyReady: prepare<[string, number], unknown>("SELECT 1 FROM jobs WHERE queue = ? AND ready_at <= ? LIMIT 1"),
    markClaimed: prepare<[string, number, number]>("UPDATE jobs SET claim = ?, attempt = attempt + 1, ready_at = ? WHERE id = ?"),
    ack: prepare<[number, string, string, number]>("DELETE FROM jobs WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?"),
    release: prepare<[number, number, string, string, number]>(
      "UPDATE jobs SET claim = NULL, ready_at = ? WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?",
    ),
    extend: prepare<[number, number, string, string, number]>(
      "UPDATE jobs SET ready_at = ? WHERE id = ? AND queue = ? AND claim = ? AND ready_at > ?",
    ),
    queueSize: prepare<[string], { n: number }>("SELECT count(*) AS n FROM jobs WHERE queue = ?"),
    // The index on (queue, ready_at) answers it from its first entry for the queue.
    nextReadyAt: prepare<[string], { at: number | null }>("SELECT min(ready_at) AS at FROM jobs WHERE queue = ?"),

    // Takes the lease when free, expired, or already ours (re-acquiring renews it).
    acquireLease: prepare<[string, string, number, number]>(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
    ),
    renewLease: prepare<[number, string, string, number]>("UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND expires_at > ?"),
    releaseLease: prepare<[string, string, number]>("DELETE FROM leases WHERE name = ? AND owner = ? AND expires_at > ?"),

    deleteExpiredKeys: prepare<[number]>("DELETE FROM kv WHERE expires_at <= ?"),
    deleteExpiredLeases: prepare<[number]>("DELETE FROM leases WHERE expires_at <= ?"),
    // A slice of dedupe markers in key order: the first, and the next after a cursor.
    firstDedupe: prepare<[number], DedupeRow>("SELECT queue, dedupe_key, expires_at FROM dedupe ORDER BY queue, dedupe_key LIMIT ?"),
    nextDedupe: prepare<[string, string, number], DedupeRow>(
      "SELECT queue, dedupe_key, expires_at FROM dedupe WHERE (queue, dedupe_key) > (?, ?) ORDER BY queue, dedupe_key LIMIT ?",
    ),
    deleteDedupe: prepare<[string, string, number]>("DELETE FROM dedupe WHERE queue = ? AND dedupe_key = ? AND expires_at <= ?"),
    maxJobId: prepare<[], { id: number | null }>("SELECT max(id) AS id FROM jobs"),
    // Rewrites the header page with what it holds: the smallest write that still reaches the disk.
    probeWrite: prepare<[]>(`PRAGMA user_version = ${SCHEMA_VERSION}`),
  };

  // Job ids are never reused, even once the newest job is acked, since a dedupe marker may still
  // name it: each is above every id in the table and above the clock in microseconds, so ids keep
  // growing across restarts with an empty table. (Until about the year 2250 they stay below 2^53.)
  let lastJobId = sql.maxJobId.get()!.id ?? 0;
  const nextJobId = (now: number): number => (lastJobId = Math.max(lastJobId + 1, now * 1000));

  // Claim tokens only have to be unique (a claim that ran out must not ack the job's next
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
    else sql.insertJob.run(n, queue, payload, now, now + options.claim!.claimMs, 1, token);
    return token === undefined ? { id, duplicate: false } : { id, duplicate: false, claimed: { claim: token, attempt: 1, enqueuedAt: now } };
  };
  const claim = (queue: string, claimMs: number, now: number) => {
    const job = sql.nextReady.get(queue, now);
    if (!job) return undefined;
    const token = newClaimToken();
    sql.markClaimed.run(token, now + claimMs, job.id);
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
  const groupTx = db.transaction((group: PendingOp[], outcomes: Outcome[]) => {
    for (const pending of group) {
      try {
        outcomes.push({ ok: true, value: pending.op() });
      } catch (error) {
        if (isSqliteEnvironmentError(error) || !db.inTransaction) throw error;
        outcomes.push({ ok: false, error });
      }
    }
  });
  return { ...sql, enqueue, claim, sweep: sweep.immediate, sweepDedupeSlice: sweepDedupeSlice.immediate, group: groupTx.immediate };
}

export function expiry(now: number, options: SetOptions | undefined): number | null {
  // Same rule as MemoryStore: no ttlMs (or 0) means the key never expires.
  return options?.ttlMs ? now + options.ttlMs : null;
}

export function isLive(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

/** Job ids are the row ids, as decimal strings; anything else cannot name a job of ours. */
export function jobId(ref: JobRef): number | undefined {
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
