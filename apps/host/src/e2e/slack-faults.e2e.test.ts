import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { TcpProxy, type TempProject } from "@botyard/test-support";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { botyard, userProject } from "../test-support/temp-project.js";

// Slack misbehaving under a real `botyard start` process: the socket cut mid-stream, Slack's
// `disconnect` messages, apps.connections.open failing, half-open links. A plugin writes one line
// per run, so an event handled twice shows as a duplicate line and one never handled as a gap.
// Each scenario records its figures (printed at the end, for docs/reliability.md).

const tally = `
import { appendFileSync } from "node:fs";
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "tally", core: "^1.0.0", config: Type.Object({ file: Type.String() }),
  setup(bot, config) {
    bot.message(/^ev /, (ctx) => appendFileSync(config.file, ctx.event.text + "\\n"));
  },
});
`;

// Short, for quick tests, but not so short that a busy test process (the emulator runs in it)
// misses a pong: 200 ms saw spurious half-open verdicts on a loaded machine.
const PING_TIMEOUT_MS = 400;
/** Slack's ack deadline, shortened: an envelope lost on the wire comes back this much later. */
const ACK_TIMEOUT_MS = 500;

interface Figures {
  scenario: string;
  faults: string;
  sent: number;
  handled: number;
  duplicated: number;
  lost: number;
  redelivered: number;
  recoveredMs: number;
  /** Web API storms: calls Slack received while it answered 429, and those after the first wave. */
  callsDuringStorm?: number;
  callsAfterFirstWave?: number;
}
const figures: Figures[] = [];

afterAll(() => {
  // The figures docs/reliability.md quotes, one JSON line per scenario.
  for (const f of figures) console.log(JSON.stringify(f));
});

let slack: SlackEmulator;
let proxy: TcpProxy;
let project: TempProject;
let host: HostProcess | undefined;
let base = "";

async function startHost(): Promise<void> {
  slack = await SlackEmulator.start({ ackTimeoutMs: ACK_TIMEOUT_MS, pingIntervalMs: 100 });
  slack.createChannel("ops", { id: "C0OPSROOM" });
  slack.addUser({ id: "U0ALICE", name: "alice" });
  // The Web API is reached through a proxy that can refuse connections; the WebSocket goes straight to Slack.
  proxy = new TcpProxy({ host: "127.0.0.1", port: Number(new URL(slack.url).port) });
  await proxy.start();
  project = userProject();
  project.plugin("botyard-plugin-tally", tally);
  project.write(
    "bots.yaml",
    `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "http://127.0.0.1:${proxy.port}/api/" }
http: { port: 0 }
store: { type: memory }
bots:
  - id: tally
    use: botyard-plugin-tally
    config: { file: ${JSON.stringify(join(project.dir, "handled.log"))} }
`,
  );
  host = botyard({
    args: ["start", "--config", "bots.yaml"],
    env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: String(PING_TIMEOUT_MS) },
    cwd: project.dir,
  });
  base = `http://127.0.0.1:${await host.port()}`;
  await host.waitForLine((l) => l.msg === "botyard host ready");
}

async function stopHost(): Promise<void> {
  host?.kill("SIGKILL");
  await host?.exited;
  host = undefined;
  await proxy.stop();
  await slack.close();
  project.remove();
}

const readiness = async () => {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as { slack: { state: string; connected: boolean; reason?: string; failedAttempts?: number } } };
};
const slackConnectedMetric = async () => Number(/^botyard_slack_connected (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
const handledLines = (): string[] => {
  const file = join(project.dir, "handled.log");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
};

/** Polls /readyz while the connection is down, collecting every reason it gives, until it is ready again. */
async function watchReadiness(): Promise<{ reasons: Set<string>; states: Set<string>; metricWhileDown: number[] }> {
  const reasons = new Set<string>();
  const states = new Set<string>();
  const metricWhileDown: number[] = [];
  const deadline = Date.now() + 15_000;
  let seenDown = false;
  while (Date.now() < deadline) {
    const { status, body } = await readiness();
    if (status === 503) {
      seenDown = true;
      states.add(body.slack.state);
      if (body.slack.reason) reasons.add(body.slack.reason);
      if (metricWhileDown.length < 1) metricWhileDown.push(await slackConnectedMetric());
    } else if (seenDown) break;
    await new Promise((r) => setTimeout(r, 15));
  }
  return { reasons, states, metricWhileDown };
}

/**
 * Streams `count` messages to the bot with `fault` injected after `faultAfter` of them, waits until
 * every one was handled and Slack's redeliveries are over, and records the figures.
 */
async function stream(scenario: string, faults: string, fault: () => unknown, { count = 24, faultAfter = 8 } = {}): Promise<Figures> {
  const before = handledLines().length;
  const texts: string[] = [];
  const eventIds = new Set<string>();
  let faultAt = 0;
  let faulted: unknown;
  for (let i = 0; i < count; i++) {
    if (i === faultAfter) {
      faultAt = Date.now();
      faulted = fault();
    }
    const text = `ev ${scenario} ${i}`;
    texts.push(text);
    const { eventId } = await slack.sendMessage({ channel: "C0OPSROOM", user: "U0ALICE", text });
    eventIds.add(eventId!);
    await new Promise((r) => setTimeout(r, 20));
  }
  await faulted;
  const mine = () => handledLines().slice(before).filter((l) => texts.includes(l));
  await expect.poll(() => new Set(mine()).size, { timeout: 15_000, interval: 50 }).toBe(count);
  // Let every redelivery Slack still owes arrive (3 retries at most), so that a duplicate would show.
  await slack.waitFor(() => slack.envelopes.filter((e) => eventIds.has(e.eventId ?? "")).every((e) => e.state === "acked" || e.state === "timed_out"), 10_000);
  await new Promise((r) => setTimeout(r, ACK_TIMEOUT_MS));
  const reconnected = host!.lines.find((l) => l.msg === "Socket Mode connected" && Date.parse(String(l.time)) >= faultAt);
  const lines = mine();
  const f: Figures = {
    scenario,
    faults,
    sent: count,
    handled: new Set(lines).size,
    duplicated: lines.length - new Set(lines).size,
    lost: count - new Set(lines).size,
    redelivered: slack.envelopes.filter((e) => eventIds.has(e.eventId ?? "") && e.retryAttempt > 0).length,
    recoveredMs: reconnected ? Date.parse(String(reconnected.time)) - faultAt : -1,
  };
  figures.push(f);
  return f;
}

describe("Socket Mode faults, one host process through all of them", () => {
  beforeAll(startHost);
  afterAll(stopHost);
  beforeEach(async () => {
    slack.setLatency("apps.connections.open", 0);
    await expect.poll(async () => (await readiness()).status, { timeout: 10_000 }).toBe(200);
    // A connection lost within 500 ms of its hello delays the next attempt (no spinning on a server
    // that accepts and drops); each fault here hits an established connection instead.
    await new Promise((r) => setTimeout(r, 500));
  });

  it("the socket dropped mid-stream: not ready (and why) until reconnected, every event handled once", async () => {
    // Slack is slow to hand out a new socket, so that the outage is long enough to be seen.
    slack.setLatency("apps.connections.open", 600);
    const watching = watchReadiness();
    const f = await stream("drop", "socket cut without a close frame", () => slack.dropConnections());
    const seen = await watching;
    expect(seen.states).toEqual(new Set(["reconnecting"]));
    expect([...seen.reasons]).toEqual(["the connection closed (dropped by the network or by Slack)"]);
    expect(seen.metricWhileDown).toEqual([0]);
    expect(await slackConnectedMetric()).toBe(1);
    expect(f).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
    expect(f.recoveredMs).toBeGreaterThanOrEqual(600);
    expect(host!.lines.filter((l) => l.msg === "Socket Mode connection lost; reconnecting").at(-1)).toMatchObject({ level: 40 });
  });

  it("Slack's disconnect (refresh_requested, then warning): reconnects at once, says why, handles every event once", async () => {
    slack.setLatency("apps.connections.open", 300);
    const refresh = watchReadiness();
    const f1 = await stream("refresh", "disconnect: refresh_requested", () => slack.disconnectAll("refresh_requested"));
    expect([...(await refresh).reasons]).toEqual(["Slack asked for a new connection (disconnect: refresh_requested)"]);
    expect(f1).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });

    await expect.poll(async () => (await readiness()).status, { timeout: 10_000 }).toBe(200);
    const warning = watchReadiness();
    // @slack/socket-mode 3.1.0 closes on a warning too (Slack closes about 10 s later anyway).
    const f2 = await stream("warning", "disconnect: warning", () => slack.disconnectAll("warning"));
    expect([...(await warning).reasons]).toEqual(["Slack warned it would close the connection soon (disconnect: warning)"]);
    expect(f2).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
    // Slack asked, so the first attempt is not delayed beyond Slack's own latency.
    expect(f1.recoveredMs).toBeLessThan(300 + 1_000);
  });

  it("apps.connections.open failing for a while (503, 503, 429, reset): backs off, waits out Retry-After, then recovers", async () => {
    slack.inject({ operation: "apps.connections.open", times: 2, status: 503, body: { ok: false, error: "service_unavailable" } });
    slack.rateLimit("apps.connections.open", { times: 1, retryAfterSec: 1 });
    slack.inject({ operation: "apps.connections.open", times: 1, status: 0, drop: true });
    slack.clearCalls();
    const watching = watchReadiness();
    const f = await stream("open-fails", "apps.connections.open: 503 x2, 429 (Retry-After 1) x1, connection reset x1", () => slack.dropConnections());
    const seen = await watching;
    // Each wait shows why (the drop itself is replaced at once, too briefly to be polled reliably).
    expect([...seen.reasons]).toEqual(
      expect.arrayContaining(["apps.connections.open answered HTTP 503", "apps.connections.open is rate limited (Retry-After 1 s)", "cannot reach Slack: other side closed"]),
    );
    expect(seen.states).toEqual(new Set(["reconnecting"]));
    const opens = slack.callsTo("apps.connections.open");
    expect(opens.map((c) => c.status)).toEqual([503, 503, 429, 0, 200]);
    const gaps = opens.slice(1).map((c, i) => c.at - opens[i]!.at);
    // Backoff from 400 ms (the ping timeout), doubling, jittered in its upper half; Slack's Retry-After
    // wins when longer.
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps[1]).toBeGreaterThanOrEqual(400);
    expect(gaps[2]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[3]).toBeGreaterThanOrEqual(1_600);
    expect(f).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
    // One warning per failed attempt, with the wait it chose: bounded, and never shorter than Slack asked.
    const retries = host!.lines.filter((l) => l.msg === "cannot open a Socket Mode connection yet; retrying").slice(-4);
    expect(retries.map((l) => [l.level, l.attempt])).toEqual([
      [40, 1],
      [40, 2],
      [40, 3],
      [40, 4],
    ]);
    const waits = retries.map((l) => l.retryInMs as number);
    expect(waits[0]).toBeGreaterThanOrEqual(200);
    expect(waits[0]).toBeLessThanOrEqual(400);
    expect(waits[1]).toBeGreaterThanOrEqual(400);
    expect(waits[1]).toBeLessThanOrEqual(800);
    expect(waits[2]).toBeGreaterThanOrEqual(1_000);
    expect(waits[2]).toBeLessThanOrEqual(1_600);
    expect(waits[3]).toBeGreaterThanOrEqual(1_600);
    expect(waits[3]).toBeLessThanOrEqual(3_200);
  });

  it("Slack refusing connections for a second: says so in /readyz, then recovers", async () => {
    const watching = watchReadiness();
    const f = await stream("refused", "Web API port refusing connections for 1 s", async () => {
      await proxy.stop();
      slack.dropConnections();
      await new Promise((r) => setTimeout(r, 1_000));
      await proxy.start();
    });
    const seen = await watching;
    expect([...seen.reasons].some((r) => /^cannot reach Slack: connect ECONNREFUSED 127\.0\.0\.1:\d+$/.test(r))).toBe(true);
    expect(f).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
    expect(f.recoveredMs).toBeGreaterThanOrEqual(1_000);
  });

  it("Slack closing each new connection right after its hello (too_many_websockets): backs off instead of spinning", async () => {
    const opens = () => slack.callsTo("apps.connections.open");
    const before = opens().length;
    const faultAt = Date.now();
    slack.disconnectAll("too_many_websockets");
    // Three more times, as soon as the host has a new connection (within milliseconds of its hello).
    for (let k = 1; k <= 3; k++) {
      await slack.waitFor(() => opens().length === before + k && slack.connections === 1, 10_000);
      slack.disconnectAll("too_many_websockets");
    }
    await slack.waitFor(() => opens().length === before + 4 && slack.connections === 1, 10_000);
    const at = opens().slice(before).map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // The first connection had lasted: replaced at once. Each later one died at its hello: the next
    // attempt waits as after a failure (from 400 ms, doubling, jittered in its upper half).
    expect(at[0]! - faultAt).toBeLessThan(400);
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps[1]).toBeGreaterThanOrEqual(400);
    expect(gaps[2]).toBeGreaterThanOrEqual(800);
    const lost = host!.lines.filter((l) => l.msg === "Socket Mode connection lost; reconnecting" && Date.parse(String(l.time)) >= faultAt);
    expect(lost.map((l) => l.reason)).toEqual(Array(4).fill("Slack closed the connection (disconnect: too_many_websockets)"));
  });

  it("a half-open socket (no pongs, nothing delivered): replaced within the ping timeout; lost envelopes come back once", async () => {
    slack.setLatency("apps.connections.open", 600);
    const watching = watchReadiness();
    const f = await stream("half-open", "half-open link, both directions dead, Slack closes its end after 600 ms", () => slack.halfOpen({ closeAfterMs: 600 }));
    const seen = await watching;
    expect([...seen.reasons]).toEqual([`no pong from Slack within ${PING_TIMEOUT_MS} ms: the connection was half-open`]);
    expect(f).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
    // Envelopes Slack routed to the dead link were lost on the wire and redelivered.
    expect(f.redelivered).toBeGreaterThan(0);
  });

  it("a half-open socket that still delivers but loses the acks: Slack redelivers what was handled, nothing runs twice", async () => {
    const f = await stream("acks-lost", "half-open link, app-to-Slack direction dead (acks lost)", () => slack.halfOpen({ stillSending: true, closeAfterMs: 600 }));
    expect(f.redelivered).toBeGreaterThan(0);
    expect(f).toMatchObject({ handled: 24, duplicated: 0, lost: 0 });
  });
});

describe("Socket Mode turned off for the app (disconnect: link_disabled)", () => {
  beforeAll(startHost);
  afterAll(stopHost);

  it("stops reconnecting, says what the operator must do once, and stays not ready", async () => {
    const opens = slack.callsTo("apps.connections.open").length;
    slack.disconnectAll("link_disabled");
    await expect.poll(async () => (await readiness()).status, { timeout: 5_000 }).toBe(503);
    expect((await readiness()).body.slack).toMatchObject({ state: "disabled", connected: false, reason: "Slack turned Socket Mode off for this app (disconnect: link_disabled)" });
    expect(await slackConnectedMetric()).toBe(0);
    // A client that reconnected (as @slack/socket-mode does on any disconnect) would have called again by now.
    await new Promise((r) => setTimeout(r, 5 * PING_TIMEOUT_MS));
    expect(slack.callsTo("apps.connections.open")).toHaveLength(opens);
    const errors = host!.lines.filter((l) => (l.level as number) >= 50);
    expect(errors.map((l) => l.msg)).toEqual([
      'Slack turned Socket Mode off for this app (disconnect reason link_disabled): Botyard receives no Slack events, slash commands or button clicks, and reconnecting cannot help. Turn "Enable Socket Mode" back on at https://api.slack.com/apps/A0BOTYARD/socket-mode, then restart botyard.',
    ]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

// A bot whose handlers make the Web API calls the scenarios below break.
const poster = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "poster", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.message(/^post (\\S+) (.+)$/, (ctx) => ctx.slack.chat.postMessage({ channel: ctx.match[1], text: ctx.match[2] }));
    bot.message(/^topic (\\S+) (.+)$/, (ctx) => ctx.slack.conversations.setTopic({ channel: ctx.match[1], topic: ctx.match[2] }));
  },
});
`;

describe("Web API faults (in-process host, real WebClient)", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost("bots:\n  - id: poster\n    use: botyard-plugin-poster\n", {
      setup: (p, slack) => {
        p.plugin("botyard-plugin-poster", poster);
        slack.createChannel("ops", { id: "C0OPSROOM" });
        slack.createChannel("incidents", { id: "C0INCIDENTS", botMember: false });
        slack.addUser({ id: "U0ALICE", name: "alice" });
      },
    });
  });
  afterAll(() => h.close());

  const say = (text: string) => h.slack.sendMessage({ channel: "C0OPSROOM", user: "U0ALICE", text });
  const lines = () => h.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  /** The error lines logged since `from` (an index into the log), once `count` of them are there. */
  const errorsSince = async (from: number, count = 1) => {
    const errors = () => lines().slice(from).filter((l) => (l.level as number) >= 50);
    await expect.poll(() => errors().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
    await new Promise((r) => setTimeout(r, 200)); // a second line, if any, would be written by now
    return errors();
  };

  it("a 429 storm: the calls stay at what Retry-After allows, every message is posted once", async () => {
    const stormMs = 6_000;
    const started = Date.now();
    h.slack.rateLimitFor("chat.postMessage", { durationMs: stormMs, retryAfterSec: 1 });
    const count = 20;
    for (let i = 0; i < count; i++) await say(`post C0OPSROOM storm reply ${i}`);
    const replies = () => h.slack.messages("C0OPSROOM").filter((m) => m.text?.startsWith("storm reply"));
    await expect.poll(() => replies().length, { timeout: 20_000, interval: 100 }).toBe(count);
    expect(new Set(replies().map((m) => m.text)).size).toBe(count);
    const during = h.slack.callsTo("chat.postMessage").filter((c) => c.at >= started && c.at < started + stormMs);
    // The first wave goes out before Slack has said anything; after it, one call per Retry-After.
    // The WebClient alone pauses its queue for a Retry-After, then lets every call that queued up
    // meanwhile go at once: measured, a burst of 19 at 3.3 s here, 41 calls in a 6 s storm.
    const afterFirstWave = during.filter((c) => c.at >= started + 1_000);
    expect(during.every((c) => c.status === 429)).toBe(true);
    expect(afterFirstWave.length).toBeLessThanOrEqual(Math.ceil((stormMs - 1_000) / 1_000) + 1);
    expect(during.length).toBeLessThanOrEqual(count + Math.ceil(stormMs / 1_000) + 1);
    figures.push({
      scenario: "web-api-429-storm",
      faults: `chat.postMessage answers 429 Retry-After 1 for ${stormMs} ms; ${count} runs post meanwhile`,
      sent: count,
      handled: replies().length,
      duplicated: h.slack.messages("C0OPSROOM").filter((m) => m.text?.startsWith("storm reply")).length - count,
      lost: count - new Set(replies().map((m) => m.text)).size,
      redelivered: 0,
      callsDuringStorm: during.length,
      callsAfterFirstWave: afterFirstWave.length,
      recoveredMs: Math.max(...h.slack.callsTo("chat.postMessage").filter((c) => c.status === 200 && c.at >= started).map((c) => c.at)) - (started + stormMs),
    });
  });

  it("5xx: retried within bounds, posted once, nothing logged as an error", async () => {
    const from = h.raw.length;
    const calls = h.slack.callsTo("chat.postMessage").length;
    h.slack.inject({ operation: "chat.postMessage", times: 2, status: 503, body: { ok: false, error: "service_unavailable" } });
    await say("post C0OPSROOM after two 503s");
    await h.slack.waitFor({ method: "chat.postMessage", count: calls + 3 }, 10_000);
    expect(h.slack.callsTo("chat.postMessage").slice(calls).map((c) => c.status)).toEqual([503, 503, 200]);
    expect(h.slack.messages("C0OPSROOM").filter((m) => m.text === "after two 503s")).toHaveLength(1);
    expect(lines().slice(from).filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it("not_in_channel: one error line naming the bot, the method, the channel and the invite", async () => {
    const from = h.raw.length;
    const calls = h.slack.callsTo("chat.postMessage").length;
    await say("post C0INCIDENTS the site is down");
    const errors = await errorsSince(from);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      bot: "poster",
      msg: "handler failed: chat.postMessage in C0INCIDENTS failed: not_in_channel — invite the app: /invite @botyard in #incidents",
    });
    expect(h.slack.callsTo("chat.postMessage").slice(calls)).toHaveLength(1); // Slack's answer would not change: not retried
  });

  it("channel_not_found, missing_scope and invalid_auth: one actionable error line each", async () => {
    let from = h.raw.length;
    await say("post C0NOSUCH1 hello");
    let errors = await errorsSince(from);
    expect(errors.map((l) => [l.bot, l.msg])).toEqual([
      [
        "poster",
        "handler failed: chat.postMessage in C0NOSUCH1 failed: channel_not_found — the app sees no channel C0NOSUCH1: check the channel id in the bot's config (ids look like C0123ABCD), or, for a private channel, invite the app: /invite @botyard in it",
      ],
    ]);

    from = h.raw.length;
    h.slack.failNext("conversations.setTopic", "missing_scope", 1, { needed: "channels:manage", provided: "chat:write,channels:read" });
    await say("topic C0OPSROOM on call: alice");
    errors = await errorsSince(from);
    expect(errors.map((l) => [l.bot, l.msg])).toEqual([
      [
        "poster",
        "handler failed: conversations.setTopic in C0OPSROOM failed: missing_scope — the app needs the channels:manage scope (it has chat:write,channels:read): add it under OAuth & Permissions at https://api.slack.com/apps, reinstall the app to the workspace, and restart botyard with the new slack.botToken if it changed",
      ],
    ]);

    from = h.raw.length;
    h.slack.failNext("chat.postMessage", "invalid_auth");
    await say("post C0OPSROOM hello");
    errors = await errorsSince(from);
    expect(errors.map((l) => [l.bot, l.msg])).toEqual([
      [
        "poster",
        "handler failed: chat.postMessage in C0OPSROOM failed: invalid_auth — Slack refused the bot token: check slack.botToken (xoxb-...); if the app was uninstalled or the token revoked, reinstall the app and update slack.botToken",
      ],
    ]);
  });
});
