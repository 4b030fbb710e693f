import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { MemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { QueueWorker } from "./queue-worker.js";

const silent = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });

type Call = (...args: unknown[]) => Promise<unknown>;

/** The store, with each of its methods passed through `wrap` (its name and the real call). */
function wrapped(store: Store, wrap: (method: string, call: Call, args: unknown[]) => Promise<unknown>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      const call: Call = (...args) => (value as Call).apply(target, args);
      return (...args: unknown[]) => wrap(prop, call, args);
    },
  });
}

/**
 * A store whose claims answer a turn of the event loop late, as a store that commits in groups
 * (SQLite) or over the network (Redis) does: the claim has looked at the queue, but its caller
 * hears of it only after other work has run.
 */
function slowToAnswer(store: Store): Store {
  return wrapped(store, async (method, call, args) => {
    const result = await call(...args);
    if (method === "claim") await new Promise((resolve) => setImmediate(resolve));
    return result;
  });
}

/** The store, with a count of the calls made to each of its methods. */
function counted(store: Store): { store: Store; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return {
    store: wrapped(store, (method, call, args) => {
      calls[method] = (calls[method] ?? 0) + 1;
      return call(...args);
    }),
    calls,
  };
}

/** A store that ignores `claim` on enqueue, as a third-party backend written before it may. */
function withoutClaimOnEnqueue(store: Store): Store {
  return wrapped(store, (method, call, args) => {
    if (method !== "enqueue") return call(...args);
    const [queue, payload, options] = args as [string, unknown, { claim?: unknown } | undefined];
    const { claim: _ignored, ...rest } = options ?? {};
    return call(queue, payload, rest);
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("QueueWorker.enqueue", () => {
  it("starts a job at once when a slot is free: stored claimed, no claim, the payload handed over as is", async () => {
    const { store, calls } = counted(new MemoryStore());
    const worker = new QueueWorker(store, silent, { pollMs: 60_000, maxPollMs: 60_000 });
    const seen: unknown[] = [];
    worker.consume("q", async (payload, job) => void seen.push({ payload, attempt: job.attempt }));
    // Let the loop look once (it finds the queue empty) before counting.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const claimsBefore = calls.claim ?? 0;
    const payload = { n: 1 };
    const result = await worker.enqueue("q", payload, { dedupeKey: "evt-1" });
    expect(result).toMatchObject({ duplicate: false, claimed: { attempt: 1 } });
    await worker.idle();
    expect(seen).toEqual([{ payload, attempt: 1 }]);
    expect((seen[0] as { payload: unknown }).payload).toBe(payload);
    expect(calls.claim ?? 0).toBe(claimsBefore);
    expect(calls.ack).toBe(1);
    expect(await store.queueSize("q")).toBe(0);
    // A duplicate is neither stored nor run.
    expect(await worker.enqueue("q", { n: 2 }, { dedupeKey: "evt-1" })).toEqual({ id: result.id, duplicate: true });
    await worker.idle();
    expect(seen).toHaveLength(1);
    await worker.stop();
  });

  it("queues a job behind the older jobs waiting, which run first, in order", async () => {
    const store = new MemoryStore();
    for (const n of [1, 2, 3]) await store.enqueue("q", n);
    const worker = new QueueWorker(store, silent, { concurrency: 1, pollMs: 60_000, maxPollMs: 60_000 });
    // Enqueued before the consumer has claimed anything: the three older jobs are ready.
    const late = await worker.enqueue("q", 4);
    expect(late.claimed).toBeUndefined();
    const order: number[] = [];
    worker.consume<number>("q", async (n) => void order.push(n));
    await worker.drain(5_000);
    expect(order).toEqual([1, 2, 3, 4]);
    await worker.stop();
  });

  it("queues a job when every slot is taken, and runs it when one frees", async () => {
    const { store, calls } = counted(new MemoryStore());
    const worker = new QueueWorker(store, silent, { concurrency: 1, pollMs: 60_000, maxPollMs: 60_000 });
    const gate = deferred();
    const order: string[] = [];
    worker.consume<string>("q", async (name) => {
      order.push(`start ${name}`);
      if (name === "slow") await gate.promise;
      order.push(`end ${name}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await worker.enqueue("q", "slow")).claimed).toBeDefined();
    expect((await worker.enqueue("q", "next")).claimed).toBeUndefined();
    expect(await store.queueSize("q")).toBe(2);
    const claimsBefore = calls.claim ?? 0;
    gate.resolve();
    await worker.drain(5_000);
    expect(order).toEqual(["start slow", "end slow", "start next", "end next"]);
    // The freed slot woke the loop, which claimed the waiting job.
    expect(calls.claim).toBeGreaterThan(claimsBefore);
    await worker.stop();
  });

  it("keeps a job started at once behind the running job of the same ordering key", async () => {
    const store = new MemoryStore();
    const worker = new QueueWorker(store, silent, { concurrency: 4, pollMs: 60_000, maxPollMs: 60_000 });
    const gate = deferred();
    const order: string[] = [];
    worker.consume<{ key: string; name: string }>(
      "q",
      async ({ name }) => {
        order.push(`start ${name}`);
        if (name === "a1") await gate.promise;
        order.push(`end ${name}`);
      },
      { orderingKey: (p) => p.key },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (const [key, name] of [["a", "a1"], ["a", "a2"], ["b", "b1"]] as const) expect((await worker.enqueue("q", { key, name })).claimed).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // b1 ran; a2 waits for a1, still running.
    expect(order).toEqual(["start a1", "start b1", "end b1"]);
    gate.resolve();
    await worker.drain(5_000);
    expect(order).toEqual(["start a1", "start b1", "end b1", "end a1", "start a2", "end a2"]);
    await worker.stop();
  });

  it("loses nothing when the process dies holding a job it started at once: the claim runs out and it is redelivered", async () => {
    const store = new MemoryStore();
    // The dying process's view of the store: once it is dead, nothing it asks reaches the store (no heartbeat either).
    let dead = false;
    const fromDyingProcess = wrapped(store, (_method, call, args) => (dead ? new Promise(() => {}) : call(...args)));
    const dying = new QueueWorker(fromDyingProcess, silent, { claimMs: 150, pollMs: 60_000, maxPollMs: 60_000 });
    const started = deferred();
    // A handler that never finishes: the process "dies" with the job in hand.
    dying.consume("q", () => {
      started.resolve();
      return new Promise<void>(() => {});
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { id, claimed } = await dying.enqueue("q", "work");
    expect(claimed).toBeDefined();
    await started.promise;
    dead = true;

    // Another host (here, another worker on the same store) takes it once the claim has run out.
    const survivor = new QueueWorker(store, silent, { pollMs: 20, maxPollMs: 20 });
    const handled: Array<{ payload: unknown; id: string; attempt: number }> = [];
    survivor.consume("q", async (payload, job) => void handled.push({ payload, id: job.id, attempt: job.attempt }));
    await expect.poll(() => handled, { timeout: 5_000 }).toEqual([{ payload: "work", id, attempt: 2 }]);
    await survivor.stop();
  });

  it("keeps the claim of a job that runs for several claim times: no other worker gets it, and it is handled once", async () => {
    const { store, calls } = counted(new MemoryStore());
    const worker = new QueueWorker(store, silent, { claimMs: 150, pollMs: 60_000, maxPollMs: 60_000 });
    const release = deferred();
    const handled: string[] = [];
    worker.consume<string>("q", async (payload) => {
      await release.promise;
      handled.push(`worker: ${payload}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await worker.enqueue("q", "long")).claimed).toBeDefined();

    // Another worker looks for work all the while; it would get the job the moment a claim ran out.
    const other = new QueueWorker(store, silent, { claimMs: 150, pollMs: 20, maxPollMs: 20 });
    other.consume<string>("q", async (payload) => void handled.push(`other: ${payload}`));
    await new Promise((resolve) => setTimeout(resolve, 750));
    release.resolve();
    await worker.drain(5_000);
    await other.stop();
    await worker.stop();
    expect(handled).toEqual(["worker: long"]);
    // Five claim times long: renewed at least every half claim time.
    expect(calls.extend).toBeGreaterThanOrEqual(5);
    expect(await store.queueSize("q")).toBe(0);
  });

  it("aborts the job's signal when its claim is lost mid-run (the claim ran out), and never acks it", async () => {
    // A store where the job's claim has run out by the time it is renewed: another worker may have it.
    const { store, calls } = counted(wrapped(new MemoryStore(), (method, call, args) => (method === "extend" ? Promise.resolve(false) : call(...args))));
    const worker = new QueueWorker(store, silent, { claimMs: 150, pollMs: 60_000, maxPollMs: 60_000 });
    const seen: string[] = [];
    worker.consume<string>("q", async (_payload, job) => {
      await new Promise<void>((resolve) => job.signal.addEventListener("abort", () => resolve(), { once: true }));
      seen.push((job.signal.reason as Error).message);
      throw job.signal.reason;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { id } = await worker.enqueue("q", "work");
    await expect.poll(() => seen, { timeout: 5_000 }).toEqual([`the claim of job ${id} in q was lost (it ran out); another worker may run it`]);
    await worker.stop();
    expect(calls.ack).toBeUndefined();
  });

  it("keeps a job that failed its last attempt as a dead letter, for the dead-letter TTL only, and says so", async () => {
    let now = Date.now();
    const store = new MemoryStore(() => now);
    const letters: unknown[] = [];
    const worker = new QueueWorker(store, silent, { pollMs: 10, maxPollMs: 10, deadLetterTtlMs: 60_000, onDeadLetter: (l) => letters.push(l) });
    worker.consume("deliveries/ledger/webhook:/", async () => {
      throw new Error("the ledger API refused it");
    }, { maxAttempts: 1 }, "ledger", "webhook:/");
    const { id } = await worker.enqueue("deliveries/ledger/webhook:/", { invoice: 7 });
    await expect.poll(() => letters.length, { timeout: 5_000 }).toBe(1);
    const letter = { queue: "deliveries/ledger/webhook:/", job: id, bot: "ledger", trigger: "webhook:/", payload: { invoice: 7 }, attempts: 1, error: "Error: the ledger API refused it", enqueuedAt: expect.any(Number), failedAt: expect.any(Number) };
    expect(letters).toEqual([letter]);
    expect(await store.list("deadletter/")).toEqual([{ key: `deadletter/deliveries/ledger/webhook://${id}`, value: letter }]);
    expect(await store.queueSize("deliveries/ledger/webhook:/")).toBe(0);
    await worker.stop();
    // Dead letters do not pile up for ever.
    now += 60_001;
    expect(await store.list("deadletter/")).toEqual([]);
  });

  it("works with a store that ignores claim on enqueue: the job waits in the queue and the consumer is woken", async () => {
    const { store, calls } = counted(withoutClaimOnEnqueue(new MemoryStore()));
    const worker = new QueueWorker(store, silent, { pollMs: 60_000, maxPollMs: 60_000 });
    const handled: string[] = [];
    worker.consume<string>("q", async (payload) => void handled.push(payload));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const claimsBefore = calls.claim ?? 0;
    expect((await worker.enqueue("q", "x")).claimed).toBeUndefined();
    await expect.poll(() => handled, { timeout: 5_000 }).toEqual(["x"]);
    expect(calls.claim).toBeGreaterThan(claimsBefore);
    await worker.stop();
  });
});

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
