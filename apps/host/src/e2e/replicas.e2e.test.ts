import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { REDIS_URL, deleteRedisPrefix, requireRedis } from "../test-support/redis.js";
import { botyard, userProject } from "../test-support/temp-project.js";

// Two `botyard start` processes, one bots.yaml, one Redis, one Slack: every schedule tick,
// webhook and Slack event is acted on once in total, and a replica killed mid-run loses nothing
// that comes after it.

const plugin = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "replica-probe", core: "^1.0.0",
  config: Type.Object({ channel: Type.String(), workMs: Type.Integer() }),
  setup(bot, config) {
    bot.schedule("* * * * * *", async (ctx) => {
      const at = ctx.event.scheduledAt.getTime();
      await ctx.slack.chat.postMessage({ channel: config.channel, text: "tick " + at + " pid " + process.pid });
      await new Promise((r) => setTimeout(r, config.workMs));
    });
    bot.webhook("/", { dedupeKey: (req) => req.body.id }, async (ctx) => {
      await ctx.slack.chat.postMessage({ channel: config.channel, text: "hook " + ctx.event.body.id });
    });
    bot.message(/^ping (\\w+)$/, async (ctx) => { await ctx.say("pong " + ctx.match[1]); });
  },
});
`;

describe("two replicas sharing Redis", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let replicas: HostProcess[];
  let ports: number[];
  const prefix = `botyard-test:${process.pid}-${Date.now()}:`;

  beforeAll(async () => {
    await requireRedis();
    slack = await SlackEmulator.start();
    slack.createChannel("ops", { id: "C0OPSTEAM" });
    slack.addUser({ id: "U0ALICE", name: "alice" });
    project = userProject();
    project.plugin("botyard-plugin-replica-probe", plugin);
    project.write(
      "bots.yaml",
      `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: 0 }\nstore: { type: redis, url: "\${REDIS_URL}", prefix: "${prefix}" }\nbots:\n  - id: probe\n    use: botyard-plugin-replica-probe\n    config: { channel: C0OPSTEAM, workMs: 400 }\n`,
    );
    const env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, REDIS_URL, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    replicas = [0, 1].map(() => botyard({ args: ["start"], env, cwd: project.dir }));
    ports = await Promise.all(replicas.map((r) => r.port()));
    await Promise.all(replicas.map((r) => r.waitForLine((l) => l.msg === "botyard host ready")));
    await slack.waitForConnection(2);
  }, 30_000);

  afterAll(async () => {
    for (const r of replicas ?? []) r.kill("SIGKILL");
    await deleteRedisPrefix(prefix);
    await slack?.close();
    project?.remove();
  });

  const ticks = () =>
    slack
      .messages("C0OPSTEAM")
      .map((m) => /^tick (\d+) pid (\d+)$/.exec(m.text ?? ""))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ at: Number(m[1]), pid: Number(m[2]) }));

  it("runs each tick of a per-second schedule exactly once in total, on either replica", async () => {
    await new Promise((r) => setTimeout(r, 10_000));
    const seen = ticks();
    const byTime = new Map<number, number>();
    for (const t of seen) byTime.set(t.at, (byTime.get(t.at) ?? 0) + 1);
    expect([...byTime.values()].every((n) => n === 1), JSON.stringify(seen)).toBe(true);
    // Ten seconds of ticks, give or take the start (generous: shared machines are noisy).
    expect(byTime.size).toBeGreaterThanOrEqual(8);
    const times = [...byTime.keys()].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1_000);
    // Both replicas took part: the work is shared, not pinned to one.
    expect(new Set(seen.map((t) => t.pid)).size).toBe(2);
  }, 20_000);

  it("answers the same webhook delivered to both replicas once", async () => {
    const post = (port: number) =>
      fetch(`http://127.0.0.1:${port}/hooks/probe`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: "deploy-42" }) });
    const answers = await Promise.all([post(ports[0]!), post(ports[1]!)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200]);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.messages("C0OPSTEAM").filter((m) => m.text === "hook deploy-42")).toHaveLength(1);
  });

  it("answers the same Slack event delivered to both sockets once", async () => {
    const event = { type: "message", channel: "C0OPSTEAM", user: "U0ALICE", team: slack.teamId, text: "ping twice", ts: `${Date.now() / 1000}` };
    // Slack sends each envelope to one connection, round robin: twice with one event_id reaches both.
    const first = await slack.deliverEvent(event, { eventId: "Ev0REPLICA" });
    const second = await slack.deliverEvent(event, { eventId: "Ev0REPLICA", retryAttempt: 1, retryReason: "timeout" });
    await slack.waitForAck(first.envelopeId);
    await slack.waitForAck(second.envelopeId);
    const sockets = new Set(slack.envelopes.filter((e) => e.eventId === "Ev0REPLICA").map((e) => e.connectionId));
    expect(sockets.size).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.messages("C0OPSTEAM").filter((m) => m.text === "pong twice")).toHaveLength(1);
  });

  it("keeps every later tick, none lost or doubled, when a replica is killed mid-run", async () => {
    // Wait for a tick to start, and kill the replica running it while its handler works.
    const before = ticks().length;
    await slack.waitFor(() => ticks().length > before, 5_000);
    const victimTick = ticks().at(-1)!;
    const victim = replicas.find((r) => r.pid === victimTick.pid)!;
    const survivor = replicas.find((r) => r !== victim)!;
    victim.kill("SIGKILL");
    await victim.exited;

    await new Promise((r) => setTimeout(r, 6_000));
    const after = ticks().filter((t) => t.at > victimTick.at);
    const times = after.map((t) => t.at);
    expect(new Set(times).size, JSON.stringify(after)).toBe(times.length);
    expect(after.every((t) => t.pid === survivor.pid)).toBe(true);
    expect(times.length).toBeGreaterThanOrEqual(4);
    const sorted = [...times].sort((a, b) => a - b);
    expect(sorted[0]).toBe(victimTick.at + 1_000);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBe(1_000);
  }, 20_000);
});
