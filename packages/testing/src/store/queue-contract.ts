// The durable queue's part of the store contract: FIFO claims, leases on jobs, acks, retries with
// delays, dead letters, dedupe and claim-on-enqueue.
import type { Job, StoreBackend } from "@botyard/core";
import { describe, expect, it } from "vitest";
import { SHORT_MS, PAST_SHORT_MS, LONG_MS } from "./store-contract-settings.js";

/** What the queue tests need from the suite around them. */
export interface ContractContext {
  /** The store and key namespace of the running test (fresh for each). */
  current(): { store: StoreBackend; ns: string };
  sleep(ms: number): Promise<void>;
  /** See `StoreContractOptions.claimOnEnqueue`. */
  claimOnEnqueue: boolean | undefined;
}

export function describeQueueContract(c: ContractContext): void {
  describe("queue", () => {
    it("hands jobs out in FIFO order with their payloads, then undefined", async () => {
      const { store, ns } = c.current();
      const q = ns + "fifo";
      const ids: string[] = [];
      for (const payload of [{ n: 1 }, { n: 2 }, { n: 3 }]) ids.push((await store.enqueue(q, payload)).id);
      expect(new Set(ids).size).toBe(3);
      for (let n = 1; n <= 3; n++) {
        const job = await store.claim(q, { claimMs: LONG_MS });
        expect(job).toMatchObject({ queue: q, id: ids[n - 1], payload: { n }, attempt: 1 });
        expect(typeof job!.claim).toBe("string");
        expect(typeof job!.enqueuedAt).toBe("number");
      }
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
    });

    it("returns undefined from an empty or unknown queue and keeps queues apart", async () => {
      const { store, ns } = c.current();
      expect(await store.claim(ns + "empty", { claimMs: LONG_MS })).toBeUndefined();
      await store.enqueue(ns + "one", "x");
      expect(await store.claim(ns + "other", { claimMs: LONG_MS })).toBeUndefined();
      expect(await store.queueSize(ns + "other")).toBe(0);
      expect(await store.claim(ns + "one", { claimMs: LONG_MS })).toMatchObject({ payload: "x" });
    });

    it("removes a job on ack, once", async () => {
      const { store, ns } = c.current();
      const q = ns + "ack";
      await store.enqueue(q, "x");
      const job = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(await store.ack(job)).toBe(true);
      expect(await store.ack(job)).toBe(false);
      expect(await store.queueSize(q)).toBe(0);
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
    });

    it("redelivers a job whose claim ran out, with attempt 2 and a new claim token", async () => {
      const { store, ns } = c.current();
      const q = ns + "redeliver";
      await store.enqueue(q, "x");
      const first = (await store.claim(q, { claimMs: SHORT_MS }))!;
      expect(await store.claim(q, { claimMs: SHORT_MS })).toBeUndefined();
      await c.sleep(PAST_SHORT_MS);
      const second = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(second).toMatchObject({ id: first.id, payload: "x", attempt: 2, enqueuedAt: first.enqueuedAt });
      expect(second.claim).not.toBe(first.claim);
      // The first claimant is too late: its ack fails and does not remove the redelivered job.
      expect(await store.ack(first)).toBe(false);
      expect(await store.release(first)).toBe(false);
      expect(await store.extend(first, LONG_MS)).toBe(false);
      expect(await store.queueSize(q)).toBe(1);
      expect(await store.ack(second)).toBe(true);
      expect(await store.queueSize(q)).toBe(0);
    });

    it("loses a claim that ran out even before anyone re-claims it", async () => {
      const { store, ns } = c.current();
      const q = ns + "lost";
      await store.enqueue(q, "x");
      const job = (await store.claim(q, { claimMs: SHORT_MS }))!;
      await c.sleep(PAST_SHORT_MS);
      expect(await store.extend(job, LONG_MS)).toBe(false);
      expect(await store.ack(job)).toBe(false);
      expect(await store.release(job)).toBe(false);
      expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: job.id, attempt: 2 });
    });

    it("release returns the job now or after a delay", async () => {
      const { store, ns } = c.current();
      const q = ns + "release";
      await store.enqueue(q, "x");
      const first = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(await store.release(first)).toBe(true);
      expect(await store.release(first)).toBe(false);
      expect(await store.ack(first)).toBe(false);
      const second = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(second).toMatchObject({ id: first.id, attempt: 2 });
      expect(second.claim).not.toBe(first.claim);
      expect(await store.release(second, { delayMs: SHORT_MS })).toBe(true);
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      expect(await store.queueSize(q)).toBe(1);
      await c.sleep(PAST_SHORT_MS);
      const third = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(third).toMatchObject({ id: first.id, attempt: 3 });
      expect(await store.ack(third)).toBe(true);
    });

    it("extend keeps a job claimed past its original claim time", async () => {
      const { store, ns } = c.current();
      const q = ns + "extend";
      await store.enqueue(q, "x");
      const job = (await store.claim(q, { claimMs: SHORT_MS }))!;
      expect(await store.extend(job, LONG_MS)).toBe(true);
      await c.sleep(PAST_SHORT_MS);
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      expect(await store.ack(job)).toBe(true);
    });

    it("dedupeKey turns a second enqueue into a duplicate with the same id, until the dedupe TTL", async () => {
      const { store, ns } = c.current();
      const q = ns + "dedupe";
      const first = await store.enqueue(q, "a", { dedupeKey: "evt-1", dedupeTtlMs: SHORT_MS });
      expect(first.duplicate).toBe(false);
      expect(await store.enqueue(q, "b", { dedupeKey: "evt-1" })).toEqual({ id: first.id, duplicate: true });
      expect(await store.queueSize(q)).toBe(1);
      // Remembered even once the job is done: the point is not to do the work twice.
      const job = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(job.payload).toBe("a");
      await store.ack(job);
      expect(await store.enqueue(q, "c", { dedupeKey: "evt-1" })).toEqual({ id: first.id, duplicate: true });
      expect(await store.queueSize(q)).toBe(0);
      await c.sleep(PAST_SHORT_MS);
      const again = await store.enqueue(q, "d", { dedupeKey: "evt-1" });
      expect(again.duplicate).toBe(false);
      expect(again.id).not.toBe(first.id);
      expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: again.id, payload: "d", attempt: 1 });
    });

    it("enqueue with claim stores the job claimed by the caller, as a claim would at once", async () => {
      const { store, ns } = c.current();
      const q = ns + "claimed";
      const result = await store.enqueue(q, { n: 1 }, { claim: { claimMs: SHORT_MS } });
      expect(result.duplicate).toBe(false);
      if (c.claimOnEnqueue === false) {
        expect(result.claimed).toBeUndefined();
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: result.id, payload: { n: 1 }, attempt: 1 });
        return;
      }
      expect(result.claimed).toMatchObject({ attempt: 1 });
      expect(typeof result.claimed!.claim).toBe("string");
      expect(typeof result.claimed!.enqueuedAt).toBe("number");
      const first = { queue: q, id: result.id, claim: result.claimed!.claim };
      // Nobody else gets it while the claim runs; it counts in the queue.
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      expect(await store.queueSize(q)).toBe(1);
      expect(await store.extend(first, SHORT_MS)).toBe(true);
      // Unacked, it is redelivered when the claim runs out: that claim was attempt 1.
      await c.sleep(PAST_SHORT_MS);
      expect(await store.ack(first)).toBe(false);
      const second = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(second).toMatchObject({ id: result.id, payload: { n: 1 }, attempt: 2, enqueuedAt: result.claimed!.enqueuedAt });
      expect(await store.ack(second)).toBe(true);
      expect(await store.queueSize(q)).toBe(0);

      // Acked with the claim it came with, it is gone; a duplicate is not claimed again.
      const once = await store.enqueue(q, "x", { dedupeKey: "evt-claimed", claim: { claimMs: LONG_MS } });
      expect(await store.ack({ queue: q, id: once.id, claim: once.claimed!.claim })).toBe(true);
      expect(await store.enqueue(q, "x", { dedupeKey: "evt-claimed", claim: { claimMs: LONG_MS } })).toEqual({ id: once.id, duplicate: true });
      expect(await store.queueSize(q)).toBe(0);

      // Older jobs go first: while one is ready, a new job is not claimed on enqueue but waits behind it.
      const waiting = await store.enqueue(q, "older");
      const behind = await store.enqueue(q, "newer", { claim: { claimMs: LONG_MS } });
      expect(behind.claimed).toBeUndefined();
      const older = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(older).toMatchObject({ id: waiting.id, payload: "older" });
      const newer = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(newer).toMatchObject({ id: behind.id, payload: "newer", attempt: 1 });
      // Claimed jobs are not waiting: with those two in hand, the next one is claimed on enqueue.
      const next = await store.enqueue(q, "next", { claim: { claimMs: LONG_MS } });
      expect(next.claimed).toMatchObject({ attempt: 1 });
      for (const job of [older, newer, { queue: q, id: next.id, claim: next.claimed!.claim }]) expect(await store.ack(job)).toBe(true);

      // A delayed job is not handed out before its delay, so it cannot be claimed on enqueue either.
      const later = await store.enqueue(q, "later", { delayMs: SHORT_MS, claim: { claimMs: LONG_MS } });
      expect(later.claimed).toBeUndefined();
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      await c.sleep(PAST_SHORT_MS);
      expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: later.id, payload: "later", attempt: 1 });
    });

    it("dedupe keys belong to one queue", async () => {
      const { store, ns } = c.current();
      const a = await store.enqueue(ns + "qa", 1, { dedupeKey: "same" });
      const b = await store.enqueue(ns + "qb", 2, { dedupeKey: "same" });
      expect(a.duplicate).toBe(false);
      expect(b.duplicate).toBe(false);
      expect(b.id).not.toBe(a.id);
    });

    it("holds a job back for delayMs without blocking the jobs behind it", async () => {
      const { store, ns } = c.current();
      const q = ns + "delay";
      await store.enqueue(q, "late", { delayMs: SHORT_MS });
      await store.enqueue(q, "now");
      expect(await store.queueSize(q)).toBe(2);
      expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ payload: "now" });
      expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      await c.sleep(PAST_SHORT_MS);
      expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ payload: "late", attempt: 1 });
    });

    it("queueSize counts waiting and claimed jobs", async () => {
      const { store, ns } = c.current();
      const q = ns + "size";
      expect(await store.queueSize(q)).toBe(0);
      for (let i = 0; i < 3; i++) await store.enqueue(q, i);
      const job = (await store.claim(q, { claimMs: LONG_MS }))!;
      expect(await store.queueSize(q)).toBe(3);
      await store.ack(job);
      expect(await store.queueSize(q)).toBe(2);
    });

    it("nextReadyAt (when implemented) says when the next job can be claimed: now, after a delay, or when a claim runs out", async () => {
      const { store, ns } = c.current();
      if (!store.nextReadyAt) return;
      const q = ns + "next";
      expect(await store.nextReadyAt(q)).toBeUndefined();
      await store.enqueue(q, "later", { delayMs: LONG_MS });
      const delayEnds = (await store.nextReadyAt(q))!;
      await store.enqueue(q, "now");
      const readyNow = (await store.nextReadyAt(q))!;
      expect(readyNow).toBeLessThanOrEqual(delayEnds - LONG_MS + 1_000);
      // Claimed: not ready again before its claim runs out (much sooner than the delayed job).
      const job = (await store.claim(q, { claimMs: SHORT_MS }))!;
      expect(job.payload).toBe("now");
      const claimEnds = (await store.nextReadyAt(q))!;
      expect(claimEnds).toBeGreaterThanOrEqual(readyNow + SHORT_MS);
      expect(claimEnds).toBeLessThan(delayEnds);
      await store.ack(job);
      expect(await store.nextReadyAt(q)).toBe(delayEnds);
    });

    it("never hands the same job to two of 20 concurrent claimants", async () => {
      const { store, ns } = c.current();
      const q = ns + "race";
      for (let i = 0; i < 10; i++) await store.enqueue(q, i);
      const jobs = await Promise.all(Array.from({ length: 20 }, () => store.claim<number>(q, { claimMs: LONG_MS })));
      const claimed = jobs.filter((j): j is Job<number> => j !== undefined);
      expect(claimed).toHaveLength(10);
      expect(new Set(claimed.map((j) => j.id)).size).toBe(10);
      expect(claimed.map((j) => j.payload).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
}
