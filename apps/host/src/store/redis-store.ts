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
import { Redis, type RedisOptions } from "ioredis";

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /**
   * Prepended to every key, so that several deployments can share one Redis (`botyard:`). End it
   * with a separator, and never give one deployment a prefix that starts with another's (`a:` and
   * `a:b:`): their keys could meet.
   */
  prefix: string;
  /**
   * When true (the default), `connect` waits for the first connection and rejects with
   * BOTYARD_ERR_STORE when Redis cannot be reached or refuses the credentials, so that a wrong URL
   * fails at start. When false, `connect` resolves at once and the store works as soon as Redis
   * answers; until then every operation and `ping` fail with BOTYARD_ERR_STORE_UNAVAILABLE.
   */
  requireConnection?: boolean;
  /** How long one TCP connect attempt may take (default 5 s). */
  connectTimeoutMs?: number;
  /** How long one operation may wait for Redis's reply before failing (default 2 s). */
  commandTimeoutMs?: number;
  /** How often index entries of expired keys are removed (default one minute). Reads ignore them either way. */
  sweepIntervalMs?: number;
  /** CLIENT SETNAME of the connection, to find it in CLIENT LIST (default `botyard`). */
  connectionName?: string;
  /** Told when the connection is lost (warn) and back (info). Never given the password. */
  logger?: Logger;
  /** Called when the connection to Redis goes down (`false`) or is ready again (`true`). */
  onConnectionChange?: (connected: boolean) => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Expired entries removed from the indexes per script call, so that a sweep never blocks Redis for long. */
const SWEEP_BATCH = 500;
/** Job ids are a global counter; in the queue's sorted set they are zero-padded so that equal ready times keep FIFO order. */
const JOB_ID_WIDTH = 15;
const JOB_ID = /^[1-9][0-9]{0,14}$/;

// ---------------------------------------------------------------------------------------------
// Lua. Every operation that reads before it writes runs as one script, which Redis executes
// atomically: no other command runs between its read and its write, on any connection. Time
// comes from Redis's clock (TIME), never the caller's, so replicas whose clocks drift still agree
// on when a claim or a delay runs out. Keys with a TTL expire through Redis's own PX.
// ---------------------------------------------------------------------------------------------

const LUA_HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n) return string.format('%.0f', n) end
`;

/**
 * Writes a value and keeps the two indexes in step with it.
 * KEYS[1] value key, KEYS[2] key index (zset, score 0), KEYS[3] expiry index (zset, score = expiry ms).
 * ARGV[1] the key (index member), ARGV[2] JSON text, ARGV[3] TTL in ms, "0" for none.
 */
const LUA_WRITE = `
local function write()
  local ttl = tonumber(ARGV[3])
  if ttl > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    redis.call('ZADD', KEYS[3], int(now_ms() + ttl), ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[2])
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
end
`;

const SCRIPTS = {
  botyardSet: {
    numberOfKeys: 3,
    lua: `${LUA_HELPERS}${LUA_WRITE}
write()
return 1`,
  },
  // A key that has expired is absent: EXISTS does not see it.
  botyardSetIfAbsent: {
    numberOfKeys: 3,
    lua: `${LUA_HELPERS}${LUA_WRITE}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
write()
return 1`,
  },
  // ARGV[4] "1" when the caller expects the key absent, else ARGV[5] is the expected JSON text,
  // compared byte for byte with the stored text (as SQLite compares it).
  botyardCompareAndSet: {
    numberOfKeys: 3,
    lua: `${LUA_HELPERS}${LUA_WRITE}
local current = redis.call('GET', KEYS[1])
if ARGV[4] == '1' then
  if current then return 0 end
elseif current ~= ARGV[5] then
  return 0
end
write()
return 1`,
  },
  // KEYS as for write; ARGV[1] the key. Returns 1 when a live key was deleted.
  botyardDelete: {
    numberOfKeys: 3,
    lua: `
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n`,
  },
  // KEYS[1] key index, KEYS[2] expiry index. ARGV[1] value key prefix, ARGV[2] the prefix listed,
  // ARGV[3] limit (-1: none). Walks the index from the prefix in byte order (which is code point
  // order for UTF-8) and stops at the first member that does not start with it, so the prefix is
  // taken literally and needs no upper bound. Members whose value has expired are removed here.
  // Returns key, value, key, value...
  botyardList: {
    numberOfKeys: 2,
    lua: `
local prefix = ARGV[2]
local plen = string.len(prefix)
local limit = tonumber(ARGV[3])
local out = {}
local found = 0
local min = '[' .. prefix
local batch = 256
while true do
  local members = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, batch)
  for i = 1, #members do
    local m = members[i]
    if string.sub(m, 1, plen) ~= prefix then return out end
    local v = redis.call('GET', ARGV[1] .. m)
    if v then
      out[#out + 1] = m
      out[#out + 1] = v
      found = found + 1
      if limit >= 0 and found >= limit then return out end
    else
      redis.call('ZREM', KEYS[1], m)
      redis.call('ZREM', KEYS[2], m)
    end
  end
  if #members < batch then return out end
  min = '(' .. members[#members]
end`,
  },
  // KEYS[1] key index, KEYS[2] expiry index. ARGV[1] value key prefix, ARGV[2] batch size.
  // Returns {entries looked at, index entries removed}.
  botyardSweep: {
    numberOfKeys: 2,
    lua: `${LUA_HELPERS}
local now = now_ms()
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now), 'LIMIT', 0, tonumber(ARGV[2]))
local removed = 0
for i = 1, #members do
  local m = members[i]
  local pttl = redis.call('PTTL', ARGV[1] .. m)
  if pttl == -2 then
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZREM', KEYS[2], m)
    removed = removed + 1
  elseif pttl == -1 then
    redis.call('ZREM', KEYS[2], m)
  else
    redis.call('ZADD', KEYS[2], int(now + pttl), m)
  end
end
return {#members, removed}`,
  },

  // KEYS[1] the queue (zset: member padded job id, score = when it may next be claimed),
  // KEYS[2] the job id counter, KEYS[3] the dedupe marker (ignored unless ARGV[4] is "1").
  // ARGV[1] job key prefix, ARGV[2] queue name, ARGV[3] payload, ARGV[4] dedupe?, ARGV[5] dedupe TTL
  // ms, ARGV[6] delay ms, ARGV[7] claim token ('' for none: the job waits), ARGV[8] its lease ms.
  // Returns {id, 1} for a duplicate (the first job's id), {id, 0, enqueued at, claimed?} otherwise;
  // with a token, and no job of the queue ready, the job is stored claimed (attempt 1, score at
  // the end of the lease), as a claim would.
  botyardEnqueue: {
    numberOfKeys: 3,
    lua: `${LUA_HELPERS}
if ARGV[4] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {seen, 1} end
end
local now = now_ms()
local n = redis.call('INCR', KEYS[2])
local id = string.format('%d', n)
local claimed = ARGV[7] ~= '' and #redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, 1) == 0
local attempt, token, wait = 0, '', ARGV[6]
if claimed then attempt, token, wait = 1, ARGV[7], ARGV[8] end
redis.call('HSET', ARGV[1] .. id, 'q', ARGV[2], 'p', ARGV[3], 't', int(now), 'a', attempt, 'c', token)
redis.call('ZADD', KEYS[1], int(now + tonumber(wait)), string.format('%0${JOB_ID_WIDTH}d', n))
if ARGV[4] == '1' then redis.call('SET', KEYS[3], id, 'PX', ARGV[5]) end
return {id, 0, int(now), claimed and 1 or 0}`,
  },
  // KEYS[1] the queue. ARGV[1] job key prefix, ARGV[2] lease ms, ARGV[3] new claim token.
  // Takes the job that has been ready longest (lowest score, then lowest id), gives it the new
  // token and pushes its score to the end of the lease: a claimed job is one whose score is in the
  // future and whose token is set. Returns {id, payload, attempt, enqueuedAt} or nil.
  botyardClaim: {
    numberOfKeys: 1,
    lua: `${LUA_HELPERS}
local now = now_ms()
for _ = 1, 100 do
  local ready = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, 1)
  if #ready == 0 then return false end
  local member = ready[1]
  local id = string.gsub(member, '^0+', '')
  local job = ARGV[1] .. id
  if redis.call('EXISTS', job) == 1 then
    redis.call('HSET', job, 'c', ARGV[3])
    local attempt = redis.call('HINCRBY', job, 'a', 1)
    redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[2])), member)
    local fields = redis.call('HMGET', job, 'p', 't')
    return {id, fields[1], attempt, fields[2]}
  end
  -- A queue entry without its job (cannot happen through this store): drop it and look again.
  redis.call('ZREM', KEYS[1], member)
end
return false`,
  },
  // KEYS[1] the queue. ARGV[1] job key, ARGV[2] queue member, ARGV[3] queue name, ARGV[4] claim
  // token, ARGV[5] "ack" | "release" | "extend", ARGV[6] delay or lease ms. The claim must carry the
  // current token and its lease must still run: a claim whose lease ran out is lost even if nobody
  // has claimed the job again. Returns 1 when done, 0 when the claim was lost.
  botyardSettle: {
    numberOfKeys: 1,
    lua: `${LUA_HELPERS}
if ARGV[4] == '' then return 0 end
local fields = redis.call('HMGET', ARGV[1], 'q', 'c')
if fields[1] ~= ARGV[3] or fields[2] ~= ARGV[4] then return 0 end
local now = now_ms()
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= now then return 0 end
local op = ARGV[5]
if op == 'ack' then
  redis.call('DEL', ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[2])
elseif op == 'release' then
  redis.call('HSET', ARGV[1], 'c', '')
  redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[6])), ARGV[2])
else
  redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[6])), ARGV[2])
end
return 1`,
  },

  // KEYS[1] the lease. ARGV[1] owner, ARGV[2] TTL ms. Free, expired (Redis has dropped it) or
  // already ours: take it (re-acquiring renews). Returns 1 when the owner holds it now.
  botyardAcquireLease: {
    numberOfKeys: 1,
    lua: `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  },
  botyardRenewLease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  },
  botyardReleaseLease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
  },
} as const;

type Arg = string | number;
/** The commands `defineCommand` adds, each sent as EVALSHA (ioredis falls back to EVAL after a NOSCRIPT, e.g. a Redis restart). */
type ScriptCommands = { [K in keyof typeof SCRIPTS]: (...args: Arg[]) => Promise<unknown> };
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
 *   the job may next be claimed: enqueue time (+ delay) while waiting, end of lease while claimed.
 * - `P job:<id>`: hash of one job: `q` queue, `p` payload (JSON), `t` enqueued at, `a` attempts,
 *   `c` token of the current claim ("" while waiting).
 * - `P job-seq`: the job id counter (ids are never reused, so a dedupe marker never names another job).
 * - `P dedupe:<length of queue>:<queue>:<dedupe key>`: the id of the job a dedupe key enqueued, with
 *   PX of the dedupe TTL (the length keeps queue `a:b` + key `c` apart from queue `a` + key `b:c`).
 * - `P lease:<name>`: the owner of a lease, with PX of its TTL.
 * Leases, dedupe markers and jobs live outside `kv:`, so `list` never sees them.
 *
 * **Atomicity**: single commands (GET) where one suffices; every read-then-write is one Lua script
 * (see SCRIPTS), run with EVALSHA. Time for queues comes from Redis's clock.
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
    const settings: RedisOptions = {
      lazyConnect: true,
      // Fail fast, never queue: a command issued while the connection is down is rejected at once
      // instead of waiting (without limit, by default) for Redis to come back.
      enableOfflineQueue: false,
      // Never resend a command on a new connection: it may already have run (see above).
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // A reply that does not come within this long fails the operation...
      commandTimeout,
      // ...and a connection that stays silent this long after a command is treated as dead and
      // replaced (a half-open TCP connection after a network partition would otherwise look alive).
      socketTimeout: Math.max(1_000, commandTimeout * 2),
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // TCP keepalive probes after 10 s idle, so a dead peer is noticed between operations too.
      keepAlive: 10_000,
      // Reconnect forever, backing off to one attempt every 2 s: the store comes back by itself.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      // After a failover the old primary answers READONLY: drop the connection so that DNS or
      // Sentinel leads to the new one. (The failed command is not resent.)
      reconnectOnError: (error) => error.message.startsWith("READONLY"),
      connectionName: options.connectionName ?? "botyard",
      scripts: SCRIPTS,
    };
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
        token ? msArg(options!.claim!.leaseMs) : "0",
      ),
    )) as [string, number, number?, number?];
    if (duplicate === 1 || claimed !== 1) return { id: String(id), duplicate: duplicate === 1 };
    return { id: String(id), duplicate: false, claimed: { claim: token, attempt: 1, enqueuedAt: Number(enqueuedAt) } };
  }

  async claim<T>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined> {
    const token = randomUUID();
    const row = (await this.run("claim", () => this.client.botyardClaim(this.queueKey(queue), this.keys.job, msArg(options.leaseMs), token))) as
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

  async extend(job: JobRef, leaseMs: number): Promise<boolean> {
    return this.settle("extend", job, msArg(leaseMs));
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

interface UrlInfo {
  /** The URL without its password, for messages and logs. */
  display: string;
  /** Removes the password (in every spelling it could appear in) from a text. */
  redact(text: string): string;
}

function describeUrl(url: string): UrlInfo {
  let display = "(unparseable Redis URL)";
  const secrets: string[] = [];
  try {
    // ioredis reads "host:port" as redis://host:port.
    const parsed = new URL(url.includes("://") ? url : `redis://${url}`);
    if (parsed.password) {
      secrets.push(parsed.password, decodeURIComponentSafe(parsed.password));
      parsed.password = "***";
    }
    display = parsed.toString();
  } catch {
    // Not a URL we can read: ioredis will say so; show none of it, it may hold the password.
    const at = url.lastIndexOf("@");
    const colon = url.indexOf(":", url.indexOf("//") + 2);
    if (at > 0 && colon > 0 && colon < at) secrets.push(url.slice(colon + 1, at));
  }
  const needles = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return {
    display,
    redact: (text) => needles.reduce((out, needle) => out.split(needle).join("***"), text),
  };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A copy of an ioredis error safe to attach as `cause`: its `command.args` may hold the password (AUTH). */
function sanitized(cause: unknown, redact: (text: string) => string): Error {
  const error = new Error(redact(messageOf(cause)));
  error.name = cause instanceof Error ? cause.name : "Error";
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") (error as Error & { code: string }).code = code;
  return error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The TTL argument of a write: "0" for none (no ttlMs, 0 or Infinity, as in the other backends), else at least 1 ms. */
function ttlArg(options: SetOptions | undefined): string {
  const ttl = options?.ttlMs;
  return ttl && ttl !== Number.POSITIVE_INFINITY ? String(msArg(ttl)) : "0";
}

/** A delay: whole milliseconds, 0 for none (a negative delay is none, not a jump ahead of the queue). */
function delayArg(ms: number | undefined): number {
  return ms === undefined || Number.isNaN(ms) || ms <= 0 ? 0 : msArg(ms);
}

/** About a century: what an infinite lease or delay becomes (PX needs a finite number). */
const MAX_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** A duration for PX/PEXPIRE/scores: a whole number of milliseconds, at least 1. */
function msArg(ms: number): number {
  if (Number.isNaN(ms)) return 1;
  return Math.min(MAX_MS, Math.max(1, Math.ceil(ms)));
}
