import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, type StoreBackend } from "@botyard/core";
import { createStore } from "@botyard/host";
import type { BenchOptions, BenchResult } from "../bench-result.js";

interface Backend {
  name: string;
  open(): Promise<StoreBackend>;
  cleanup(): void;
}

/** The backends measured here; the Redis suite adds its own when Redis is reachable. */
export function localBackends(): Backend[] {
  const dir = mkdtempSync(join(tmpdir(), "botyard-bench-store-"));
  return [
    { name: "memory", open: async () => new MemoryStore(), cleanup: () => {} },
    { name: "sqlite", open: () => createStore({ type: "sqlite", path: join(dir, "bench.db") }, dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) },
  ];
}

/**
 * Store operations per second, one caller awaiting each operation (what a handler sees), with the
 * store already holding `keys` keys.
 */
export async function measureStore(backend: Backend, options: BenchOptions, suite = "store"): Promise<BenchResult[]> {
  const keys = options.quick ? 5_000 : 100_000;
  const ops = options.quick ? 2_000 : 20_000;
  const store = await backend.open();
  const value = { channel: "C0123", ts: "1700000000.000100", open: true };
  for (let i = 0; i < keys; i++) await store.set(`alert/${i}`, value);
  const rate = async (n: number, op: (i: number) => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < n; i++) await op(i);
    return n / ((performance.now() - started) / 1000);
  };
  const workload = `${backend.name}, ${keys.toLocaleString("en-US")} keys stored, one awaiting caller`;
  const results: BenchResult[] = [
    { suite, workload, metric: "get", value: await rate(ops, (i) => store.get(`alert/${(i * 7919) % keys}`)), unit: "ops/s" },
    { suite, workload, metric: "set", value: await rate(ops, (i) => store.set(`alert/${(i * 7919) % keys}`, value)), unit: "ops/s" },
    { suite, workload, metric: "setIfAbsent (new key, 1 h TTL)", value: await rate(ops, (i) => store.setIfAbsent(`event/${i}`, 1, { ttlMs: 3_600_000 })), unit: "ops/s" },
    {
      suite,
      workload,
      metric: "enqueue + claim + ack",
      value: await rate(Math.floor(ops / 2), async (i) => {
        await store.enqueue("bench", { i });
        const job = await store.claim("bench", { claimMs: 30_000 });
        await store.ack(job!);
      }),
      unit: "cycles/s",
    },
  ];
  await store.close();
  return results;
}

/**
 * How long the SQLite store takes to open a file of a given size: it reads every page once
 * (`PRAGMA quick_check`, on a read-only connection) before writing anything, to refuse a damaged
 * file whole. The host pays this at every start. Median of three opens, page cache warm.
 */
export async function measureSqliteOpen(options: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "botyard-bench-open-"));
  try {
    const path = join(dir, "state.db");
    const config = { type: "sqlite" as const, path };
    const store = await createStore(config, dir);
    const value = "x".repeat(4_000);
    const keys = options.quick ? 2_500 : 25_000;
    for (let i = 0; i < keys; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => store.set(`bot/bench/k${i + j}`, value)));
    await store.close();
    const mb = statSync(path).size / 1e6;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await (await createStore(config, dir)).close();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { suite: "store", workload: `sqlite, a ${Math.round(mb)} MB file (${keys.toLocaleString("en-US")} values of 4 KB)`, metric: "open and close (quick_check included)", value: times[1]!, unit: "ms" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function storeSuite(options: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const backend of localBackends()) {
    try {
      results.push(...(await measureStore(backend, options)));
    } finally {
      backend.cleanup();
    }
  }
  results.push(await measureSqliteOpen(options));
  return results;
}
