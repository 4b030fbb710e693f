import { backoffDelay, type Logger } from "@botyard/core";
import type { RedisOptions } from "ioredis";
import { loadScripts } from "./scripts.js";

export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const RECONNECT_MIN_DELAY_MS = 100;
const RECONNECT_MAX_DELAY_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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

/** How the client behaves when Redis is slow or away: fail fast, never queue, never resend (see RedisStore). */
export function clientSettings(options: RedisStoreOptions, commandTimeout: number): RedisOptions {
  return {
    lazyConnect: true,
    // Fail fast, never queue: a command issued while the connection is down is rejected at once
    // instead of waiting (without limit, by default) for Redis to come back.
    enableOfflineQueue: false,
    // Never resend a command on a new connection: it may already have run (see RedisStore).
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
    // Reconnect forever, backing off (doubling from 100 ms, jittered so that replicas do not
    // reconnect in step) to about one attempt every 2 s: the store comes back by itself.
    retryStrategy: (attempt) => backoffDelay(attempt, RECONNECT_MIN_DELAY_MS, RECONNECT_MAX_DELAY_MS),
    // After a failover the old primary answers READONLY: drop the connection so that DNS or
    // Sentinel leads to the new one. (The failed command is not resent.)
    reconnectOnError: (error) => error.message.startsWith("READONLY"),
    connectionName: options.connectionName ?? "botyard",
    scripts: loadScripts(),
  };
}
