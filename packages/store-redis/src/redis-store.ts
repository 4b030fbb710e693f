import { randomUUID } from "node:crypto";
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
  type Logger,
  type SetOptions,
  type StoreBackend,
} from "@botyard/core";
// ioredis 5.11.1, the last release of the 5.x line, pinned: 5.x has years of production use behind
// it (BullMQ and most Node Redis users run it), supports every Node from 12 up and works on Node 20
// (this suite runs on 20.20). 6.0.0 (July 2026, needs Node 20+) rewrote the wire decoder and the
// connection handshake to default to RESP3; nothing here needs RESP3, and a rewrite of exactly the
// layers this store leans on (reconnect, offline behaviour, script replies) is best adopted after a
// few patch releases. Known caveat of 5.x: its reply parser (redis-parser 3.0.0) recurses without a
// depth limit, so a *malicious* Redis server (or an on-path attacker on a plaintext connection) can
// crash the process with a deeply nested reply (ioredis#2108, fixed in 6.0.0). The Redis server is
// trusted by design here (whoever controls its replies already controls every lease and dedupe
// decision), and across untrusted networks use rediss:// (TLS). Revisit 6.x when it has matured.
import { Redis } from "ioredis";
import { describeUrl, messageOf, sanitized, type UrlInfo } from "./redis-url.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, clientSettings, type RedisStoreOptions } from "./client-settings.js";
import type { ScriptName } from "./scripts.js";
import { delayArg, msArg, ttlArg } from "./script-arguments.js";


const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Expired entries removed from the indexes per script call, so that a sweep never blocks Redis for long. */
const SWEEP_BATCH = 500;
/** Job ids are a global counter; in the queue's sorted set they are zero-padded (by enqueue.lua) so that equal ready times keep FIFO order. */
const JOB_ID_WIDTH = 15;
const JOB_ID = /^[1-9][0-9]{0,14}$/;


type Arg = string | number;
/** The commands `defineCommand` adds, each sent as EVALSHA (ioredis falls back to EVAL after a NOSCRIPT, e.g. a Redis restart). */
type ScriptCommands = { [K in ScriptName]: (...args: Arg[]) => Promise<unknown> };
type Client = Redis & ScriptCommands;

/**
 * The store for several host replicas: everything in one Redis (standalone, or a primary with
 * replicas behind Sentinel or a managed failover endpoint), shared by every replica.
 *
 * **Key layout**, all under `prefix` (`P`); user strings always come last in a key, after a fixed
 * tag, so that no key of one kind can spell a key of another:
 * - `P kv:<key>`: a value, as JSON text (a string key), with Redis's own expiry (PX) for a TTL.
 * - `P kv-index`: sorted set of every key, all with score 0, so ZRANGEBYLEX walks them in byte
 *   order (= code point order for UTF-8) for `list`. Entries of expired keys are removed by `list`
 *   when it meets them and by a sweep.
 * - `P kv-expiry`: sorted set of the keys that have a TTL, scored by expiry time: what the sweep reads.
 * - `P q:<queue>`: sorted set of the queue's jobs (member: zero-padded job id), scored by the time
 *   the job may next be claimed: enqueue time (+ delay) while waiting, end of the claim while claimed.
 * - `P job:<id>`: hash of one job: `q` queue, `p` payload (JSON), `t` enqueued at, `a` attempts,
 *   `c` token of the current claim ("" while waiting).
 * - `P job-seq`: the job id counter (ids are never reused, so a dedupe marker never names another job).
 * - `P dedupe:<length of queue>:<queue>:<dedupe key>`: the id of the job a dedupe key enqueued, with
 *   PX of the dedupe TTL (the length keeps queue `a:b` + key `c` apart from queue `a` + key `b:c`).
 * - `P lease:<name>`: the owner of a lease, with PX of its TTL.
 * Leases, dedupe markers and jobs live outside `kv:`, so `list` never sees them.
 *
 * **Atomicity**: single commands (GET) where one suffices; every read-then-write is one Lua script
 * (scripts/*.lua, see scripts.ts), run with EVALSHA. Time for queues comes from Redis's clock.
 *
 * **Failure behaviour**: the client does not queue commands while disconnected and never retries a
 * command on its own, so while Redis is unreachable every operation fails at once (or after
 * `commandTimeoutMs` when Redis stops answering) with BOTYARD_ERR_STORE_UNAVAILABLE, and the client keeps
 * reconnecting in the background. A failed write may or may not have been applied (the connection
 * can drop after Redis ran it and before the reply arrived): that is why it is not retried here,
 * where a retried setIfAbsent would answer "someone else has it" to the caller that wrote it.
 *
 * **Not supported**: Redis Cluster. The scripts touch keys they compute themselves (a job's hash,
 * the values behind index entries) across hash slots, which Cluster refuses. Use one primary
 * (with replicas and failover if needed). Redis 6.2 or later; tested on 7.0. Set
 * `maxmemory-policy noeviction`: an evicted lease or dedupe marker would let two replicas act.
 */
export class RedisStore implements StoreBackend {
  readonly kind = "redis";

  /** Connects to Redis (see `requireConnection`). Rejects with BOTYARD_ERR_STORE; never puts the password in a message. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const target = describeUrl(options.url);
    const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const settings = clientSettings(options, commandTimeout);
    let client: Client;
    try {
      client = new Redis(options.url, settings) as Client;
    } catch (cause) {
      throw new BotyardError(ErrorCodes.STORE, `Cannot use the Redis URL ${target.display}: ${target.redact(messageOf(cause))}`, {
        details: { url: target.display },
        hint: "store.url must look like redis://[user:password@]host:port[/db] (or rediss:// for TLS).",
      });
    }
    const store = new RedisStore(client, options, target);
    if (options.requireConnection === false) {
      client.connect().catch(() => {
        // Reported through the "error" listener; the client keeps trying.
      });
      return store;
    }
    try {
      await client.connect();
      // AUTH and SELECT failures only show on the first real command.
      await client.ping();
    } catch (cause) {
      await store.close();
      throw new BotyardError(
        ErrorCodes.STORE,
        `Cannot connect to the Redis store at ${target.display}: ${target.redact(store.lastError ?? messageOf(cause))}`,
        {
          cause: sanitized(cause, target.redact),
          details: { url: target.display },
          hint: "Check store.url in bots.yaml (host, port, password, database) and that Redis is running and reachable from this host.",
        },
      );
    }
    return store;
  }

  private closed = false;
  private connected = false;
  private lastError: string | undefined;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly p: string;
  private readonly keys: { index: string; expiry: string; seq: string; kv: string; job: string };

  private constructor(
    private readonly client: Client,
    private readonly options: RedisStoreOptions,
    private readonly target: UrlInfo,
  ) {
    this.p = options.prefix;
    this.keys = { index: `${this.p}kv-index`, expiry: `${this.p}kv-expiry`, seq: `${this.p}job-seq`, kv: `${this.p}kv:`, job: `${this.p}job:` };
    // Without a listener, ioredis prints every connection error to the console.
    client.on("error", (error: Error) => {
      this.lastError = target.redact(messageOf(error));
    });
    client.on("ready", () => {
      if (this.connected) return;
      const wasDown = this.lastError !== undefined;
      this.connected = true;
      this.lastError = undefined;
      if (wasDown) options.logger?.info({ store: "redis", url: target.display }, "Redis store connection restored");
      options.onConnectionChange?.(true);
    });
    client.on("close", () => {
      if (!this.connected) return;
      this.connected = false;
      if (!this.closed) {
        this.lastError ??= "connection closed";
        options.logger?.warn({ store: "redis", url: target.display, reason: this.lastError }, "Redis store connection lost; reconnecting");
        options.onConnectionChange?.(false);
      }
    });
    this.sweepTimer = setInterval(() => void this.sweep().catch(() => {}), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    // Housekeeping must never keep the process alive.
    this.sweepTimer.unref();
  }

  /** True while the connection to Redis is up and ready. */
  get isConnected(): boolean {
    return this.connected && this.client.status === "ready";
  }

  async get<T>(key: string): Promise<T | undefined> {
    const text = await this.run("get", () => this.client.get(this.keys.kv + key));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    const text = encodeValue(value);
    await this.run("set", () => this.client.botyardSet(...this.valueKeys(key), key, text, ttlArg(options)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run("delete", () => this.client.botyardDelete(...this.valueKeys(key), key))) === 1;
  }

  async setIfAbsent(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    const text = encodeValue(value);
    return (await this.run("setIfAbsent", () => this.client.botyardSetIfAbsent(...this.valueKeys(key), key, text, ttlArg(options)))) === 1;
  }

  async compareAndSet(key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    const text = encodeValue(next);
    const absent = expected === undefined;
    const expectedText = absent ? "" : encodeValue(expected);
    const result = await this.run("compareAndSet", () =>
      this.client.botyardCompareAndSet(...this.valueKeys(key), key, text, ttlArg(options), absent ? "1" : "0", expectedText),
    );
    return result === 1;
  }

  async list<T>(prefix: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    const limit = options?.limit ?? -1;
    if (limit === 0) return [];
    const flat = (await this.run("list", () =>
      this.client.botyardList(this.keys.index, this.keys.expiry, this.keys.kv, prefix, Math.max(-1, Math.floor(limit))),
    )) as string[];
    const entries: Array<Entry<T>> = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ key: flat[i]!, value: JSON.parse(flat[i + 1]!) as T });
    return entries;
  }

  async enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    const text = encodeValue(payload);
    const dedupe = options?.dedupeKey;
    const token = options?.claim && !options.delayMs ? randomUUID() : "";
    const [id, duplicate, enqueuedAt, claimed] = (await this.run("enqueue", () =>
      this.client.botyardEnqueue(
        this.queueKey(queue),
        this.keys.seq,
        dedupe === undefined ? `${this.p}dedupe:` : this.dedupeKey(queue, dedupe),
        this.keys.job,
        queue,
        text,
        dedupe === undefined ? "0" : "1",
        msArg(options?.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS),
        delayArg(options?.delayMs),
        token,
        token ? msArg(options!.claim!.claimMs) : "0",
      ),
    )) as [string, number, number?, number?];
    if (duplicate === 1 || claimed !== 1) return { id: String(id), duplicate: duplicate === 1 };
    return { id: String(id), duplicate: false, claimed: { claim: token, attempt: 1, enqueuedAt: Number(enqueuedAt) } };
  }

  async claim<T>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined> {
    const token = randomUUID();
    const row = (await this.run("claim", () => this.client.botyardClaim(this.queueKey(queue), this.keys.job, msArg(options.claimMs), token))) as
      | [string, string, number, string]
      | null;
    if (!row) return undefined;
    const [id, payload, attempt, enqueuedAt] = row;
    return { queue, id, claim: token, payload: JSON.parse(payload) as T, attempt: Number(attempt), enqueuedAt: Number(enqueuedAt) };
  }

  async ack(job: JobRef): Promise<boolean> {
    return this.settle("ack", job, 0);
  }

  async release(job: JobRef, options?: { delayMs?: number }): Promise<boolean> {
    return this.settle("release", job, delayArg(options?.delayMs));
  }

  async extend(job: JobRef, claimMs: number): Promise<boolean> {
    return this.settle("extend", job, msArg(claimMs));
  }

  async queueSize(queue: string): Promise<number> {
    return this.run("queueSize", () => this.client.zcard(this.queueKey(queue)));
  }

  async nextReadyAt(queue: string): Promise<number | undefined> {
    // The queue's sorted set is scored by when each job can be claimed.
    const first = await this.run("nextReadyAt", () => this.client.zrange(this.queueKey(queue), 0, 0, "WITHSCORES"));
    return first.length === 2 ? Number(first[1]) : undefined;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.run("acquireLease", () => this.client.botyardAcquireLease(this.leaseKey(name), owner, msArg(ttlMs)))) === 1;
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.run("renewLease", () => this.client.botyardRenewLease(this.leaseKey(name), owner, msArg(ttlMs)))) === 1;
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    return (await this.run("releaseLease", () => this.client.botyardReleaseLease(this.leaseKey(name), owner))) === 1;
  }

  /** Rejects with BOTYARD_ERR_STORE_UNAVAILABLE at once while disconnected, or after `commandTimeoutMs` when Redis does not answer. */
  async ping(): Promise<void> {
    await this.run("ping", () => this.client.ping());
  }

  /** Stops the sweep and the reconnection attempts and quits the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    if (this.client.status === "ready") {
      try {
        await this.client.quit();
      } catch {
        // Closing anyway.
      }
    }
    this.client.disconnect();
  }

  /**
   * Removes the index entries of keys that have expired (Redis has already dropped the values;
   * reads never see them). Runs on a timer in every replica; concurrent sweeps are harmless.
   * Returns how many entries were removed.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (let round = 0; round < 100; round++) {
      const [seen, gone] = (await this.run("sweep", () =>
        this.client.botyardSweep(this.keys.index, this.keys.expiry, this.keys.kv, SWEEP_BATCH),
      )) as [number, number];
      removed += gone;
      if (seen < SWEEP_BATCH) break;
    }
    return removed;
  }

  /**
   * Deletes every key under this store's prefix (SCAN and UNLINK in batches, never KEYS), and
   * returns how many. For tests and benchmarks that borrow a Redis: every replica sharing the
   * prefix loses its state. Glob characters in the prefix are escaped, so only this prefix matches.
   */
  async clear(): Promise<number> {
    const pattern = `${this.p.replace(/[*?[\]\\]/g, "\\$&")}*`;
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await this.run("clear", () => this.client.scan(cursor, "MATCH", pattern, "COUNT", 1_000));
      if (keys.length > 0) deleted += await this.run("clear", () => this.client.unlink(...keys));
      cursor = next;
    } while (cursor !== "0");
    return deleted;
  }

  private async settle(op: "ack" | "release" | "extend", job: JobRef, ms: number): Promise<boolean> {
    // Ids this store hands out are decimal; anything else cannot name one of its jobs.
    if (!JOB_ID.test(job.id)) return false;
    const member = job.id.padStart(JOB_ID_WIDTH, "0");
    const result = await this.run(op, () =>
      this.client.botyardSettle(this.queueKey(job.queue), this.keys.job + job.id, member, job.queue, job.claim, op, ms),
    );
    return result === 1;
  }

  private valueKeys(key: string): [string, string, string] {
    return [this.keys.kv + key, this.keys.index, this.keys.expiry];
  }

  private queueKey(queue: string): string {
    return `${this.p}q:${queue}`;
  }

  private leaseKey(name: string): string {
    return `${this.p}lease:${name}`;
  }

  private dedupeKey(queue: string, key: string): string {
    return `${this.p}dedupe:${queue.length}:${queue}:${key}`;
  }

  /** Runs one Redis call, turning whatever it fails with into BOTYARD_ERR_STORE without the password. */
  private async run<T>(op: string, call: () => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new BotyardError(ErrorCodes.STORE, `The Redis store at ${this.target.display} is closed (${op}).`, { details: { op, url: this.target.display } });
    }
    if (this.client.status !== "ready") throw this.unreachable(op, this.lastError ?? `connection ${this.client.status}`, false);
    try {
      return await call();
    } catch (cause) {
      if (isBotyardError(cause)) throw cause;
      const message = messageOf(cause);
      if (/timed out|Socket timeout/i.test(message)) {
        throw this.unreachable(op, `no reply within ${this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS} ms`, true, cause);
      }
      if (this.client.status !== "ready" || /Connection is closed|Stream isn't writeable|ECONN|EPIPE|ETIMEDOUT/.test(message)) {
        throw this.unreachable(op, this.lastError ?? message, true, cause);
      }
      throw new BotyardError(ErrorCodes.STORE, `Redis store ${op} failed at ${this.target.display}: ${this.target.redact(message)}`, {
        cause: sanitized(cause, this.target.redact),
        details: { op, url: this.target.display },
      });
    }
  }

  /**
   * `sent`: whether the command had gone out. If it had, Redis may have run it before the
   * connection failed, so a write may or may not have happened (`details.outcome: "unknown"`);
   * otherwise it certainly did not (`"not sent"`).
   */
  private unreachable(op: string, reason: string, sent: boolean, cause?: unknown): BotyardError {
    return new BotyardError(ErrorCodes.STORE_UNAVAILABLE, `The Redis store at ${this.target.display} is unreachable (${op}): ${this.target.redact(reason)}.`, {
      cause: cause === undefined ? undefined : sanitized(cause, this.target.redact),
      details: { op, url: this.target.display, outcome: sent ? "unknown" : "not sent" },
      hint: `${sent ? "The operation may or may not have been applied. " : ""}The client reconnects by itself; check that Redis is running and reachable from this host.`,
    });
  }
}

export type { RedisStoreOptions };
