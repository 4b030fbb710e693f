import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import { definePlugin } from "../plugin/define-plugin.js";
import { oneBotEngine } from "../test-support/one-bot-engine.js";

// What a reload of bots.yaml asks of a running engine: bots added and removed while the others run.
const hooks = definePlugin({
  name: "hooks",
  core: "^1.0.0",
  config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async () => ({ status: 200, body: { ok: true } }));
    bot.webhook("/slow", async () => {
      await new Promise((r) => setTimeout(r, 200));
      return { status: 200, body: { done: true } };
    });
  },
});

describe("Engine.add and Engine.remove", () => {
  it("adds a bot to a running engine, which serves at once, and removes one, which then serves nothing", async () => {
    const { engine } = await oneBotEngine("first", hooks);
    const removed: string[] = [];
    engine.observe({ botRemoved: (id) => removed.push(id) });
    const added = await engine.add([{ id: "second", plugin: hooks, config: {} }]);
    expect(added.map((b) => [b.id, b.state])).toEqual([["second", "running"]]);
    expect((await engine.handleWebhook("second", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined })).status).toBe(200);

    expect(await engine.remove("first")).toEqual({ removed: true, unfinished: 0 });
    expect(removed).toEqual(["first"]);
    expect(engine.hasWebhook("first", "/")).toBe(false);
    expect(engine.status().map((b) => b.id)).toEqual(["second"]);
    expect(await engine.remove("first")).toEqual({ removed: false, unfinished: 0 });
    // The same id can come back (a changed bot is removed, then added with its new config).
    await engine.add([{ id: "first", plugin: hooks, config: {} }]);
    expect(engine.hasWebhook("first", "/")).toBe(true);
    await engine.stop(1_000);
  });

  it("waits for a removed bot's runs, and reports those still going at the deadline as unfinished", async () => {
    const { engine } = await oneBotEngine("slow", hooks);
    const request = { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined } as const;
    const finished = engine.handleWebhook("slow", "/slow", request);
    const before = Date.now();
    expect(await engine.remove("slow")).toEqual({ removed: true, unfinished: 0 });
    // It waited for the 200 ms run (less a little: the run started just before).
    expect(Date.now() - before).toBeGreaterThanOrEqual(150);
    expect((await finished).status).toBe(200);

    await engine.add([{ id: "slow", plugin: hooks, config: {} }]);
    const late = engine.handleWebhook("slow", "/slow", request);
    expect(await engine.remove("slow", 20)).toEqual({ removed: true, unfinished: 1 });
    expect((await late).status).toBe(200);
    await engine.stop(1_000);
  });
});
