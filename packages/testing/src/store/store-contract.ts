import { randomUUID } from "node:crypto";
import type { Job, StoreBackend } from "@botyard/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** How the contract suite lets time pass. */
export interface StoreContractClock {
  sleep(ms: number): Promise<void>;
}

export interface StoreContractOptions {
  /**
   * By default the suite really waits: TTLs, leases and delays are 150 ms and every wait for them
   * to run out is 300 ms longer, so a slow machine does not make it flaky. A backend that reads an
   * injectable clock can pass one whose `sleep` advances that clock instead, which makes the suite
   * instant. Backends whose server keeps the time (Redis) must use the default.
   */
  clock?: StoreContractClock;
  /**
   * Whether the backend stores a job already claimed when `enqueue` is given `claim` (default
   * true). A backend that does not may say so: the suite then checks that it ignores the option
   * (the job waits in the queue, and `claimed` is undefined), which consumers handle.
   */
  claimOnEnqueue?: boolean;
}

/** Short enough to wait out in a test; long enough that nothing expires between two calls. */
const SHORT_MS = 150;
/** Waited after a SHORT_MS deadline; generous so that scheduling jitter never decides a test. */
const PAST_SHORT_MS = SHORT_MS + 300;
const LONG_MS = 60_000;

const realClock: StoreContractClock = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * The behaviour every Store backend must have, as a vitest `describe` block. Run it against your
 * backend from a test file:
 *
 * ```ts
 * describeStoreContract("my-store", async () => MyStore.connect(url));
 * ```
 *
 * `open` is called before each test and the store closed after it. Every test uses keys, queues and
 * leases under a fresh random prefix, so `open` may hand out the same database each time; the
 * suite never lists or clears anything outside its prefix.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<StoreBackend>,
  options: StoreContractOptions = {},
): void {
  const clock = options.clock ?? realClock;
  const sleep = (ms: number) => clock.sleep(ms);

  describe(`Store contract: ${name}`, () => {
    let store: StoreBackend;
    // A fresh namespace per test; ends in ":" so that "ns" + "list" never prefixes another test's keys.
    let ns: string;

    beforeEach(async () => {
      ns = `contract-${randomUUID().slice(0, 8)}:`;
      store = await open();
    });

    afterEach(async () => {
      await store?.close();
    });

    describe("values", () => {
      it("round-trips JSON values", async () => {
        const values: Record<string, unknown> = {
          object: { a: 1, nested: { list: [1, "two", { three: 3 }], empty: {} }, flag: false },
          array: [1, "x", null, true, [], { k: "v" }],
          unicode: "héllo wörld ✓ 日本語 🚀 \u0000 \n\t \"quoted\" \\ back",
          number: -12.5e3,
          zero: 0,
          bool: true,
          emptyString: "",
          nullValue: null,
        };
        for (const [key, value] of Object.entries(values)) await store.set(ns + key, value);
        for (const [key, value] of Object.entries(values)) expect(await store.get(ns + key), key).toEqual(value);
        // null is a value, not absence.
        expect(await store.get(ns + "nullValue")).toBeNull();
      });

      it("returns undefined for a key never set", async () => {
        expect(await store.get(ns + "missing")).toBeUndefined();
      });

      it("keeps its own copy of a value, not the caller's object", async () => {
        const value = { list: [1] };
        await store.set(ns + "copy", value);
        value.list.push(2);
        expect(await store.get(ns + "copy")).toEqual({ list: [1] });
      });

      it("rejects values JSON cannot hold with BOTYARD_ERR_STORE_VALUE and stores nothing", async () => {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const bad: Array<[string, unknown]> = [
          ["undefined", undefined],
          ["function", () => 1],
          ["symbol", Symbol("s")],
          ["bigint", 10n],
          ["circular", circular],
        ];
        await store.set(ns + "kept", "before");
        for (const [label, value] of bad) {
          expect(await failure(() => store.set(ns + label, value)), `set ${label}`).toMatchObject({ code: "BOTYARD_ERR_STORE_VALUE" });
          expect(await store.get(ns + label), `set ${label}`).toBeUndefined();
          expect(await failure(() => store.setIfAbsent(ns + label, value)), `setIfAbsent ${label}`).toMatchObject({
            code: "BOTYARD_ERR_STORE_VALUE",
          });
          expect(await store.get(ns + label), `setIfAbsent ${label}`).toBeUndefined();
          expect(await failure(() => store.set(ns + "kept", value)), `overwrite ${label}`).toMatchObject({ code: "BOTYARD_ERR_STORE_VALUE" });
          expect(await failure(() => store.compareAndSet(ns + "kept", "before", value)), `compareAndSet ${label}`).toMatchObject({
            code: "BOTYARD_ERR_STORE_VALUE",
          });
          expect(await store.get(ns + "kept"), label).toBe("before");
          expect(await failure(() => store.enqueue(ns + "q", value)), `enqueue ${label}`).toMatchObject({ code: "BOTYARD_ERR_STORE_VALUE" });
        }
        expect(await store.list(ns)).toEqual([{ key: ns + "kept", value: "before" }]);
        expect(await store.queueSize(ns + "q")).toBe(0);
      });

      it("delete reports whether the key existed", async () => {
        await store.set(ns + "k", 1);
        expect(await store.delete(ns + "k")).toBe(true);
        expect(await store.get(ns + "k")).toBeUndefined();
        expect(await store.delete(ns + "k")).toBe(false);
        expect(await store.delete(ns + "never")).toBe(false);
      });
    });

    describe("TTL", () => {
      it("expires a key after its TTL and leaves keys without one alone", async () => {
        await store.set(ns + "short", "s", { ttlMs: SHORT_MS });
        await store.set(ns + "forever", "f");
        await store.set(ns + "long", "l", { ttlMs: LONG_MS });
        expect(await store.get(ns + "short")).toBe("s");
        await sleep(PAST_SHORT_MS);
        expect(await store.get(ns + "short")).toBeUndefined();
        expect(await store.get(ns + "forever")).toBe("f");
        expect(await store.get(ns + "long")).toBe("l");
        // An expired key no longer exists for any operation.
        expect(await store.delete(ns + "short")).toBe(false);
        expect(await store.list(ns)).toEqual([
          { key: ns + "forever", value: "f" },
          { key: ns + "long", value: "l" },
        ]);
      });

      it("set replaces the TTL along with the value", async () => {
        await store.set(ns + "drops-ttl", 1, { ttlMs: SHORT_MS });
        await store.set(ns + "drops-ttl", 2);
        await store.set(ns + "gains-ttl", 1);
        await store.set(ns + "gains-ttl", 2, { ttlMs: SHORT_MS });
        await sleep(PAST_SHORT_MS);
        expect(await store.get(ns + "drops-ttl")).toBe(2);
        expect(await store.get(ns + "gains-ttl")).toBeUndefined();
      });

      it("setIfAbsent and compareAndSet honour ttlMs", async () => {
        expect(await store.setIfAbsent(ns + "a", 1, { ttlMs: SHORT_MS })).toBe(true);
        expect(await store.compareAndSet(ns + "b", undefined, 1, { ttlMs: SHORT_MS })).toBe(true);
        await store.set(ns + "c", 1);
        expect(await store.compareAndSet(ns + "c", 1, 2, { ttlMs: SHORT_MS })).toBe(true);
        await sleep(PAST_SHORT_MS);
        expect(await store.get(ns + "a")).toBeUndefined();
        expect(await store.get(ns + "b")).toBeUndefined();
        expect(await store.get(ns + "c")).toBeUndefined();
      });
    });

    describe("setIfAbsent", () => {
      it("writes only when the key is absent", async () => {
        expect(await store.setIfAbsent(ns + "k", "first")).toBe(true);
        expect(await store.setIfAbsent(ns + "k", "second")).toBe(false);
        expect(await store.get(ns + "k")).toBe("first");
      });

      it("lets exactly one of 50 concurrent callers win", async () => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent(ns + "race", i)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(ns + "race")).toBe(results.indexOf(true));
      });

      it("succeeds again once the previous key has expired", async () => {
        expect(await store.setIfAbsent(ns + "k", "a", { ttlMs: SHORT_MS })).toBe(true);
        expect(await store.setIfAbsent(ns + "k", "b")).toBe(false);
        await sleep(PAST_SHORT_MS);
        expect(await store.setIfAbsent(ns + "k", "c")).toBe(true);
        expect(await store.get(ns + "k")).toBe("c");
      });
    });

    describe("compareAndSet", () => {
      it("treats expected undefined as 'absent'", async () => {
        expect(await store.compareAndSet(ns + "k", undefined, 1)).toBe(true);
        expect(await store.get(ns + "k")).toBe(1);
        expect(await store.compareAndSet(ns + "k", undefined, 2)).toBe(false);
        expect(await store.get(ns + "k")).toBe(1);
      });

      it("writes when the current value matches and refuses a stale expectation", async () => {
        await store.set(ns + "k", 1);
        expect(await store.compareAndSet(ns + "k", 1, 2)).toBe(true);
        expect(await store.compareAndSet(ns + "k", 1, 3)).toBe(false);
        expect(await store.get(ns + "k")).toBe(2);
        // An expected value never matches an absent key.
        expect(await store.compareAndSet(ns + "absent", 1, 2)).toBe(false);
        expect(await store.get(ns + "absent")).toBeUndefined();
      });

      it("compares objects read back with get", async () => {
        await store.set(ns + "doc", { version: 1, tags: ["a", "b"], owner: { id: "U1" } });
        const read = await store.get(ns + "doc");
        expect(await store.compareAndSet(ns + "doc", read, { version: 2 })).toBe(true);
        expect(await store.compareAndSet(ns + "doc", read, { version: 3 })).toBe(false);
        expect(await store.get(ns + "doc")).toEqual({ version: 2 });
      });

      it("treats an expired key as absent", async () => {
        await store.set(ns + "k", 1, { ttlMs: SHORT_MS });
        await sleep(PAST_SHORT_MS);
        expect(await store.compareAndSet(ns + "k", 1, 2)).toBe(false);
        expect(await store.compareAndSet(ns + "k", undefined, 3)).toBe(true);
        expect(await store.get(ns + "k")).toBe(3);
      });

      it("lets exactly one of 20 concurrent increments from the same read succeed", async () => {
        await store.set(ns + "counter", 0);
        const read = (await store.get<number>(ns + "counter"))!;
        const results = await Promise.all(Array.from({ length: 20 }, () => store.compareAndSet(ns + "counter", read, read + 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(ns + "counter")).toBe(1);
      });
    });

    describe("list", () => {
      it("returns live keys under a prefix in key order, with their values", async () => {
        const p = ns + "list/";
        await store.set(p + "b", 2);
        await store.set(p + "a", 1);
        await store.set(p + "c/2", { two: true });
        await store.set(p + "c/1", [1]);
        await store.set(p + "gone", 0, { ttlMs: SHORT_MS });
        // Neighbours that share all but the end of the prefix stay out.
        await store.set(ns + "list", "no slash");
        await store.set(ns + "list0", "after slash");
        await store.set(ns + "lisu", "next letter");
        await sleep(PAST_SHORT_MS);
        expect(await store.list(p)).toEqual([
          { key: p + "a", value: 1 },
          { key: p + "b", value: 2 },
          { key: p + "c/1", value: [1] },
          { key: p + "c/2", value: { two: true } },
        ]);
        expect(await store.list(p + "c/")).toEqual([
          { key: p + "c/1", value: [1] },
          { key: p + "c/2", value: { two: true } },
        ]);
        expect(await store.list(p + "zzz")).toEqual([]);
      });

      it("stops at limit", async () => {
        const p = ns + "limit/";
        for (const k of ["d", "a", "c", "b"]) await store.set(p + k, k);
        expect((await store.list(p, { limit: 2 })).map((e) => e.key)).toEqual([p + "a", p + "b"]);
        expect(await store.list(p, { limit: 10 })).toHaveLength(4);
        expect(await store.list(p, { limit: 0 })).toEqual([]);
      });

      it("orders keys by Unicode code point (UTF-8 byte order), as SQLite and Redis do", async () => {
        const p = ns + "order/";
        const sorted = ["B", "a", "~", "é", "\uff5e", "😀"]; // U+0042 < U+0061 < U+007E < U+00E9 < U+FF5E < U+1F600
        for (const k of [...sorted].reverse()) await store.set(p + k, k);
        expect((await store.list(p)).map((e) => e.value)).toEqual(sorted);
      });

      it("takes prefix characters literally, including SQL and glob wildcards", async () => {
        const keys = ["50%off", "50Xoff", "a_b", "axb", "a\\b", "a*b", "a?b", "a[b]", "é😀", "\uffff😀", "\u{10000}"];
        for (const k of keys) await store.set(ns + k, k);
        const listed = async (prefix: string) => (await store.list<string>(ns + prefix)).map((e) => e.value);
        expect(await listed("50%")).toEqual(["50%off"]);
        expect(await listed("a_")).toEqual(["a_b"]);
        expect(await listed("a\\")).toEqual(["a\\b"]);
        expect(await listed("a*")).toEqual(["a*b"]);
        expect(await listed("a?")).toEqual(["a?b"]);
        expect(await listed("a[")).toEqual(["a[b]"]);
        // Keys continuing past the prefix with characters outside the BMP are still under it.
        expect(await listed("é")).toEqual(["é😀"]);
        expect(await listed("\uffff")).toEqual(["\uffff😀"]);
      });
    });

    describe("queue", () => {
      it("hands jobs out in FIFO order with their payloads, then undefined", async () => {
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
        expect(await store.claim(ns + "empty", { claimMs: LONG_MS })).toBeUndefined();
        await store.enqueue(ns + "one", "x");
        expect(await store.claim(ns + "other", { claimMs: LONG_MS })).toBeUndefined();
        expect(await store.queueSize(ns + "other")).toBe(0);
        expect(await store.claim(ns + "one", { claimMs: LONG_MS })).toMatchObject({ payload: "x" });
      });

      it("removes a job on ack, once", async () => {
        const q = ns + "ack";
        await store.enqueue(q, "x");
        const job = (await store.claim(q, { claimMs: LONG_MS }))!;
        expect(await store.ack(job)).toBe(true);
        expect(await store.ack(job)).toBe(false);
        expect(await store.queueSize(q)).toBe(0);
        expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
      });

      it("redelivers a job whose claim ran out, with attempt 2 and a new claim token", async () => {
        const q = ns + "redeliver";
        await store.enqueue(q, "x");
        const first = (await store.claim(q, { claimMs: SHORT_MS }))!;
        expect(await store.claim(q, { claimMs: SHORT_MS })).toBeUndefined();
        await sleep(PAST_SHORT_MS);
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
        const q = ns + "lost";
        await store.enqueue(q, "x");
        const job = (await store.claim(q, { claimMs: SHORT_MS }))!;
        await sleep(PAST_SHORT_MS);
        expect(await store.extend(job, LONG_MS)).toBe(false);
        expect(await store.ack(job)).toBe(false);
        expect(await store.release(job)).toBe(false);
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: job.id, attempt: 2 });
      });

      it("release returns the job now or after a delay", async () => {
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
        await sleep(PAST_SHORT_MS);
        const third = (await store.claim(q, { claimMs: LONG_MS }))!;
        expect(third).toMatchObject({ id: first.id, attempt: 3 });
        expect(await store.ack(third)).toBe(true);
      });

      it("extend keeps a job claimed past its original claim time", async () => {
        const q = ns + "extend";
        await store.enqueue(q, "x");
        const job = (await store.claim(q, { claimMs: SHORT_MS }))!;
        expect(await store.extend(job, LONG_MS)).toBe(true);
        await sleep(PAST_SHORT_MS);
        expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
        expect(await store.ack(job)).toBe(true);
      });

      it("dedupeKey turns a second enqueue into a duplicate with the same id, until the dedupe TTL", async () => {
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
        await sleep(PAST_SHORT_MS);
        const again = await store.enqueue(q, "d", { dedupeKey: "evt-1" });
        expect(again.duplicate).toBe(false);
        expect(again.id).not.toBe(first.id);
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: again.id, payload: "d", attempt: 1 });
      });

      it("enqueue with claim stores the job claimed by the caller, as a claim would at once", async () => {
        const q = ns + "claimed";
        const result = await store.enqueue(q, { n: 1 }, { claim: { claimMs: SHORT_MS } });
        expect(result.duplicate).toBe(false);
        if (options.claimOnEnqueue === false) {
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
        await sleep(PAST_SHORT_MS);
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
        await sleep(PAST_SHORT_MS);
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ id: later.id, payload: "later", attempt: 1 });
      });

      it("dedupe keys belong to one queue", async () => {
        const a = await store.enqueue(ns + "qa", 1, { dedupeKey: "same" });
        const b = await store.enqueue(ns + "qb", 2, { dedupeKey: "same" });
        expect(a.duplicate).toBe(false);
        expect(b.duplicate).toBe(false);
        expect(b.id).not.toBe(a.id);
      });

      it("holds a job back for delayMs without blocking the jobs behind it", async () => {
        const q = ns + "delay";
        await store.enqueue(q, "late", { delayMs: SHORT_MS });
        await store.enqueue(q, "now");
        expect(await store.queueSize(q)).toBe(2);
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ payload: "now" });
        expect(await store.claim(q, { claimMs: LONG_MS })).toBeUndefined();
        await sleep(PAST_SHORT_MS);
        expect(await store.claim(q, { claimMs: LONG_MS })).toMatchObject({ payload: "late", attempt: 1 });
      });

      it("queueSize counts waiting and claimed jobs", async () => {
        const q = ns + "size";
        expect(await store.queueSize(q)).toBe(0);
        for (let i = 0; i < 3; i++) await store.enqueue(q, i);
        const job = (await store.claim(q, { claimMs: LONG_MS }))!;
        expect(await store.queueSize(q)).toBe(3);
        await store.ack(job);
        expect(await store.queueSize(q)).toBe(2);
      });

      it("nextReadyAt (when implemented) says when the next job can be claimed: now, after a delay, or when a claim runs out", async () => {
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
        const q = ns + "race";
        for (let i = 0; i < 10; i++) await store.enqueue(q, i);
        const jobs = await Promise.all(Array.from({ length: 20 }, () => store.claim<number>(q, { claimMs: LONG_MS })));
        const claimed = jobs.filter((j): j is Job<number> => j !== undefined);
        expect(claimed).toHaveLength(10);
        expect(new Set(claimed.map((j) => j.id)).size).toBe(10);
        expect(claimed.map((j) => j.payload).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });
    });

    describe("leases", () => {
      it("can be acquired, renewed and released by its owner only", async () => {
        const lease = ns + "leader";
        expect(await store.acquireLease(lease, "A", LONG_MS)).toBe(true);
        expect(await store.acquireLease(lease, "A", LONG_MS)).toBe(true);
        expect(await store.acquireLease(lease, "B", LONG_MS)).toBe(false);
        expect(await store.renewLease(lease, "B", LONG_MS)).toBe(false);
        expect(await store.releaseLease(lease, "B")).toBe(false);
        expect(await store.renewLease(lease, "A", LONG_MS)).toBe(true);
        expect(await store.releaseLease(lease, "A")).toBe(true);
        expect(await store.releaseLease(lease, "A")).toBe(false);
        expect(await store.renewLease(lease, "A", LONG_MS)).toBe(false);
        expect(await store.acquireLease(lease, "B", LONG_MS)).toBe(true);
      });

      it("passes to another owner once it expires", async () => {
        const lease = ns + "leader";
        expect(await store.acquireLease(lease, "A", SHORT_MS)).toBe(true);
        await sleep(PAST_SHORT_MS);
        expect(await store.renewLease(lease, "A", LONG_MS)).toBe(false);
        expect(await store.releaseLease(lease, "A")).toBe(false);
        expect(await store.acquireLease(lease, "B", LONG_MS)).toBe(true);
        expect(await store.acquireLease(lease, "A", LONG_MS)).toBe(false);
      });

      it("renewing pushes the expiry out", async () => {
        const lease = ns + "leader";
        expect(await store.acquireLease(lease, "A", SHORT_MS)).toBe(true);
        expect(await store.renewLease(lease, "A", LONG_MS)).toBe(true);
        await sleep(PAST_SHORT_MS);
        expect(await store.acquireLease(lease, "B", LONG_MS)).toBe(false);
      });

      it("lets exactly one of 20 concurrent owners acquire it", async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireLease(ns + "race", `owner-${i}`, LONG_MS)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe("separation", () => {
      it("keeps leases and dedupe markers out of the key space", async () => {
        await store.set(ns + "x", "value");
        expect(await store.acquireLease(ns + "x", "A", LONG_MS)).toBe(true);
        await store.enqueue(ns + "x", "job", { dedupeKey: "x" });
        expect(await store.get(ns + "x")).toBe("value");
        expect(await store.list(ns)).toEqual([{ key: ns + "x", value: "value" }]);
        expect(await store.delete(ns + "x")).toBe(true);
        expect(await store.acquireLease(ns + "x", "B", LONG_MS)).toBe(false);
      });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

/** The error `fn` fails with, whether it rejects or throws synchronously; undefined when it succeeds. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error;
  }
}
