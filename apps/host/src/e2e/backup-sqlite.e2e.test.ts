import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, freePort, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

// The 3 a.m. backup: a host on SQLite (which holds its file: nothing else may open it) keeps
// taking webhook writes while `botyard backup` has it copy its store; a second host started on
// the copy serves the data. Real processes, the real CLI.
const PLUGIN = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "ledger", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/keep", async (ctx) => {
      const n = ctx.event.body.n;
      await ctx.store.set("entry:" + String(n).padStart(6, "0"), { n, note: "x".repeat(200) });
      return { status: 200, body: { n } };
    });
    bot.webhook("/entries", async (ctx) => ({ status: 200, body: { keys: (await ctx.store.list("entry:")).map((e) => e.key) } }));
  },
});`;

const TOKEN = "admin-token-backup-e2e-0123456789abcdef";

describe("botyard backup: an online copy of a running host's SQLite store (end to end)", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  const hosts: HostProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    project = userProject();
    project.plugin("botyard-plugin-ledger", PLUGIN);
    env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_ADMIN_TOKEN: TOKEN, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) host.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  const config = (port: number, adminPort: number, storePath: string) =>
    `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: ${port} }\nadmin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: ${adminPort} }\nstore: { type: sqlite, path: ${storePath} }\nbots:\n  - id: ledger\n    use: botyard-plugin-ledger\n`;

  async function command(args: string[], commandEnv = env): Promise<{ code: number | null; out: string }> {
    const p = botyard({ args, env: commandEnv, cwd: project.dir });
    const { code } = await p.exited;
    return { code, out: p.output };
  }

  async function startHost(file: string): Promise<HostProcess> {
    const host = botyard({ args: ["start", "--config", file], env, cwd: project.dir });
    hosts.push(host);
    await host.waitForLine((l) => l.msg === "botyard host ready", 20_000);
    return host;
  }

  const keep = (url: string, n: number) => fetch(`${url}/hooks/ledger/keep`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) });

  it("copies the store while a webhook bot writes; a second host started on the copy sees the data; refused without the token", async () => {
    const [port, adminPort, port2, adminPort2] = [await freePort(), await freePort(), await freePort(), await freePort()];
    project.write("bots.yaml", config(port, adminPort, ".botyard/state.db"));
    const host = await startHost("bots.yaml");
    const url = `http://127.0.0.1:${port}`;
    for (let n = 0; n < 300; n++) expect((await keep(url, n)).status).toBe(200);

    // Without the token: refused, nothing written.
    const refused = await command(["backup", "--out", "refused.db"], { ...env, BOTYARD_ADMIN_TOKEN: "not-the-token-0123456789abcdef" });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("BOTYARD_ERR_ADMIN_UNAUTHORIZED");
    expect(existsSync(join(project.dir, "refused.db"))).toBe(false);

    // Deliveries keep arriving, four at a time, for as long as the backup runs.
    let writing = true;
    let next = 300;
    const failures: number[] = [];
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const res = await keep(url, next++);
        if (res.status !== 200) failures.push(res.status);
      }
    });
    project.write("backups/.keep", "");
    const backedUp = await command(["backup", "--out", "backups/state-copy.db"]);
    writing = false;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    expect(next).toBeGreaterThan(300);
    expect(backedUp.code).toBe(0);
    expect(backedUp.out).toMatch(/backed up the store to .*backups\/state-copy\.db: [\d.]+ KiB \(\d+ pages\) in \d+ ms/);
    const copyFile = join(project.dir, "backups/state-copy.db");
    expect(readdirSync(join(project.dir, "backups")).sort()).toEqual([".keep", "state-copy.db"]);

    // A second host on the copy (its own ports) while the first one runs on: it has every entry
    // written before the backup was asked for, and the original kept serving.
    project.write("restored.yaml", config(port2, adminPort2, copyFile));
    await startHost("restored.yaml");
    const restored = (await (await fetch(`http://127.0.0.1:${port2}/hooks/ledger/entries`, { method: "POST" })).json()) as { keys: string[] };
    const numbers = restored.keys.map((k) => Number(k.slice("entry:".length)));
    for (let n = 0; n < 300; n++) expect(numbers).toContain(n);
    // Consistent: what the copy holds of the writes made during the backup has no gaps beyond the
    // writers' interleaving (at most the four in flight at the moment of the copy's last step).
    expect(numbers.length).toBeGreaterThanOrEqual(300);
    expect(Math.max(...numbers) - numbers.length).toBeLessThan(4);
    const original = (await (await fetch(`${url}/hooks/ledger/entries`, { method: "POST" })).json()) as { keys: string[] };
    expect(original.keys.length).toBe(next);

    // The host's log says what it wrote, for the operator reading it later.
    expect(host.output).toMatch(/"msg":"store backed up through the admin endpoint"/);
    expect((await host.stop()).code).toBe(0);
    expect(host.output).not.toContain(TOKEN);
  }, 90_000);
});
