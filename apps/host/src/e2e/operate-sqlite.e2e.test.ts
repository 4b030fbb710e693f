import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, freePort, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

// An operator's night with the real processes: a host on SQLite (which holds its file, so every
// command goes through the host), dead letters seen, replayed and dropped with `botyard
// deadletters`, counted in `botyard list`, and bots.yaml changed under the host with SIGHUP and
// `botyard reload`.
const PLUGIN = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "ledger", core: "^1.0.0",
  config: Type.Object({ label: Type.String() }),
  setup(bot, config) {
    bot.webhook("/post", { durable: { maxAttempts: 1 } }, async () => { throw new Error("the ledger API said no"); });
    bot.webhook("/label", async () => ({ status: 200, body: { label: config.label } }));
  },
});`;

const TOKEN = "admin-token-e2e-0123456789abcdef";

describe("operating a host on SQLite: botyard deadletters, list, reload and SIGHUP (end to end)", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let host: HostProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    project = userProject();
    project.plugin("botyard-plugin-ledger", PLUGIN);
    env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_ADMIN_TOKEN: TOKEN, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
  });

  afterEach(async () => {
    host?.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  const config = (port: number, adminPort: number, bots: string) =>
    `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: ${port} }\nadmin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: ${adminPort} }\nbots:\n${bots}`;
  const bot = (id: string, label: string) => `  - id: ${id}\n    use: botyard-plugin-ledger\n    config: { label: ${label} }\n`;

  /** Runs a botyard command to its end, from the project directory (bots.yaml there gives the address). */
  async function command(args: string[], commandEnv = env): Promise<{ code: number | null; out: string }> {
    const p = botyard({ args, env: commandEnv, cwd: project.dir });
    const { code } = await p.exited;
    return { code, out: p.output };
  }

  it("shows, replays and drops dead letters through the host, counts them in botyard list, and reloads bots.yaml on SIGHUP and botyard reload", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    project.write("bots.yaml", config(port, adminPort, bot("ledger", "v1")));
    host = botyard({ args: ["start"], env, cwd: project.dir });
    await host.waitForLine((l) => l.msg === "botyard host ready", 20_000);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 2; i++) expect((await fetch(`${url}/hooks/ledger/post`, { method: "POST", body: `{"n":${i}}`, headers: { "content-type": "application/json" } })).status).toBe(202);
    await host.waitForLine((l) => typeof l.msg === "string" && l.msg.includes("dead-letter"), 10_000);
    await new Promise((r) => setTimeout(r, 300));

    const listed = await command(["deadletters", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain("bot ledger  trigger webhook:/post  1 attempts");
    expect(listed.out).toContain("2 dead letters.");
    const list = await command(["list"]);
    expect(list.out).toContain(`host at 127.0.0.1:${port}`);
    expect(list.out).toMatch(/ledger {2}ledger@1\.2\.3.*running {2}2 dead letters \(botyard deadletters list --bot ledger\)/);
    const refused = await command(["deadletters", "list"], { ...env, BOTYARD_ADMIN_TOKEN: "not-the-token-0123456789abcdef" });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("BOTYARD_ERR_ADMIN_UNAUTHORIZED");

    const replayed = await command(["deadletters", "replay", "--all"]);
    expect(replayed.out).toContain("replayed 2 dead letters as new jobs");
    const dropped = await command(["deadletters", "drop", "--bot", "ledger"]);
    expect(dropped.code).toBe(0);

    // SIGHUP: a new bot starts, the old one is untouched.
    project.write("bots.yaml", config(port, adminPort, bot("ledger", "v1") + bot("second", "s1")));
    host.kill("SIGHUP");
    await host.waitForLine((l) => typeof l.msg === "string" && l.msg.startsWith("bots.yaml reloaded: 1 added"), 10_000);
    expect(await (await fetch(`${url}/hooks/second/label`, { method: "POST" })).json()).toEqual({ label: "s1" });

    // botyard reload: a changed bot restarts with its new config.
    project.write("bots.yaml", config(port, adminPort, bot("ledger", "v2") + bot("second", "s1")));
    const reloaded = await command(["reload"]);
    expect(reloaded.code).toBe(0);
    expect(reloaded.out).toContain("reloaded: 0 added, 0 removed, 1 restarted, 1 unchanged");
    expect(await (await fetch(`${url}/hooks/ledger/label`, { method: "POST" })).json()).toEqual({ label: "v2" });

    // A broken file is refused with its line and column, and the bots carry on.
    project.write("bots.yaml", config(port, adminPort, bot("ledger", "v3") + "  - id: second\n    use: botyard-plugin-ledger\n    config: { label: 7 }\n"));
    const broken = await command(["reload"]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/bots\.yaml:\d+:\d+ {2}bots\[1\]\.config\.label/);
    expect(broken.out).toContain("BOTYARD_ERR_RELOAD_REFUSED");
    expect(await (await fetch(`${url}/hooks/ledger/label`, { method: "POST" })).json()).toEqual({ label: "v2" });

    expect((await host.stop()).code).toBe(0);
    expect(host.output).not.toContain(TOKEN);
  }, 60_000);
});
