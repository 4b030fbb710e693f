import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

// A durable webhook's handler that notes when it starts and ends, and holds the delivery until a
// file appears: the first host is killed while it holds it.
const plugin = `
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "ledger", core: "^1.0.0", config: Type.Object({ dir: Type.String() }),
  setup(bot, config) {
    bot.webhook("/", { durable: true }, async (ctx) => {
      const id = ctx.event.body.id;
      appendFileSync(join(config.dir, "started.log"), id + " " + process.pid + "\\n");
      while (!existsSync(join(config.dir, "release"))) await new Promise((r) => setTimeout(r, 20));
      appendFileSync(join(config.dir, "done.log"), id + " " + process.pid + "\\n");
    });
  },
});
`;

describe("a durable webhook across a crash (real processes, SQLite)", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  const hosts: HostProcess[] = [];

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    project = userProject();
    project.plugin("botyard-plugin-ledger", plugin);
    project.write(
      "bots.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "${slack.apiUrl}" }
http: { port: 0 }
store: { type: sqlite, path: state/botyard.db }
queue: { leaseMs: 1000 }
bots:
  - id: ledger
    use: botyard-plugin-ledger
    config: { dir: ${JSON.stringify(project.dir)} }
`,
    );
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) host.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  const start = async () => {
    const host = botyard({
      args: ["start", "--config", "bots.yaml"],
      env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" },
      cwd: project.dir,
    });
    hosts.push(host);
    const port = await host.port();
    await host.waitForLine((l) => l.msg === "botyard host ready");
    return { host, url: `http://127.0.0.1:${port}` };
  };
  const log = (name: string) => (existsSync(join(project.dir, name)) ? readFileSync(join(project.dir, name), "utf8").split("\n").filter(Boolean) : []);

  it("hands a delivery claimed by a killed host to the restarted one, which completes it exactly once", async () => {
    const first = await start();
    const res = await fetch(`${first.url}/hooks/ledger`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"id":"delivery-1"}' });
    expect(res.status).toBe(202);
    await expect.poll(() => log("started.log"), { timeout: 5_000 }).toEqual([`delivery-1 ${first.host.pid}`]);

    first.host.kill("SIGKILL");
    expect(await first.host.exited).toMatchObject({ signal: "SIGKILL" });
    expect(log("done.log")).toEqual([]);

    project.write("release", "");
    const second = await start();
    await expect.poll(() => log("done.log"), { timeout: 10_000 }).toEqual([`delivery-1 ${second.host.pid}`]);
    // Acked once done: no third run, however long we wait past the lease.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(log("started.log")).toEqual([`delivery-1 ${first.host.pid}`, `delivery-1 ${second.host.pid}`]);
    expect(log("done.log")).toEqual([`delivery-1 ${second.host.pid}`]);

    second.host.kill("SIGTERM");
    expect(await second.host.exited).toEqual({ code: 0, signal: null });
  });
});
