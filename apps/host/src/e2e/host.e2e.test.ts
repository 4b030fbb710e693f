import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { HELLO_PLUGIN_DIR, botyard, userProject } from "../test-support/temp-project.js";

// The whole product in one test: the built `botyard start` process, the example plugin from the
// repo, Slack over Socket Mode, webhooks over HTTP, a schedule, readiness and a graceful exit.
describe("botyard start (end to end)", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.createChannel("general", { id: "C0GENERAL" });
    slack.addUser({ id: "U0ALICE", name: "alice", email: "alice@example.com" });
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
  });

  afterEach(async () => {
    host?.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  it("answers Slack, turns a webhook into a message, runs a schedule, becomes ready, and exits 0 on SIGTERM", async () => {
    project.write(
      "bots.yaml",
      `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${slack.apiUrl}
http: { port: 0 }
store: { type: memory }
bots:
  - id: hello
    use: botyard-plugin-hello
    config:
      channel: C0GENERAL
      heartbeat: "* * * * * *"
`,
    );
    // Slack takes a while to open the socket: /readyz must say not-ready until it has.
    slack.setLatency("apps.connections.open", 1_500);
    host = botyard({
      args: ["start", "--config", "bots.yaml"],
      env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" },
      cwd: project.dir,
    });
    const base = `http://127.0.0.1:${await host.port()}`;

    const early = await fetch(`${base}/readyz`);
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ ready: false, slack: { connected: false } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await host.waitForLine((l) => l.msg === "botyard host ready");
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, slack: { connected: true }, bots: [{ id: "hello", state: "running" }] });

    // A message over Socket Mode gets a reply.
    await slack.sendMessage({ channel: "C0GENERAL", user: "U0ALICE", text: "hello botyard" });
    await slack.waitFor(() => slack.messages("C0GENERAL").some((m) => m.text === "Hello, <@U0ALICE>!"), 10_000);

    // A webhook POST produces a message.
    const hook = await fetch(`${base}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "deploy finished" }) });
    expect(hook.status).toBe(200);
    expect(slack.messages("C0GENERAL").map((m) => m.text)).toContain("deploy finished");

    // The every-second heartbeat fires, again and again (generous: shared machines are noisy).
    await slack.waitFor(() => slack.messages("C0GENERAL").filter((m) => m.text?.startsWith("heartbeat #")).length >= 3, 15_000);
    const beats = slack.messages("C0GENERAL").filter((m) => m.text?.startsWith("heartbeat #")).map((m) => m.text);
    expect(beats.slice(0, 3)).toEqual(["heartbeat #1", "heartbeat #2", "heartbeat #3"]);

    host.kill("SIGTERM");
    expect(await host.exited).toEqual({ code: 0, signal: null });
    expect(host.lines.some((l) => l.msg === "stopped")).toBe(true);
  });
});
