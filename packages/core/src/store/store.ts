/**
 * The Store: what bots keep between runs. Values are JSON (anything `JSON.stringify` round-trips).
 * Every backend (memory, SQLite, Redis, or a third party's) implements this whole contract, and the
 * shared contract suite in @botyard/testing (`describeStoreContract`) checks it.
 *
 * A bot sees its own namespace (`ctx.store`); the host keeps its leases, dedupe keys and queues in
 * a namespace of its own beside them.
 */
export interface Store {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Writes `value`; with `ttlMs` the key disappears after that long. */
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  /** Removes the key; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Writes only when the key is absent (or expired); true when this call wrote it. */
  setIfAbsent(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  /**
   * Writes `next` only when the current value equals `expected` (compared as JSON, so read the
   * value with `get` and pass it back unchanged); `expected: undefined` means "absent". True when
   * this call wrote it.
   */
  compareAndSet(key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean>;
  /** Live keys starting with `prefix`, in key order. */
  list<T = unknown>(prefix: string, options?: ListOptions): Promise<Array<Entry<T>>>;

  /** Adds a job to a work queue. With `dedupeKey`, a second enqueue of the same key within `dedupeTtlMs` is a no-op. */
  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Takes the oldest ready job for `claimMs`; unless acked or released by then, it returns to the queue. */
  claim<T = unknown>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined>;
  /** Removes a claimed job for good. False when the claim had already expired and been lost. */
  ack(job: JobRef): Promise<boolean>;
  /** Returns a claimed job to the queue now or after `delayMs`. False when the claim was lost. */
  release(job: JobRef, options?: { delayMs?: number }): Promise<boolean>;
  /** Keeps a long-running claim alive. False when the claim was lost. */
  extend(job: JobRef, claimMs: number): Promise<boolean>;
  /** Jobs waiting or claimed in a queue (for metrics and tests). */
  queueSize(queue: string): Promise<number>;
  /**
   * When the next job of `queue` can be claimed, in ms since the epoch: now or earlier for a job
   * ready now, later for a job held back by a delay or held by a claim that has not run out;
   * `undefined` for an empty queue. Optional: with it, an idle worker sleeps until a dead
   * process's claim runs out or a retry's delay ends, rather than finding out at its next poll.
   */
  nextReadyAt?(queue: string): Promise<number | undefined>;

  /** Takes the named lease for `owner` if free or expired; true when `owner` holds it now. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease `owner` holds; false when it does not hold it any more. */
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up; false when `owner` did not hold it. */
  releaseLease(name: string, owner: string): Promise<boolean>;
}

/** A backend: a Store plus what the host needs to run it. */
export interface StoreBackend extends Store {
  /** `memory`, `sqlite`, `redis`... */
  readonly kind: string;
  /** Throws when the backend cannot serve requests (used by `/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: copies the whole store, consistently, to the file `toFile` (an absolute path on the
   * host's machine) while the store keeps serving, so that an operator can back up a store that
   * nothing else may open (an embedded file held by the host). The copy appears at `toFile`
   * complete or not at all (written beside it, then renamed), replacing a file there. Rejects with
   * BOTYARD_ERR_BACKUP_PATH when `toFile` is the store's own file or cannot be written there, and
   * BOTYARD_ERR_BACKUP_FAILED when the copy fails. A backend whose data lives in a server with its
   * own persistence (Redis) leaves it out: `botyard backup` then says to use that server's tools.
   */
  backup?(toFile: string): Promise<BackupResult>;
}

/** What `StoreBackend.backup` wrote. */
export interface BackupResult {
  /** Size of the copy, in bytes. */
  bytes: number;
  /** Database pages copied (for SQLite; a backend without pages gives 0). */
  pages: number;
}

export interface SetOptions {
  ttlMs?: number;
}

export interface ListOptions {
  limit?: number;
}

export interface Entry<T> {
  key: string;
  value: T;
}

export interface EnqueueOptions {
  dedupeKey?: string;
  /** How long the dedupe key is remembered (default one day). */
  dedupeTtlMs?: number;
  /** Do not hand the job out before this delay. */
  delayMs?: number;
  /**
   * Stores the job already claimed by the caller for `claimMs` (attempt 1), as if a `claim` had
   * taken it the moment it was enqueued, provided no job of the queue is ready then (older jobs go
   * first); the result's `claimed` is that claim. It saves a consumer with a free slot the claim (a
   * statement and a commit in SQLite, a round trip in Redis) and the decoding of the payload. Not
   * with `delayMs`, nor for a duplicate. A backend that does not support it leaves `claimed`
   * undefined, and the job waits in the queue like any other.
   */
  claim?: ClaimOptions;
}

export interface EnqueueResult {
  id: string;
  /** True when `dedupeKey` had been seen: nothing was enqueued. */
  duplicate: boolean;
  /** With `EnqueueOptions.claim`: the claim the job was stored with (ack, release or extend it like any claim). */
  claimed?: { claim: string; attempt: number; enqueuedAt: number };
}

export interface ClaimOptions {
  claimMs: number;
}

/** What identifies one claim of one job. */
export interface JobRef {
  queue: string;
  id: string;
  /** Changes on every claim, so that a claimant whose claim expired cannot ack someone else's claim. */
  claim: string;
}

export interface Job<T = unknown> extends JobRef {
  payload: T;
  /** 1 on the first claim, 2 on the first redelivery... */
  attempt: number;
  enqueuedAt: number;
}

export const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

/** Serialises a value the way every backend stores it, with a clear error for what JSON cannot hold. */
export function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw storeValueError(`cannot be serialised: ${(cause as Error).message}`);
  }
  if (text === undefined) throw storeValueError(`is ${typeof value}, which JSON cannot hold`);
  return text;
}

function storeValueError(what: string): Error {
  const error = new Error(`Store value ${what}. Store plain JSON data (objects, arrays, strings, numbers, booleans, null).`);
  (error as Error & { code: string }).code = "BOTYARD_ERR_STORE_VALUE";
  return error;
}
