import { mkdtempSync, rmSync } from "node:fs";
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
        const job = await store.claim("bench", { leaseMs: 30_000 });
        await store.ack(job!);
      }),
      unit: "cycles/s",
    },
  ];
  await store.close();
  return results;
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
  return results;
}
