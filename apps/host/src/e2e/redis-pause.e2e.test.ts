import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { TcpProxy, type TempProject } from "@botyard/test-support";
import { deleteRedisPrefix } from "../test-support/redis.js";
import { botyard, userProject } from "../test-support/temp-project.js";

// Two replicas on one Redis, which stops answering for 4 s under load (held at a TCP proxy: what
// was sent is delivered when it answers again, as with Redis's CLIENT PAUSE). An event Botyard
// acked is handled, once; a webhook is refused with 503, never 500, while the store cannot commit
// it; and everything resumes by itself.
const REDIS = { host: "127.0.0.1", port: 6379 };
const CHANNEL = "C0PAUSED1";

const plugin = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "pause-probe", core: "^1.0.0", config: Type.Object({ channel: Type.String() }),
  setup(bot, config) {
    bot.message(/^ping (\\S+)$/, async (ctx) => { await ctx.say("pong " + ctx.match[1]); });
    bot.webhook("/", { durable: true, dedupeKey: (req) => req.body.id }, async (ctx) => {
      const id = ctx.event.body.id;
      await ctx.once("hook/" + id, () => ctx.slack.chat.postMessage({ channel: config.channel, text: "hook " + id }));
    });
  },
});
`;

describe("two replicas while Redis stops answering for 4 s", () => {
  const proxy = new TcpProxy(REDIS);
  const prefix = `botyard-pause:${process.pid}-${Date.now()}:`;
  let slack: SlackEmulator;
  let project: TempProject;
  let replicas: HostProcess[];
  let ports: number[];

  beforeAll(async () => {
    const redis = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      throw new Error(`This test needs Redis on 127.0.0.1:6379 (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(error as Error).message}`);
    } finally {
      redis.disconnect();
    }
    await proxy.start();
    slack = await SlackEmulator.start();
    slack.createChannel("paused", { id: CHANNEL });
    slack.addUser({ id: "U0ALICE01", name: "alice" });
    project = userProject();
    project.plugin("botyard-plugin-pause-probe", plugin);
    project.write(
      "bots.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "${slack.apiUrl}" }
http: { port: 0 }
store: { type: redis, url: "redis://127.0.0.1:${proxy.port}", prefix: "${prefix}" }
queue: { leaseMs: 2000 }
bots:
  - id: probe
    use: botyard-plugin-pause-probe
    config: { channel: ${CHANNEL} }
`,
    );
    const env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    replicas = [0, 1].map(() => botyard({ args: ["start"], env, cwd: project.dir }));
    ports = await Promise.all(replicas.map((r) => r.port()));
    await Promise.all(replicas.map((r) => r.waitForLine((l) => l.msg === "botyard host ready")));
    await slack.waitForConnection(2);
  }, 30_000);

  afterAll(async () => {
    for (const r of replicas ?? []) r.kill("SIGKILL");
    proxy.hold(false);
    await proxy.stop();
    await deleteRedisPrefix(prefix);
    await slack?.close();
    project?.remove();
  });

  it("handles every acked event once, answers webhooks 503 (never 500) meanwhile, and resumes by itself", async () => {
    const statuses: number[] = [];
    const acked = new Set<string>();
    let sending = true;
    // Two senders post deliveries to both replicas in turn, retrying each until it gets a 2xx.
    const senders = [0, 1].map(async (s) => {
      for (let i = 0; sending; i++) {
        const id = `d${s}-${i}`;
        for (let attempt = 0; ; attempt++) {
          const port = ports[(i + attempt) % 2]!;
          const res = await fetch(`http://127.0.0.1:${port}/hooks/probe`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id }) });
          await res.arrayBuffer();
          statuses.push(res.status);
          if (res.status >= 200 && res.status < 300) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        acked.add(id);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    // 30 messages over 4.5 s; Redis stops answering after the first few and for 4 s.
    const messages: string[] = [];
    const talk = (async () => {
      for (let i = 0; i < 30; i++) {
        await slack.sendMessage({ channel: CHANNEL, user: "U0ALICE01", text: `ping m${i}` });
        messages.push(`m${i}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    proxy.hold(true);
    await new Promise((r) => setTimeout(r, 4_000));
    proxy.hold(false);
    await talk;
    await new Promise((r) => setTimeout(r, 1_000));
    sending = false;
    await Promise.all(senders);

    const count = (text: string) => slack.messages(CHANNEL).filter((m) => m.text === text).length;
    const unanswered = () => ({ pongs: messages.filter((m) => count(`pong ${m}`) === 0), hooks: [...acked].filter((id) => count(`hook ${id}`) === 0) });
    await expect.poll(unanswered, { timeout: 30_000, interval: 200 }).toEqual({ pongs: [], hooks: [] });
    await new Promise((r) => setTimeout(r, 1_000));
    // Every message answered exactly once: none acked and dropped, none handled by both replicas.
    expect(messages.filter((m) => count(`pong ${m}`) !== 1)).toEqual([]);
    expect([...acked].filter((id) => count(`hook ${id}`) !== 1)).toEqual([]);
    expect(statuses.filter((s) => s === 500)).toEqual([]);
    // The outage was seen, and said so: the store's health went down and came back on both replicas.
    for (const replica of replicas) {
      expect(replica.lines.some((l) => l.msg === "store unreachable: intake paused, host not ready until it answers")).toBe(true);
      await replica.waitForLine((l) => l.msg === "store reachable again: intake resumed", 10_000);
    }
    const refused = statuses.filter((s) => s === 503).length;
    console.info(`redis pause: 30 messages, ${acked.size} webhook deliveries acknowledged, ${refused} answers of 503 and 0 of 500 during the pause, each handled once`);
  }, 60_000);
});
