import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { REDIS_URL, deleteRedisPrefix, requireRedis } from "../test-support/redis.js";
import { botyard, userProject } from "../test-support/temp-project.js";

// Two `botyard start` replicas on one Redis, each with its own copy of bots.yaml (as each pod has
// its own mounted file): a rolling change reloads one, then the other, and a per-second schedule
// keeps firing once per tick throughout; dead letters kept through one replica are seen, and
// replayed once, through either replica's admin endpoint.
const TOKEN = "admin-token-rolling-0123456789abcdef";

const plugin = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "rolling-probe", core: "^1.0.0",
  config: Type.Object({ channel: Type.String(), label: Type.String() }),
  setup(bot, config) {
    bot.schedule("* * * * * *", async (ctx) => {
      await ctx.slack.chat.postMessage({ channel: config.channel, text: "tick " + ctx.event.scheduledAt.getTime() + " " + config.label + " " + process.pid });
    });
    bot.webhook("/doomed", { durable: { maxAttempts: 1 } }, async () => { throw new Error("downstream refused"); });
  },
});
`;

describe("a rolling change of bots.yaml across two Redis replicas", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let replicas: HostProcess[];
  const adminPorts: number[] = [];
  const ports: number[] = [];
  const prefix = `botyard-test:rolling-${process.pid}-${Date.now()}:`;
  let env: NodeJS.ProcessEnv;

  const file = (label: string) =>
    `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: 0 }\nadmin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: 0 }\nstore: { type: redis, url: "\${REDIS_URL}", prefix: "${prefix}" }\nbots:\n  - id: probe\n    use: botyard-plugin-rolling-probe\n    config: { channel: C0OPSTEAM, label: ${label} }\n`;

  beforeAll(async () => {
    await requireRedis();
    slack = await SlackEmulator.start();
    slack.createChannel("ops", { id: "C0OPSTEAM" });
    project = userProject();
    project.plugin("botyard-plugin-rolling-probe", plugin);
    project.write("a.yaml", file("v1"));
    project.write("b.yaml", file("v1"));
    env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, REDIS_URL, BOTYARD_ADMIN_TOKEN: TOKEN, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    replicas = ["a.yaml", "b.yaml"].map((config) => botyard({ args: ["start", "--config", config], env, cwd: project.dir }));
    for (const r of replicas) {
      ports.push(await r.port());
      adminPorts.push((await r.waitForLine((l) => l.msg === "admin endpoint listening (dead letters, reload)")).adminEndpointPort as number);
    }
    await Promise.all(replicas.map((r) => r.waitForLine((l) => l.msg === "botyard host ready")));
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
      .map((m) => /^tick (\d+) (\w+) (\d+)$/.exec(m.text ?? ""))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ at: Number(m[1]), label: m[2]!, pid: Number(m[3]) }));

  async function command(args: string[]): Promise<{ code: number | null; out: string }> {
    const p = botyard({ args, env, cwd: project.dir });
    const { code } = await p.exited;
    return { code, out: p.output };
  }

  it("fires the schedule once per tick while one replica, then the other, reloads a changed bot", async () => {
    await new Promise((r) => setTimeout(r, 3_000));
    project.write("a.yaml", file("v2"));
    replicas[0]!.kill("SIGHUP");
    await replicas[0]!.waitForLine((l) => typeof l.msg === "string" && l.msg.includes("1 restarted"), 10_000);
    await new Promise((r) => setTimeout(r, 3_000));
    project.write("b.yaml", file("v2"));
    const reloaded = await command(["reload", "--config", "b.yaml", "--url", `http://127.0.0.1:${adminPorts[1]}`]);
    expect(reloaded.out).toContain("1 restarted");
    await new Promise((r) => setTimeout(r, 3_000));

    const seen = ticks();
    const byTime = new Map<number, number>();
    for (const t of seen) byTime.set(t.at, (byTime.get(t.at) ?? 0) + 1);
    expect([...byTime.values()].every((n) => n === 1), JSON.stringify(seen)).toBe(true);
    const times = [...byTime.keys()].sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, JSON.stringify(seen)).toBe(1_000);
    // The change took: the last ticks run the new config, on either replica.
    expect(seen.at(-1)?.label).toBe("v2");
    expect(seen.some((t) => t.label === "v1")).toBe(true);
  }, 40_000);

  it("shows a letter kept through one replica on the other, and two replicas replaying it at once enqueue it once", async () => {
    expect((await fetch(`http://127.0.0.1:${ports[0]}/hooks/probe/doomed`, { method: "POST" })).status).toBe(202);
    let listed = "";
    for (let i = 0; i < 50 && !listed.includes("1 dead letter."); i++) {
      listed = (await command(["deadletters", "list", "--config", "b.yaml", "--url", `http://127.0.0.1:${adminPorts[1]}`])).out;
      if (!listed.includes("1 dead letter.")) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toContain("1 dead letter.");
    // Each line the command printed is in the output as {"raw": "..."}: the id is a line of its own.
    const id = /"raw":"(deliveries\/[^"]+)"/.exec(listed)?.[1];
    expect(id).toBeDefined();
    const both = await Promise.all(adminPorts.map((port) => command(["deadletters", "replay", id!, "--url", `http://127.0.0.1:${port}`, "--config", "a.yaml"])));
    const enqueued = both.filter((r) => r.code === 0 && !r.out.includes("already replayed"));
    expect(enqueued, JSON.stringify(both)).toHaveLength(1);
    // The replayed job fails again (the bot still does): one new letter, not two.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await command(["deadletters", "list", "--config", "a.yaml", "--url", `http://127.0.0.1:${adminPorts[0]}`]);
    expect(after.out).toContain("1 dead letter.");
    expect(after.out).not.toContain(id!);
  }, 30_000);
});
