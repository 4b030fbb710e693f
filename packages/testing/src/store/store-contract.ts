import { randomUUID } from "node:crypto";
import type { StoreBackend } from "@botyard/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeDeadLetterContract } from "./dead-letter-contract.js";
import { describeQueueContract } from "./queue-contract.js";
import { SHORT_MS, PAST_SHORT_MS, LONG_MS, realClock, type StoreContractClock, type StoreContractOptions } from "./store-contract-settings.js";

export type { StoreContractClock, StoreContractOptions } from "./store-contract-settings.js";

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

    describeQueueContract({ current: () => ({ store, ns }), sleep, claimOnEnqueue: options.claimOnEnqueue });
    describeDeadLetterContract({ current: () => ({ store, ns }), sleep, claimOnEnqueue: options.claimOnEnqueue });

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
