import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { Type } from "typebox";
import { Engine } from "../engine/engine.js";
import { createLogger, silentLogger } from "../logging/logger.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { createSlackClient } from "../slack/slack-client.js";
import { MemoryStore } from "../store/memory-store.js";
import type { WebhookResponse } from "../triggers/trigger.js";
import { ONCE_LEASE_MS, once } from "./once.js";

// `ctx.once(key, effect)`: the idempotency helper a handler uses so that a redelivery, a retry or a
// second replica does not repeat a side effect. Each POST here runs the handler once.
async function hostWith(effect: (order: string) => Promise<string>) {
  const plugin = definePlugin({
    name: "orders",
    core: "^1.0.0",
    config: Type.Object({}),
    setup(bot) {
      bot.webhook("/", async (ctx) => {
        const { order } = ctx.event.body as { order: string };
        const result = await ctx.once(`invoice/${order}`, () => effect(order));
        return { status: 200, body: result };
      });
    },
  });
  const logger = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });
  const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger });
  const engine = new Engine({ slack, store: new MemoryStore(), logger });
  engine.load([{ id: "orders", plugin, config: {} }]);
  await engine.start();
  const post = (order: string): Promise<WebhookResponse> =>
    engine.handleWebhook("orders", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: { order } });
  return { engine, post };
}

describe("ctx.once", () => {
  it("runs the effect once per key, then answers done", async () => {
    const invoiced: string[] = [];
    const { engine, post } = await hostWith(async (order) => (invoiced.push(order), `INV-${order}`));
    expect((await post("42")).body).toEqual({ ran: true, value: "INV-42" });
    expect((await post("42")).body).toEqual({ ran: false, reason: "done" });
    expect((await post("43")).body).toEqual({ ran: true, value: "INV-43" });
    expect(invoiced).toEqual(["42", "43"]);
    await engine.stop(1_000);
  });

  it("waits while another run does the same effect, then answers done without acting twice", async () => {
    let finish!: () => void;
    let calls = 0;
    const { engine, post } = await hostWith(async () => {
      calls++;
      await new Promise<void>((r) => (finish = r));
      return "sent";
    });
    const first = post("7");
    await expect.poll(() => calls).toBe(1);
    const second = post("7");
    // The second run waits for the first (it does not answer before the effect is done)...
    await new Promise((r) => setTimeout(r, 100));
    let answered = false;
    void second.then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    finish();
    expect((await first).body).toEqual({ ran: true, value: "sent" });
    // ...and, once it is recorded, answers done.
    expect((await second).body).toEqual({ ran: false, reason: "done" });
    expect(calls).toBe(1);
    await engine.stop(1_000);
  });

  it("does the effect itself when the run it waited for fails", async () => {
    let fail!: (error: Error) => void;
    let calls = 0;
    const { engine, post } = await hostWith(async (order) => {
      if (++calls === 1) await new Promise<void>((_, reject) => (fail = reject));
      return `INV-${order}`;
    });
    const first = post("8");
    await expect.poll(() => calls).toBe(1);
    const second = post("8");
    fail(new Error("payment API unavailable"));
    expect((await first).status).toBe(500);
    expect((await second).body).toEqual({ ran: true, value: "INV-8" });
    expect(calls).toBe(2);
    await engine.stop(1_000);
  });

  it("leaves the key not done when the effect fails, so the retry acts", async () => {
    let failures = 1;
    const { engine, post } = await hostWith(async (order) => {
      if (failures-- > 0) throw new Error("payment API unavailable");
      return `INV-${order}`;
    });
    // The handler's error is the run's failure (500); nothing was recorded, nothing is held.
    expect((await post("9")).status).toBe(500);
    expect((await post("9")).body).toEqual({ ran: true, value: "INV-9" });
    expect((await post("9")).body).toEqual({ ran: false, reason: "done" });
    await engine.stop(1_000);
  });
});

describe("ctx.once across a crash (the lease a dead process left)", () => {
  const key = "reply/123";
  // A store whose clock only moves when the test says so: a lease expires only by `advance`.
  const frozen = () => {
    let now = Date.now();
    return { store: new MemoryStore(() => now), advance: (ms: number) => (now += ms) };
  };
  const run = (store: MemoryStore, owner: string) => ({ store, owner, runId: "r2", signal: new AbortController().signal, log: silentLogger });

  it("the same unit of work, redelivered, takes over its dead attempt's lease at once", async () => {
    const { store } = frozen();
    // The killed attempt of job 17 had taken the lease and never got to record the effect.
    expect(await store.acquireLease(`once/${key}`, "work/deliveries/dogdata/17", ONCE_LEASE_MS)).toBe(true);
    let posted = 0;
    const result = await once(run(store, "work/deliveries/dogdata/17"), key, async () => ++posted);
    expect(result).toEqual({ ran: true, value: 1 });
    expect(await store.get(`once/${key}`)).toMatchObject({ run: "r2" });
  });

  it("the same unit of work redelivered while its earlier attempt still runs here (it lost its claim in a stall) waits for that attempt, and does not act twice", async () => {
    const store = new MemoryStore();
    let posted = 0;
    let answer: (ts: string) => void = () => {};
    // The first attempt's Slack call is slow; meanwhile its claim ran out and the job came back to this process.
    const first = once(run(store, "work/deliveries/poster/5"), key, () => new Promise<string>((resolve) => ((answer = resolve), posted++)));
    await new Promise((r) => setTimeout(r, 20));
    const second = once(run(store, "work/deliveries/poster/5"), key, async () => (posted++, "again"));
    await new Promise((r) => setTimeout(r, 50));
    expect(posted).toBe(1);
    answer("1.000100");
    expect(await first).toEqual({ ran: true, value: "1.000100" });
    expect(await second).toEqual({ ran: false, reason: "done" });
    expect(posted).toBe(1);
  });

  it("another unit of work waits for the dead holder's lease to run out, then acts (it never answers done for work nobody did)", async () => {
    const { store, advance } = frozen();
    expect(await store.acquireLease(`once/${key}`, "run/dead-process-run", ONCE_LEASE_MS)).toBe(true);
    let posted = 0;
    const pending = once(run(store, "work/deliveries/dogdata/18"), key, async () => ++posted);
    await new Promise((r) => setTimeout(r, 150));
    expect(posted).toBe(0);
    advance(ONCE_LEASE_MS + 1);
    expect(await pending).toEqual({ ran: true, value: 1 });
  });

  it("stops waiting when the run is aborted, with the abort's reason", async () => {
    const { store } = frozen();
    expect(await store.acquireLease(`once/${key}`, "run/other", ONCE_LEASE_MS)).toBe(true);
    const controller = new AbortController();
    const pending = once({ ...run(store, "run/mine"), signal: controller.signal }, key, async () => "never");
    controller.abort(new Error("the host is shutting down"));
    await expect(pending).rejects.toThrow("the host is shutting down");
  });

  it("with a probe, asks it only when an attempt started the effect and died without recording it: found, it is not done again", async () => {
    const { store } = frozen();
    const owner = "work/deliveries/dogdata/19";
    let posted = 0;
    let probed = 0;
    const probe = async () => (probed++, true);
    // A normal run records the start, does the effect, records it done: the probe is never asked.
    expect(await once(run(store, owner), "reply/1", async () => ++posted, { probe })).toEqual({ ran: true, value: 1 });
    expect(probed).toBe(0);
    // The killed attempt of job 19 had recorded the start (and taken the lease) and then died.
    await store.set("once/reply/2", { started: true, at: Date.now(), run: "r1" });
    expect(await store.acquireLease("once/reply/2", owner, ONCE_LEASE_MS)).toBe(true);
    expect(await once(run(store, owner), "reply/2", async () => ++posted, { probe })).toEqual({ ran: false, reason: "done" });
    expect({ posted, probed }).toEqual({ posted: 1, probed: 1 });
    // Recorded as done: the next look answers at once.
    expect(await once(run(store, owner), "reply/2", async () => ++posted, { probe })).toEqual({ ran: false, reason: "done" });
    expect(probed).toBe(1);
  });

  it("with a probe that does not find the effect, does it", async () => {
    const { store } = frozen();
    await store.set("once/reply/3", { started: true, at: Date.now(), run: "r1" });
    let posted = 0;
    expect(await once(run(store, "run/r2"), "reply/3", async () => ++posted, { probe: async () => false })).toEqual({ ran: true, value: 1 });
    expect(await store.get("once/reply/3")).toMatchObject({ run: "r2" });
    expect(await store.get("once/reply/3")).not.toHaveProperty("started");
  });

  it("remembers an effect it could not record (the disk was full), so that the work's retry in this process does not repeat it", async () => {
    const { store } = frozen();
    let diskFull = true;
    const failing = new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === "set"
          ? (...args: Parameters<MemoryStore["set"]>) => (diskFull ? Promise.reject(Object.assign(new Error("disk full"), { code: "BOTYARD_ERR_STORE_UNAVAILABLE" })) : target.set(...args))
          : Reflect.get(target, prop, receiver),
    });
    let posted = 0;
    const owner = "work/deliveries/ledger/20";
    await expect(once(run(failing, owner), "post/20", async () => ++posted)).rejects.toThrow("disk full");
    // Retried while the disk is still full: not done again, and still not recorded.
    await expect(once(run(failing, owner), "post/20", async () => ++posted)).rejects.toThrow("disk full");
    diskFull = false;
    expect(await once(run(failing, owner), "post/20", async () => ++posted)).toEqual({ ran: false, reason: "done" });
    expect(posted).toBe(1);
    expect(await store.get("once/post/20")).toMatchObject({ run: "r2" });
  });
});
