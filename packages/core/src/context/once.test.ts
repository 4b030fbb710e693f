import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { Type } from "typebox";
import { Engine } from "../engine/engine.js";
import { createLogger } from "../logging/logger.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { createSlackClient } from "../slack/slack-client.js";
import { MemoryStore } from "../store/memory-store.js";
import type { WebhookResponse } from "../triggers/trigger.js";

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

  it("answers busy while another run holds the key, and does not act twice", async () => {
    let finish!: () => void;
    let calls = 0;
    const { engine, post } = await hostWith(async () => {
      calls++;
      await new Promise<void>((r) => (finish = r));
      return "sent";
    });
    const first = post("7");
    await expect.poll(() => calls).toBe(1);
    expect((await post("7")).body).toEqual({ ran: false, reason: "busy" });
    finish();
    expect((await first).body).toEqual({ ran: true, value: "sent" });
    expect((await post("7")).body).toEqual({ ran: false, reason: "done" });
    expect(calls).toBe(1);
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
