import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoreBackend } from "@botyard/core";
import { createStore } from "@botyard/host";
import { percentile, type BenchOptions, type BenchResult } from "../bench-result.js";
import { localBackends, measureStore } from "./store.js";

const SUITE = "redis";
/** The Redis to measure; the default is the one the tests use. */
const REDIS_URL = process.env.BOTYARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** How long a tick marker is kept: longer than any clock skew between replicas, as the schedule trigger does. */
const TICK_TTL_MS = 10 * 60_000;
const RUN_LEASE_MS = 60_000;

type Backend = Parameters<typeof measureStore>[0];

/** What RedisStore adds beyond StoreBackend that this suite uses (it reaches the store through createStore). */
type Clearable = StoreBackend & { clear?: () => Promise<number> };

/** Redis under a fresh prefix, deleted afterwards; undefined (with the reason) when Redis cannot be reached. */
async function redisBackend(): Promise<{ backend: Backend; clear: () => Promise<void> } | { unreachable: string }> {
  const prefix = `botyard-bench-${randomUUID().slice(0, 8)}:`;
  const dir = mkdtempSync(join(tmpdir(), "botyard-bench-redis-"));
  const open = () => createStore({ type: "redis", url: REDIS_URL, prefix }, dir);
  try {
    await (await open()).close();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { unreachable: (error as Error).message.split("\n")[0]! };
  }
  return {
    backend: { name: "redis", open, cleanup: () => rmSync(dir, { recursive: true, force: true }) },
    clear: async () => {
      const store = (await open()) as Clearable;
      try {
        await store.clear?.();
      } finally {
        await store.close();
      }
    },
  };
}

/**
 * What one replica does to claim a schedule tick: mark the tick taken (setIfAbsent on
 * `tick/<bot>/<trigger>/<time>` with a TTL; the replicas that lose skip it), then take the
 * trigger's running lease so that a slow run does not overlap the next tick. Latency of that
 * pair, one tick at a time.
 */
async function measureTickClaim(backend: Backend, options: BenchOptions): Promise<BenchResult[]> {
  const ticks = options.quick ? 500 : 5_000;
  const store = await backend.open();
  const owner = `replica-${randomUUID().slice(0, 8)}`;
  const base = Date.now();
  const samples: number[] = [];
  try {
    for (let i = 0; i < ticks; i++) {
      const started = performance.now();
      const won = await store.setIfAbsent(`tick/bench/heartbeat/${base + i * 1000}`, owner, { ttlMs: TICK_TTL_MS });
      const running = won && (await store.acquireLease("running/bench/heartbeat", owner, RUN_LEASE_MS));
      samples.push(performance.now() - started);
      if (!running) throw new Error(`bench: ${backend.name} refused an uncontended tick claim`);
      // The run ends: not part of the claim.
      await store.releaseLease("running/bench/heartbeat", owner);
    }
  } finally {
    await store.close();
  }
  return tickRows(`${backend.name}, one replica`, samples, ticks);
}

/** The same claim with two replicas (two connections) going for every tick at once: the winner's latency. */
async function measureContendedTickClaim(backend: Backend, options: BenchOptions): Promise<BenchResult[]> {
  const ticks = options.quick ? 500 : 5_000;
  const replicas = [await backend.open(), await backend.open()];
  const base = Date.now();
  const samples: number[] = [];
  try {
    for (let i = 0; i < ticks; i++) {
      const started = performance.now();
      const outcomes = await Promise.all(
        replicas.map(async (store, r) => {
          const owner = `replica-${r}`;
          if (!(await store.setIfAbsent(`tick/bench/contended/${base + i * 1000}`, owner, { ttlMs: TICK_TTL_MS }))) return undefined;
          if (!(await store.acquireLease("running/bench/contended", owner, RUN_LEASE_MS))) throw new Error("bench: the tick winner did not get the running lease");
          const ms = performance.now() - started;
          await store.releaseLease("running/bench/contended", owner);
          return ms;
        }),
      );
      const won = outcomes.filter((ms): ms is number => ms !== undefined);
      if (won.length !== 1) throw new Error(`bench: ${won.length} replicas claimed tick ${i}`);
      samples.push(won[0]!);
    }
  } finally {
    for (const store of replicas) await store.close();
  }
  return tickRows(`${backend.name}, two replicas racing for each tick (winner's time)`, samples, ticks);
}

function tickRows(who: string, samples: number[], ticks: number): BenchResult[] {
  const workload = `${who}: claim a tick = setIfAbsent(tick key, ${TICK_TTL_MS / 60_000} min TTL) + acquireLease(running lease), ${ticks.toLocaleString("en-US")} ticks`;
  return [
    { suite: SUITE, workload, metric: "tick claim p50", value: percentile(samples, 50), unit: "ms" },
    { suite: SUITE, workload, metric: "tick claim p99", value: percentile(samples, 99), unit: "ms" },
  ];
}

/**
 * Store operations per second on memory, SQLite and Redis side by side (same workload as the
 * `store` suite), and the time a replica takes to claim a schedule tick on each. Redis is the one
 * at BOTYARD_BENCH_REDIS_URL (default redis://127.0.0.1:6379), under a random prefix deleted at the
 * end; when it cannot be reached the Redis rows say so instead of failing the whole run.
 */
export default async function redisSuite(options: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const redis = await redisBackend();
  const backends = localBackends();
  try {
    if ("backend" in redis) backends.push(redis.backend);
    for (const backend of backends) {
      const rows = await measureStore(backend, options, SUITE);
      if (backend.name === "redis") for (const row of rows) row.note = `${REDIS_URL.replace(/\/\/[^@/]*@/, "//")}, loopback TCP: one round trip per operation`;
      results.push(...rows);
    }
    for (const backend of backends) results.push(...(await measureTickClaim(backend, options)));
    if ("backend" in redis) results.push(...(await measureContendedTickClaim(redis.backend, options)));
    if ("unreachable" in redis) {
      results.push({ suite: SUITE, workload: "redis", metric: "not measured", value: Number.NaN, unit: "", note: `Redis unreachable: ${redis.unreachable}` });
    }
  } finally {
    for (const backend of backends) backend.cleanup();
    if ("clear" in redis) await redis.clear();
  }
  return results;
}
