// Dead letters' part of the store contract: what `botyard deadletters` does through the admin
// endpoint (list, show, drop, replay) must work on every backend, replicas racing included.
import { DeadLetters, deadLetterKey, namespaced, type DeadLetter } from "@botyard/core";
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./queue-contract.js";
import { LONG_MS, PAST_SHORT_MS, SHORT_MS } from "./store-contract-settings.js";

export function describeDeadLetterContract(c: ContractContext): void {
  describe("dead letters", () => {
    /** The host's namespace under the test's own prefix, and a letter kept in it as the queue worker keeps one. */
    const setup = async (ttlMs = LONG_MS) => {
      const { store, ns } = c.current();
      const host = namespaced(store, `${ns}host`);
      const letters = new DeadLetters(host, { ttlMs: LONG_MS });
      const keep = async (letter: Omit<DeadLetter, "queue" | "job" | "enqueuedAt" | "attempts" | "error"> & { queue?: string; job: string }) => {
        const full: DeadLetter = { queue: "deliveries/a/webhook:/in", attempts: 3, error: "Error: refused", enqueuedAt: 1_000, ...letter };
        await host.set(deadLetterKey(full.queue, full.job), full, { ttlMs });
        return full;
      };
      return { host, letters, keep };
    };

    it("lists every letter with its id, oldest failure first, or one bot's; get shows one", async () => {
      const { letters, keep } = await setup();
      const one = await keep({ job: "j1", bot: "a", trigger: "webhook:/", payload: { n: 1 }, failedAt: 3_000 });
      const two = await keep({ job: "j2", bot: "a", trigger: "webhook:/", payload: { n: 2 }, failedAt: 2_000 });
      const other = await keep({ queue: "deliveries/b/message", job: "j1", bot: "b", trigger: "message", payload: "x", failedAt: 1_000 });
      expect(await letters.list()).toEqual([
        { id: "deliveries/b/message/j1", ...other },
        { id: "deliveries/a/webhook:/in/j2", ...two },
        { id: "deliveries/a/webhook:/in/j1", ...one },
      ]);
      expect((await letters.list({ bot: "a" })).map((l) => l.id)).toEqual(["deliveries/a/webhook:/in/j2", "deliveries/a/webhook:/in/j1"]);
      expect(await letters.get("deliveries/a/webhook:/in/j1")).toEqual({ id: "deliveries/a/webhook:/in/j1", ...one });
      expect(await letters.get("deliveries/a/webhook:/in/nope")).toBeUndefined();
      expect(Object.fromEntries(await letters.countByBot())).toEqual({ a: 2, b: 1 });
    });

    it("drops a letter once", async () => {
      const { letters, keep } = await setup();
      await keep({ job: "j1", bot: "a", payload: 1, failedAt: 1 });
      expect(await letters.drop("deliveries/a/webhook:/in/j1")).toBe(true);
      expect(await letters.drop("deliveries/a/webhook:/in/j1")).toBe(false);
      expect(await letters.list()).toEqual([]);
    });

    it("replays a letter as a new job of its queue with attempts reset, and deletes the letter", async () => {
      const { host, letters, keep } = await setup();
      await keep({ job: "j1", bot: "a", payload: { invoice: 7 }, failedAt: 5 });
      const replayed = await letters.replay("deliveries/a/webhook:/in/j1");
      expect(replayed).toEqual({ id: "deliveries/a/webhook:/in/j1", job: expect.any(String), duplicate: false });
      expect(await letters.list()).toEqual([]);
      const job = await host.claim("deliveries/a/webhook:/in", { claimMs: LONG_MS });
      expect(job).toMatchObject({ id: replayed!.job, payload: { invoice: 7 }, attempt: 1 });
      expect(await letters.replay("deliveries/a/webhook:/in/j1")).toBeUndefined();
    });

    it("enqueues a letter once when replicas replay it at the same time", async () => {
      const { host, letters, keep } = await setup();
      await keep({ job: "j1", bot: "a", payload: "once", failedAt: 9 });
      const results = await Promise.all(Array.from({ length: 8 }, () => letters.replay("deliveries/a/webhook:/in/j1")));
      const enqueued = results.filter((r) => r && !r.duplicate);
      expect(enqueued).toHaveLength(1);
      expect(await host.queueSize("deliveries/a/webhook:/in")).toBe(1);
      expect(await letters.list()).toEqual([]);
    });

    it("a replay retried after a crash between enqueue and delete enqueues nothing more", async () => {
      const { host, letters, keep } = await setup();
      const letter = await keep({ job: "j1", bot: "a", payload: "p", failedAt: 9 });
      expect((await letters.replay("deliveries/a/webhook:/in/j1"))?.duplicate).toBe(false);
      // The letter is back as if the first replay had died before deleting it.
      await keep(letter);
      expect((await letters.replay("deliveries/a/webhook:/in/j1"))?.duplicate).toBe(true);
      expect(await host.queueSize("deliveries/a/webhook:/in")).toBe(1);
    });

    it("letters expire after their TTL", async () => {
      const { letters, keep } = await setup(SHORT_MS);
      await keep({ job: "j1", bot: "a", payload: 1, failedAt: 1 });
      expect(await letters.list()).toHaveLength(1);
      await c.sleep(PAST_SHORT_MS);
      expect(await letters.list()).toEqual([]);
    });
  });
}
