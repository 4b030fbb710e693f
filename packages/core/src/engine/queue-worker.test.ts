import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { MemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { QueueWorker } from "./queue-worker.js";

const silent = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });

/**
 * A store whose claims answer a turn of the event loop late, as a store that commits in groups
 * (SQLite) or over the network (Redis) does: the claim has looked at the queue, but its caller
 * hears of it only after other work has run.
 */
function slowToAnswer(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== "claim" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        await new Promise((resolve) => setImmediate(resolve));
        return result;
      };
    },
  });
}

describe("QueueWorker", () => {
  it("takes a job enqueued while its claim was on the way, instead of sleeping until the next poll", async () => {
    const store = slowToAnswer(new MemoryStore());
    // Polls so rare that a lost wake-up would leave the job waiting past the test's timeout.
    const worker = new QueueWorker(store, silent, { pollMs: 60_000, maxPollMs: 60_000 });
    const handled: string[] = [];
    const stop = worker.consume<string>("q", async (payload) => void handled.push(payload));
    try {
      for (const payload of ["first", "second", "third"]) {
        // The worker is between "claimed nothing" and hearing so: enqueue now and tell it.
        await new Promise((resolve) => setImmediate(resolve));
        await store.enqueue("q", payload);
        worker.notify("q");
        await expect.poll(() => handled, { timeout: 5_000 }).toContain(payload);
      }
      expect(handled).toEqual(["first", "second", "third"]);
    } finally {
      stop();
      await worker.stop();
    }
  });

  it("claims every free slot at once while the queue is full, and each job once", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 40; i++) await store.enqueue("q", i);
    const worker = new QueueWorker(store, silent, { concurrency: 8 });
    let running = 0;
    let most = 0;
    const handled: number[] = [];
    worker.consume<number>("q", async (n) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      handled.push(n);
      running--;
    });
    await worker.drain(10_000);
    await worker.stop();
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(most).toBe(8);
  });
});
