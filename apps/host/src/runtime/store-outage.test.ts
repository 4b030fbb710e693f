import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { TcpProxy } from "@botyard/test-support";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// Losing the store for a while: the host says so (logs, metrics, readiness), stops taking work it
// could not dedupe (webhooks 503, Slack envelopes left unacked), does not crash, and picks up
// where it was when the store returns, acting once on what Slack redelivers.
const probe = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "outage-probe", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async () => ({ status: 200, body: { handled: true } }));
    bot.message(/^ping (\\w+)$/, async (ctx) => { await ctx.say("pong " + ctx.match[1]); });
  },
});
`;

describe("when Redis goes away and comes back", () => {
  const proxy = new TcpProxy({ host: "127.0.0.1", port: 6379 });
  const prefix = `botyard-outage:${process.pid}-${Date.now()}:`;
  let h: InProcessHost;

  beforeAll(async () => {
    await proxy.start();
    h = await startInProcessHost("bots:\n  - id: probe\n    use: botyard-plugin-outage-probe\n", {
      store: `{ type: redis, url: "redis://127.0.0.1:${proxy.port}", prefix: "${prefix}" }`,
      host: { storeCheckIntervalMs: 100 },
      setup: (project, slack) => {
        project.plugin("botyard-plugin-outage-probe", probe);
        slack.createChannel("ops", { id: "C0OPSTEAM" });
        slack.addUser({ id: "U0ALICE00", name: "alice" });
      },
    });
  });

  afterAll(async () => {
    await proxy.start().catch(() => {});
    await h?.close();
    await proxy.stop();
    const redis = new Redis("redis://127.0.0.1:6379");
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const ready = async () => (await fetch(`${h.url}/readyz`)).status;
  const hook = async () => (await fetch(`${h.url}/hooks/probe`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status;
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(await (await fetch(`${h.url}/metrics`)).text())?.[1]);

  it("degrades clearly while Redis is unreachable, and recovers by itself", async () => {
    expect(await ready()).toBe(200);
    expect(await hook()).toBe(200);

    await proxy.stop();
    await expect.poll(ready, { timeout: 5_000 }).toBe(503);
    const readiness = (await (await fetch(`${h.url}/readyz`)).json()) as { store: { ok: boolean; error?: string } };
    expect(readiness.store.ok).toBe(false);
    expect(await metric("botyard_store_up")).toBe(0);
    expect(await hook()).toBe(503);
    expect(h.raw.some((l) => l.includes("store unreachable: intake paused"))).toBe(true);

    // A message sent now is not acked (Slack redelivers it, maybe to another replica's socket).
    const sent = await h.slack.sendMessage({ channel: "C0OPSTEAM", user: "U0ALICE00", text: "ping outage" });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.envelopes.find((e) => e.eventId === sent.events[0]!.eventId)?.state).not.toBe("acked");

    await proxy.start();
    await expect.poll(ready, { timeout: 10_000 }).toBe(200);
    expect(await metric("botyard_store_up")).toBe(1);
    expect(await hook()).toBe(200);
    expect(h.raw.some((l) => l.includes("store reachable again: intake resumed"))).toBe(true);
    // Slack's redelivery of the unacked event is handled, once.
    await h.slack.waitFor(() => h.slack.messages("C0OPSTEAM").some((m) => m.text === "pong outage"), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.slack.messages("C0OPSTEAM").filter((m) => m.text === "pong outage")).toHaveLength(1);
  }, 30_000);
});
