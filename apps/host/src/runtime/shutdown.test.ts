import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// While a graceful stop waits for in-flight handlers, Slack keeps sending. An envelope that arrives
// then must stay unacked (Slack redelivers it to another replica or after the restart), because
// the stopping engine would not run it: acking it would lose it.
const slow = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "slow", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async (ctx) => {
      ctx.log.info("slow handler started");
      await new Promise((r) => setTimeout(r, 1_000));
      return { status: 200, body: { done: true } };
    });
    bot.message(/^ping$/, async (ctx) => { await ctx.say("pong"); });
  },
});
`;

describe("graceful shutdown and Slack intake", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost("bots:\n  - id: slow\n    use: botyard-plugin-slow\n", {
      setup: (project, slack) => {
        project.plugin("botyard-plugin-slow", slow);
        slack.createChannel("ops", { id: "C0OPSSHUT" });
        slack.addUser({ id: "U0BOBSHUT", name: "bob" });
      },
    });
  });
  afterAll(() => h.close());

  it("leaves an envelope that arrives during the shutdown wait unacked, and runs nothing for it", async () => {
    const inflight = fetch(`${h.url}/hooks/slow`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    await expect.poll(() => h.raw.some((l) => l.includes("slow handler started"))).toBe(true);

    const stopped = h.host.stop();
    const sent = await h.slack.sendMessage({ channel: "C0OPSSHUT", user: "U0BOBSHUT", text: "ping" });
    const eventId = sent.events[0]!.eventId;
    // The socket is still open while the slow handler finishes: the envelope reached the host.
    await expect.poll(() => h.slack.envelopes.find((e) => e.eventId === eventId)?.state).toBe("sent");
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.envelopes.find((e) => e.eventId === eventId)?.state).toBe("sent");

    expect((await inflight).status).toBe(200);
    expect(await stopped).toEqual({ unfinished: 0 });
    expect(h.slack.envelopes.find((e) => e.eventId === eventId)?.state).not.toBe("acked");
    expect(h.slack.messages("C0OPSSHUT").map((m) => m.text)).not.toContain("pong");
  });
});
