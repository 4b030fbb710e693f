import { join } from "node:path";
import { writeFileSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// Counts its starts in its own store, answers a webhook with its config, and has a slow webhook
// to show that a removed bot's run finishes.
const PROBE = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "probe",
  core: "^1.0.0",
  config: Type.Object({ label: Type.String() }),
  setup(bot, config) {
    if (config.label === "broken") throw new Error("setup refuses the label broken");
    bot.onStart(async (ctx) => { await ctx.store.set("starts", ((await ctx.store.get("starts")) ?? 0) + 1); });
    bot.webhook("/", async () => ({ status: 200, body: { label: config.label } }));
    let running = 0;
    bot.webhook("/slow", async () => {
      running++;
      await new Promise((r) => setTimeout(r, 600));
      running--;
      return { status: 200, body: { finished: config.label } };
    });
    bot.onStop(async (ctx) => { await ctx.store.set("runningAtStop", running); });
    // Fails while its label says "down": the delivery waits in the queue for a retry.
    bot.webhook("/queued", { durable: { maxAttempts: 20 } }, async (ctx) => {
      if (config.label === "down") throw new Error("down");
      await ctx.store.set("handled", ctx.event.body);
    });
  },
});`;

const entry = (id: string, label: string) => `  - id: ${id}\n    use: botyard-plugin-probe\n    config: { label: ${label} }\n`;

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(bots: string): Promise<InProcessHost> {
  return startInProcessHost(`bots:\n${bots}`, { setup: (p) => p.plugin("botyard-plugin-probe", PROBE) });
}

/** Rewrites the `bots:` part of the running host's bots.yaml (the header the helper wrote stays). */
function rewrite(host: InProcessHost, bots: string, header?: (text: string) => string): void {
  const file = join(host.project.dir, "bots.yaml");
  const text = readFileSync(file, "utf8");
  const head = text.slice(0, text.search(/^bots:/m));
  writeFileSync(file, `${header ? header(head) : head}bots:${bots ? `\n${bots}` : " []\n"}`);
}

const label = async (host: InProcessHost, bot: string) => {
  const res = await fetch(`${host.url}/hooks/${bot}`, { method: "POST" });
  return res.status === 200 ? ((await res.json()) as { label: string }).label : res.status;
};
const starts = (host: InProcessHost, bot: string) => host.host.store.get(`bot/${bot}/starts`);

describe("reloading bots.yaml", () => {
  it("starts new bots, stops removed ones, restarts changed ones and leaves the others alone; HTTP and Slack stay up", async () => {
    h = await start(entry("keep", "k1") + entry("change", "c1") + entry("gone", "g1"));
    const port = h.host.port;
    expect(await label(h, "change")).toBe("c1");
    rewrite(h, entry("keep", "k1") + entry("change", "c2") + entry("fresh", "f1"));
    const report = await h.host.reload();
    expect(report).toMatchObject({ outcome: "applied", added: ["fresh"], removed: ["gone"], restarted: ["change"], unchanged: ["keep"], failed: [], needsRestart: [] });
    expect(h.host.engine.status().map((b) => [b.id, b.state])).toEqual([["keep", "running"], ["change", "running"], ["fresh", "running"]]);
    expect(await label(h, "change")).toBe("c2");
    expect(await label(h, "fresh")).toBe("f1");
    expect(await label(h, "gone")).toBe(404);
    // Started once and untouched, against twice for the changed one.
    expect(await starts(h, "keep")).toBe(1);
    expect(await starts(h, "change")).toBe(2);
    expect(h.host.port).toBe(port);
    // Polled: on a loaded machine a Socket Mode ping can be late for a moment, reload or not.
    await expect.poll(async () => (await h!.host.readiness()).ready, { timeout: 5_000 }).toBe(true);
    expect(h.slack.callsTo("apps.connections.open")).toHaveLength(1);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^botyard_reloads_total\{outcome="applied"\} 1$/m);
    expect(metrics).toMatch(/^botyard_bots\{state="running"\} 3$/m);
  });

  it("refuses a config that does not validate, with file:line:column as botyard validate gives them, and the bots carry on", async () => {
    h = await start(entry("keep", "k1"));
    rewrite(h, `${entry("keep", "k1")}  - id: broken\n    use: botyard-plugin-probe\n    config: { label: 12 }\n`);
    const report = await h.host.reload();
    expect(report.outcome).toBe("refused");
    expect(report.problems).toEqual([expect.objectContaining({ code: "BOTYARD_ERR_PLUGIN_CONFIG_INVALID", path: "bots[1].config.label", where: expect.stringMatching(/bots\.yaml:\d+:\d+$/) })]);
    expect(report.message).toMatch(/bots\.yaml:\d+:\d+ {2}bots\[1\]\.config\.label/);
    expect(h.raw.some((l) => l.includes("reload refused; the running bots carry on unchanged"))).toBe(true);
    expect(h.host.engine.status().map((b) => b.id)).toEqual(["keep"]);
    expect(await label(h, "keep")).toBe("k1");
    expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(/^botyard_reloads_total\{outcome="refused"\} 1$/m);
  });

  it("lets a removed bot's run in flight finish before the bot stops", async () => {
    h = await start(entry("slow", "s1"));
    const inFlight = fetch(`${h.url}/hooks/slow/slow`, { method: "POST" });
    await new Promise((r) => setTimeout(r, 100));
    rewrite(h, "");
    const reloaded = await h.host.reload();
    expect(reloaded.removed).toEqual(["slow"]);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ finished: "s1" });
    // Its stop hook ran once the run was over, not while it was going on.
    expect(await h.host.store.get("bot/slow/runningAtStop")).toBe(0);
    expect(h.host.engine.status()).toEqual([]);
  });

  it("reports host settings it cannot change live as needing a restart, naming the setting and never its value", async () => {
    h = await start(entry("keep", "k1"));
    rewrite(h, entry("keep", "k1"), (head) => head.replace("bodyLimitBytes: 1024", "bodyLimitBytes: 2048"));
    const report = await h.host.reload();
    expect(report.outcome).toBe("applied");
    expect(report.needsRestart).toEqual([expect.stringMatching(/^http: changed in bots\.yaml; restart the host/)]);
    expect(report.unchanged).toEqual(["keep"]);
  });

  it("refuses a new or changed bot whose setup throws, but not an unchanged bot that failed the same way at start", async () => {
    h = await start(entry("keep", "k1") + entry("bad", "broken"));
    expect(h.host.engine.status().map((b) => [b.id, b.state])).toEqual([["keep", "running"], ["bad", "failed"]]);
    rewrite(h, entry("keep", "k2") + entry("bad", "broken"));
    const applied = await h.host.reload();
    expect(applied).toMatchObject({ outcome: "applied", restarted: ["keep"], unchanged: ["bad"] });
    rewrite(h, entry("keep", "broken") + entry("bad", "broken"));
    const refused = await h.host.reload();
    expect(refused.outcome).toBe("refused");
    expect(refused.problems).toEqual([expect.objectContaining({ code: "BOTYARD_ERR_PLUGIN_SETUP_FAILED", path: "bots[0]" })]);
    expect(await label(h, "keep")).toBe("k2");
  });

  it("keeps what a removed bot's durable queue holds in the store, and its return handles it", async () => {
    h = await start(entry("queue", "down"));
    const res = await fetch(`${h.url}/hooks/queue/queued`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n: 7 }) });
    expect(res.status).toBe(202);
    const queue = "host/deliveries/queue/webhook:/queued";
    // Its first attempt failed: the delivery waits for a retry.
    await expect.poll(() => h!.host.engine.status()[0]?.triggers.find((t) => t.name === "webhook:/queued")?.errors, { timeout: 5_000 }).toBe(1);
    rewrite(h, "");
    const removed = await h.host.reload();
    expect(removed.removed, JSON.stringify(removed)).toEqual(["queue"]);
    expect(await h.host.store.queueSize(queue)).toBe(1);
    expect(await h.host.deadLetters.list()).toEqual([]);
    rewrite(h, entry("queue", "up"));
    const back = await h.host.reload();
    expect(back.added, JSON.stringify(back)).toEqual(["queue"]);
    await expect.poll(() => h!.host.store.get("bot/queue/handled"), { timeout: 10_000 }).toEqual({ n: 7 });
    await expect.poll(() => h!.host.store.queueSize(queue), { timeout: 5_000 }).toBe(0);
  });
});
