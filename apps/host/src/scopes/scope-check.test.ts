import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../cli/run-cli.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { HELLO_PLUGIN_DIR } from "../test-support/temp-project.js";

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BOTS = `bots:
  - id: hello
    use: botyard-plugin-hello
    config: { channel: C0GENERAL }
  - id: greeter
    use: botyard-plugin-hello
    config: { channel: C0GENERAL, command: /greet }
`;

async function hostWithScopes(scopes: string[] | undefined): Promise<InProcessHost> {
  return startInProcessHost(BOTS, {
    setup: (project, emulator) => {
      emulator.createChannel("general", { id: "C0GENERAL" });
      project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
      if (scopes) emulator.setScopes(scopes);
    },
  });
}

describe("the start-time scope check", () => {
  it("reports, for each bot missing a scope, which scope and how to fix it: in the log, /readyz, botyard list and /metrics, without making the host unready", async () => {
    // hello needs chat:write (declared), channels:history and groups:history (its message
    // trigger) and commands (its slash command). The token lacks commands and groups:history.
    h = await hostWithScopes(["chat:write", "channels:history"]);

    const warnings = h.raw.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.code === "BOTYARD_ERR_SLACK_SCOPES_MISSING");
    expect(warnings.map((w) => [w.bot, w.missingScopes])).toEqual([
      ["hello", ["commands", "groups:history"]],
      ["greeter", ["commands", "groups:history"]],
    ]);
    expect(warnings[0]!.msg).toMatch(/bot "hello" needs the Slack scopes commands, groups:history, which the bot token lacks.*botyard manifest.*reinstall/);

    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ready: boolean; scopes: { checked: boolean; missing: Record<string, string[]> } };
    expect(body.ready).toBe(true);
    expect(body.scopes).toMatchObject({ checked: true, missing: { hello: ["commands", "groups:history"], greeter: ["commands", "groups:history"] } });

    const file = h.project.write("list.yaml", `slack: { appToken: x, botToken: y }\nhttp: { port: ${h.host.port} }\nbots: []\n`);
    const out: string[] = [];
    const sink = new Writable({ write: (c, _e, done) => (out.push(String(c)), done()) });
    expect(await run(["list", "--config", file], { stdout: sink, stderr: sink, env: {} })).toBe(0);
    expect(out.join("")).toMatch(/^hello .*\n(?: {4}.*\n)* {4}missing Slack scopes: commands, groups:history \(update the app from `botyard manifest` and reinstall it\)$/m);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('botyard_slack_missing_scopes{bot="hello"} 2');
    expect(metrics).toContain('botyard_slack_missing_scopes{bot="greeter"} 2');
  });

  it("says nothing and lists nothing missing when the token has every scope the bots need", async () => {
    h = await hostWithScopes(["chat:write", "channels:history", "groups:history", "commands"]);
    expect(h.raw.filter((line) => line.includes("BOTYARD_ERR_SLACK_SCOPES_MISSING") || line.includes("were not checked"))).toEqual([]);
    expect(h.host.scopes).toEqual({ checked: true, granted: ["channels:history", "chat:write", "commands", "groups:history"], missing: {} });
    expect(await (await fetch(`${h.url}/metrics`)).text()).not.toMatch(/^botyard_slack_missing_scopes\{/m);
  });

  it("checks again on a reload: once the app is reinstalled with the scopes, the bots are no longer reported", async () => {
    h = await hostWithScopes(["chat:write", "channels:history"]);
    expect(Object.keys(h.host.scopes.missing)).toEqual(["hello", "greeter"]);

    // The operator reinstalls the app from `botyard manifest`: the same token now has the scopes.
    h.slack.setScopes(["chat:write", "channels:history", "groups:history", "commands"]);
    const report = await h.host.reload();
    expect(report.outcome).toBe("applied");
    await expect.poll(() => h!.host.scopes.missing).toEqual({});
    expect(await (await fetch(`${h.url}/metrics`)).text()).not.toMatch(/^botyard_slack_missing_scopes\{/m);
  });
});
