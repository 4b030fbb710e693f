import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, freePort, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { HELLO_PLUGIN_DIR, botyard, userProject } from "../test-support/temp-project.js";

// One bot's plugin failing at start must not take the host or the other bots with it: the real
// `botyard start` process with a bot whose setup throws, one whose onStart hook hangs but listens
// to ctx.signal, one whose hook hangs and ignores it, and the example bot, which must still answer.

const brokenSetup = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({ name: "broken", core: "^1.0.0", config: Type.Object({}), setup() { throw new Error("no API key configured"); } });
`;

// Waits forever for something at start; writes the abort reason's code to a file when ctx.signal aborts.
const hangingStart = `
import { writeFileSync } from "node:fs";
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "hanging", core: "^1.0.0", config: Type.Object({ deaf: Type.Boolean(), file: Type.String() }),
  setup(bot, config) {
    bot.webhook("/ping", async () => ({ status: 200, body: { ok: true } }));
    bot.onStart(async (ctx) => {
      if (config.deaf) return new Promise(() => {});
      await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => {
        writeFileSync(config.file, String(ctx.signal.reason?.code));
        reject(ctx.signal.reason);
      }));
    });
  },
});
`;

describe("a bot whose plugin fails at start (real host process)", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  const hosts: HostProcess[] = [];

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.createChannel("general", { id: "C0GENERAL9" });
    slack.addUser({ id: "U0ALICE", name: "alice", email: "alice@example.com" });
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
    project.plugin("botyard-plugin-broken", brokenSetup);
    project.plugin("botyard-plugin-hanging", hangingStart);
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) host.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  it("is reported failed with a coded reason in the log, /readyz and `botyard list`, while the host becomes ready and the other bots run", async () => {
    const port = await freePort();
    const aborted = join(project.dir, "aborted.txt");
    project.write(
      "bots.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "${slack.apiUrl}" }
http: { port: ${port} }
store: { type: memory }
startTimeoutMs: 1000
shutdownTimeoutMs: 1000
bots:
  - id: hello
    use: botyard-plugin-hello
    config: { channel: C0GENERAL9 }
  - id: broken
    use: botyard-plugin-broken
  - id: hung
    use: botyard-plugin-hanging
    config: { deaf: false, file: ${JSON.stringify(aborted)} }
  - id: deaf
    use: botyard-plugin-hanging
    config: { deaf: true, file: unused }
`,
    );
    const env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    const host = botyard({ args: ["start", "--config", "bots.yaml"], env, cwd: project.dir });
    hosts.push(host);
    const url = `http://127.0.0.1:${await host.port()}`;

    // Ready, although two start hooks never return by themselves.
    await host.waitForLine((l) => l.msg === "botyard host ready", 20_000);
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(200);
    const timedOut = (bot: string) => `Bot "${bot}" did not finish starting within 1000 ms: its bot.onStart hook was still running, and has been aborted (ctx.signal).`;
    expect(await readyz.json()).toMatchObject({
      ready: true,
      bots: [
        { id: "hello", state: "running" },
        { id: "broken", state: "failed", reason: expect.stringContaining('Bot "broken" (broken) failed in setup: no API key configured') },
        { id: "hung", state: "failed", reason: expect.stringContaining(timedOut("hung")) },
        { id: "deaf", state: "failed", reason: expect.stringContaining(timedOut("deaf")) },
      ],
    });

    // The log says which bot failed, why, and with which code.
    const errors = host.lines.filter((l) => l.level === 50);
    expect(errors).toContainEqual(expect.objectContaining({ code: "BOTYARD_ERR_PLUGIN_SETUP_FAILED", msg: expect.stringContaining("bot skipped: Bot \"broken\" (broken) failed in setup: no API key configured") }));
    for (const bot of ["hung", "deaf"]) {
      expect(errors).toContainEqual(expect.objectContaining({ bot, code: "BOTYARD_ERR_PLUGIN_START_TIMEOUT", msg: expect.stringContaining(`bot "${bot}" failed: ${timedOut(bot)}`) }));
    }
    // The hook that listens to ctx.signal was told, with the timeout as the reason.
    await expect.poll(() => (existsSync(aborted) ? readFileSync(aborted, "utf8") : ""), { timeout: 5_000 }).toBe("BOTYARD_ERR_PLUGIN_START_TIMEOUT");

    // `botyard list` asks the running host.
    const list = botyard({ args: ["list", "--config", "bots.yaml"], env, cwd: project.dir });
    expect(await list.exited).toEqual({ code: 0, signal: null });
    const listed = list.lines.map((l) => String(l.raw ?? "")).join("\n");
    expect(listed).toContain(`host at 127.0.0.1:${port}`);
    expect(listed).toMatch(/^hello {2}hello@\d+\.\d+\.\d+.* {2}running$/m);
    expect(listed).toContain('broken  broken@1.2.3 (botyard-plugin-broken)  failed: Bot "broken" (broken) failed in setup: no API key configured');
    expect(listed).toContain(`hung  hanging@1.2.3 (botyard-plugin-hanging)  failed: ${timedOut("hung")}`);
    expect(listed).toContain(`deaf  hanging@1.2.3 (botyard-plugin-hanging)  failed: ${timedOut("deaf")}`);

    // The other bot runs: Slack and webhooks. The failed bots' triggers are gone.
    await slack.sendMessage({ channel: "C0GENERAL9", user: "U0ALICE", text: "hello botyard" });
    await slack.waitFor(() => slack.messages("C0GENERAL9").some((m) => m.text === "Hello, <@U0ALICE>!"), 10_000);
    expect((await fetch(`${url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"still here"}' })).status).toBe(200);
    expect((await fetch(`${url}/hooks/hung/ping`, { method: "POST", body: "{}" })).status).toBe(404);

    // A hook that ignores its signal does not keep the host from stopping.
    host.kill("SIGTERM");
    expect(await host.exited).toEqual({ code: 0, signal: null });
  });
});
