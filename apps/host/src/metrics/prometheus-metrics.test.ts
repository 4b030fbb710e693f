import { afterEach, describe, expect, it } from "vitest";
import { HELLO_PLUGIN_DIR } from "../test-support/temp-project.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { scrape } from "../test-support/metrics-scrape.js";

// A plugin whose triggers succeed, fail or fail on demand: what an operator alerts on.
const TICKER = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "ticker",
  core: "^1.0.0",
  config: Type.Object({}),
  setup(bot) {
    bot.schedule("* * * * * *", { name: "tick" }, async () => {});
    bot.schedule("* * * * * *", { name: "broken" }, async () => { throw new Error("always fails"); });
    bot.schedule("* * * * * *", { name: "flaky" }, async (ctx) => {
      if (await ctx.store.get("failing")) throw new Error("fails from now on");
    });
    bot.webhook("/fail", async (ctx) => {
      await ctx.store.set("failing", true);
      return { status: 200, body: { ok: true } };
    });
    bot.webhook("/boom", async () => { throw new Error("boom"); });
    bot.webhook("/doomed", { durable: { maxAttempts: 1 } }, async () => { throw new Error("never works"); });
    bot.webhook("/report", async (ctx) => {
      const q = ctx.event.body;
      if (q.kind === "gauge") ctx.metrics.gauge(q.name, q.value, q.labels);
      else ctx.metrics.count(q.name, q.value, q.labels);
    });
  },
});`;

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(bots = ["ticker", "hello"]): Promise<InProcessHost> {
  const entries = { ticker: "  - id: ticker\n    use: botyard-plugin-ticker\n", hello: "  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0GENERAL }\n" };
  return startInProcessHost(
    `bots:\n${bots.map((b) => entries[b as keyof typeof entries]).join("")}`,
    {
      setup: (p, slack) => {
        slack.createChannel("general", { id: "C0GENERAL" });
        p.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
        p.plugin("botyard-plugin-ticker", TICKER);
      },
    },
  );
}

/** The first scrape for which `check` holds. */
async function until(host: InProcessHost, check: (m: Map<string, number>) => boolean, timeoutMs = 5_000): Promise<Map<string, number>> {
  const started = Date.now();
  for (;;) {
    const m = await scrape(host);
    if (check(m)) return m;
    if (Date.now() - started > timeoutMs) throw new Error(`not met after ${timeoutMs} ms:\n${[...m].filter(([k]) => !k.startsWith("botyard_process_")).join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lastSuccess = (trigger: string) => `botyard_schedule_last_success_timestamp_seconds{bot="ticker",trigger="${trigger}"}`;
const runs = (trigger: string, outcome: string) => `botyard_runs_total{bot="ticker",trigger="${trigger}",outcome="${outcome}"}`;
const errors = (trigger: string) => `botyard_handler_errors_total{bot="ticker",trigger="${trigger}"}`;

describe("GET /metrics", () => {
  it("a schedule's last-success timestamp is set by a run that succeeds, never by one that fails", async () => {
    h = await start();
    const before = Math.floor(Date.now() / 1000);
    const m = await until(h, (m) => m.has(lastSuccess("tick")) && m.has(lastSuccess("flaky")) && (m.get(errors("broken")) ?? 0) >= 1);
    expect(m.get(lastSuccess("tick"))).toBeGreaterThanOrEqual(before);
    expect(m.get(lastSuccess("tick"))).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // A schedule that has only ever failed has no success to report: alerting sees it as absent.
    expect(m.has(lastSuccess("broken"))).toBe(false);
    expect(m.get(runs("broken", "error"))).toBeGreaterThanOrEqual(1);

    // From now on "flaky" fails: its timestamp stays where its last success left it.
    await fetch(`${h.url}/hooks/ticker/fail`, { method: "POST" });
    const failing = await until(h, (m) => m.get(errors("flaky")) !== undefined);
    const stuck = failing.get(lastSuccess("flaky"))!;
    const failedSoFar = failing.get(errors("flaky"))!;
    const later = await until(h, (m) => m.get(errors("flaky"))! >= failedSoFar + 2);
    expect(later.get(lastSuccess("flaky"))).toBe(stuck);
    // ...while the healthy schedule's timestamp kept moving.
    expect(later.get(lastSuccess("tick"))).toBeGreaterThan(stuck);
  }, 15_000);

  it("counts a handler that throws in botyard_handler_errors_total and as outcome=\"error\"", async () => {
    h = await start();
    for (let i = 0; i < 3; i++) expect((await fetch(`${h.url}/hooks/ticker/boom`, { method: "POST" })).status).toBe(500);
    const m = await scrape(h);
    expect(m.get(errors("webhook:/boom"))).toBe(3);
    expect(m.get(runs("webhook:/boom", "error"))).toBe(3);
    expect(m.has(runs("webhook:/boom", "ok"))).toBe(false);
    expect(m.get('botyard_run_duration_seconds_count{plugin="ticker",kind="webhook"}')).toBeGreaterThanOrEqual(3);
  });

  it("counts the durable jobs given up on in botyard_dead_letters_total, by bot and queue", async () => {
    h = await start(["ticker"]);
    for (let i = 0; i < 2; i++) expect((await fetch(`${h.url}/hooks/ticker/doomed`, { method: "POST" })).status).toBe(202);
    const m = await until(h, (m) => m.get('botyard_dead_letters_total{bot="ticker",queue="deliveries/ticker/webhook:/doomed"}') === 2);
    expect([...m.keys()].filter((k) => k.startsWith("botyard_dead_letters_total"))).toHaveLength(1);
  });

  it("exports the listeners on the engine's shutdown signal and on process, and 200 runs leave none behind", async () => {
    h = await start(["ticker"]);
    const listeners = (emitter: string) => `botyard_process_listeners{emitter="${emitter}"}`;
    const before = await until(h, (m) => m.has(listeners("shutdown_signal")));
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${h.url}/hooks/ticker/report`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "gauge", name: "depth", value: i, labels: {} }) });
      expect(res.status).toBe(200);
    }
    const after = await scrape(h);
    // The host's own signal handlers, at least, are on process.
    expect(after.get(listeners("process"))).toBeGreaterThan(0);
    // What is left is what the schedules have in flight at this moment, not one per run.
    expect(after.get(listeners("shutdown_signal"))).toBeLessThanOrEqual(before.get(listeners("shutdown_signal"))! + 3);
  });

  it("shows what plugins report through ctx.metrics, labelled by bot, and refuses what would break the exposition", async () => {
    h = await start(["ticker"]);
    const report = (body: unknown) => fetch(`${h!.url}/hooks/ticker/report`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await report({ kind: "gauge", name: "rate_limit_remaining", value: 4200, labels: { resource: "graphql" } })).status).toBe(200);
    expect((await report({ kind: "gauge", name: "rate_limit_remaining", value: 4100, labels: { resource: "graphql" } })).status).toBe(200);
    expect((await report({ kind: "count", name: "releases", value: 2 })).status).toBe(200);
    expect((await report({ kind: "count", name: "releases_total", value: 1 })).status).toBe(200);
    // A bad name is the plugin's error (its run fails, with the code); other labels than the first
    // report's are the host's refusal, logged, and the series stays as it was.
    expect((await report({ kind: "gauge", name: "Bad-Name", value: 1 })).status).toBe(500);
    expect((await report({ kind: "gauge", name: "rate_limit_remaining", value: 1, labels: { other: "x" } })).status).toBe(200);
    const m = await scrape(h);
    expect(m.get('botyard_plugin_rate_limit_remaining{bot="ticker",resource="graphql"}')).toBe(4100);
    expect(m.get('botyard_plugin_releases_total{bot="ticker"}')).toBe(3);
    expect([...m.keys()].filter((k) => k.includes("Bad") || k.includes('other="x"'))).toEqual([]);
    expect(h.raw.some((l) => l.includes("BOTYARD_ERR_METRIC_INVALID"))).toBe(true);
    expect(h.raw.some((l) => l.includes("metric botyard_plugin_rate_limit_remaining was first reported"))).toBe(true);
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toContain("# HELP botyard_plugin_rate_limit_remaining Reported by the ticker plugin (ctx.metrics.gauge).");
    expect(text).toContain("# TYPE botyard_plugin_releases_total counter");
  });

  it("keeps label sets bounded: unknown webhook paths, channels, users and message kinds add no series", async () => {
    // No schedules here: every series after the first traffic must come from the traffic below.
    h = await start(["hello"]);
    const slack = h.slack;
    await fetch(`${h.url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    await slack.sendMessage({ channel: "C0GENERAL", user: slack.addUser({ name: "first" }).id, text: "hello" });
    await slack.waitFor(() => slack.messages("C0GENERAL").some((m) => m.text?.startsWith("Hello")));
    await h.host.engine.idle();
    const labelled = (m: Map<string, number>) =>
      [...m.keys()].filter((k) => /^botyard_(events_received_total|runs_total|handler_errors_total|run_duration_seconds_count|actions_total|slack_api_calls_total)\{/.test(k)).sort();
    const before = labelled(await scrape(h));

    // Anyone can POST to the public port: ids and paths that match no webhook are 404s, not series.
    for (let i = 0; i < 100; i++) {
      expect((await fetch(`${h.url}/hooks/bot-${i}/x`, { method: "POST", body: "{}" })).status).toBe(404);
      expect((await fetch(`${h.url}/hooks/hello/path-${i}`, { method: "POST", body: "{}" })).status).toBe(404);
    }
    // Slack traffic from many channels and people, of several message kinds, counts under its event type only.
    const bot = slack.addBot({ name: "Other app" });
    for (let i = 0; i < 50; i++) {
      const channel = slack.createChannel(`room-${i}`).id;
      slack.joinChannel(channel);
      const user = slack.addUser({ name: `person-${i}` }).id;
      const posted = await slack.sendMessage({ channel, user, text: `note ${i}` });
      await slack.postAs(bot, { channel, text: `bot note ${i}` });
      await slack.editMessage({ channel, ts: posted.ts, text: `note ${i}, edited` });
    }
    await until(h, (m) => (m.get('botyard_events_received_total{source="slack",type="message"}') ?? 0) >= 151);
    await h.host.engine.idle();
    const m = await scrape(h);
    expect(labelled(m)).toEqual(before);
    expect(m.get('botyard_events_received_total{source="slack",type="message"}')).toBeGreaterThanOrEqual(151);
    expect([...m.keys()].filter((k) => /bot-\d|path-\d|room-\d|person-\d|C0[A-Z0-9]{6,}/.test(k))).toEqual([]);
  }, 30_000);
});
