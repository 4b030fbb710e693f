import { afterEach, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { HELLO_PLUGIN_DIR } from "../test-support/temp-project.js";

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("readiness and the admin port", () => {
  it("follows the Socket Mode connection: not ready while Slack is away, ready again once reconnected", async () => {
    h = await startInProcessHost("bots: []\n");
    const ready = async () => (await fetch(`${h!.url}/readyz`)).status;
    expect(await ready()).toBe(200);
    // Slack drops the socket; the client reconnects through apps.connections.open.
    h.slack.setLatency("apps.connections.open", 500);
    h.slack.dropConnections();
    await expect.poll(ready, { timeout: 5_000, interval: 20 }).toBe(503);
    await expect.poll(ready, { timeout: 10_000 }).toBe(200);
    expect(h.raw.some((l) => l.includes("Socket Mode connection lost; reconnecting"))).toBe(true);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it("serves health, readiness, metrics and status on the admin port only, webhooks on the public one", async () => {
    h = await startInProcessHost("bots:\n  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0GENERAL1 }\n", {
      httpExtra: "adminPort: 0",
      setup: (project, slack) => {
        slack.createChannel("general", { id: "C0GENERAL1" });
        project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
      },
    });
    const admin = `http://127.0.0.1:${h.host.adminPort}`;
    for (const path of ["/healthz", "/readyz", "/metrics", "/status"]) {
      expect((await fetch(`${admin}${path}`)).status, path).toBe(200);
      expect((await fetch(`${h.url}${path}`)).status, path).toBe(404);
    }
    const hook = await fetch(`${h.url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    expect(hook.status).toBe(200);
    expect((await fetch(`${admin}/hooks/hello/notify`, { method: "POST", body: "{}" })).status).toBe(404);
  });

  it("stays ready with one failed bot, and names it and why in the body", async () => {
    const broken = `
      import { definePlugin, Type } from "@botyard/core";
      export default definePlugin({ name: "broken", core: "^1.0.0", config: Type.Object({}), setup() { throw new Error("no API key configured"); } });
    `;
    h = await startInProcessHost("bots:\n  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0GENERAL2 }\n  - id: broken\n    use: botyard-plugin-broken\n", {
      setup: (project, slack) => {
        slack.createChannel("general", { id: "C0GENERAL2" });
        project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
        project.plugin("botyard-plugin-broken", broken);
      },
    });
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ready: true,
      bots: [
        { id: "hello", state: "running" },
        { id: "broken", state: "failed", reason: expect.stringContaining("no API key configured") },
      ],
    });
  });

  it("refuses to start when Slack rejects the bot token, saying what to check", async () => {
    await expect(startInProcessHost("bots: []\n", { env: { SLACK_BOT_TOKEN: "xoxb-not-a-real-token" } })).rejects.toMatchObject({
      code: "BOTYARD_ERR_HOST_START",
      message: expect.stringContaining("Slack refused the bot token (invalid_auth)"),
    });
  });
});
