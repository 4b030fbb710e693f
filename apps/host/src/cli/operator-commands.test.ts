import type { TempProject } from "@botyard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { run } from "./run-cli.js";
import { join } from "node:path";
import { HELLO_PLUGIN_DIR, REPO_ROOT, userProject } from "../test-support/temp-project.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });
  return { io: { stdout: sink(out), stderr: sink(err), env }, out, err };
}

let project: TempProject | undefined;
let h: InProcessHost | undefined;
afterEach(async () => {
  project?.remove();
  project = undefined;
  await h?.close();
  h = undefined;
});

const config = `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}" }
http: { port: 0 }
bots:
  - id: hello
    use: botyard-plugin-hello
    config: { channel: C0GENERAL, heartbeat: "0 0 10 * * *" }
  - id: quiet
    use: botyard-plugin-hello
    enabled: false
    config: { channel: C0GENERAL }
`;

describe("botyard schema", () => {
  it("prints the JSON Schema of bots.yaml with the config schema of each plugin the file names, without needing secrets", async () => {
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
    const file = project.write("bots.yaml", config);
    const { io: cli, out } = io();
    expect(await run(["schema", "--config", file], cli)).toBe(0);
    const schema = JSON.parse(out.join(""));
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.required).toEqual(["slack", "bots"]);
    const bot = schema.properties.bots.items;
    expect(bot.allOf).toEqual([
      {
        if: { properties: { use: { const: "botyard-plugin-hello" } }, required: ["use"] },
        then: { properties: { config: expect.objectContaining({ required: ["channel"], properties: expect.objectContaining({ heartbeat: expect.any(Object) }) }) } },
      },
    ]);
  });

  it("prints the host's own schema when there is no config", async () => {
    project = userProject();
    const { io: cli, out } = io();
    expect(await run(["schema", "--config", `${project.dir}/none.yaml`], cli)).toBe(1);
    const bare = io();
    const cwd = process.cwd();
    process.chdir(project.dir);
    try {
      expect(await run(["schema"], bare.io)).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(JSON.parse(bare.out.join("")).properties.bots.items.allOf).toBeUndefined();
    expect(out).toEqual([]);
  });
});

describe("botyard list", () => {
  it("shows what the config would run when no host answers, with the next run of each schedule", async () => {
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
    const file = project.write("bots.yaml", config);
    const { io: cli, out } = io();
    expect(await run(["list", "--config", file, "--json"], cli)).toBe(0);
    const listed = JSON.parse(out.join(""));
    expect(listed.source).toBe("config only: no host answered");
    expect(listed.bots.map((b: { id: string; state: string }) => [b.id, b.state])).toEqual([
      ["hello", "not running"],
      ["quiet", "disabled"],
    ]);
    const schedule = listed.bots[0].triggers.find((t: { kind: string }) => t.kind === "schedule");
    expect(schedule.description).toBe('cron "0 0 10 * * *"');
    expect(new Date(schedule.nextRun).getUTCHours()).toBeGreaterThanOrEqual(0);
    expect(new Date(schedule.nextRun).getTime()).toBeGreaterThan(Date.now());
  });

  it("lists every bot of the demo's config without its secrets; a bot it cannot set up here is invalid, with the reason", async () => {
    const { io: cli, out } = io({});
    expect(await run(["list", "--config", join(REPO_ROOT, "examples/demo/bots.yaml"), "--json"], cli)).toBe(0);
    const listed = JSON.parse(out.join("")) as { bots: Array<{ id: string; state: string; reason?: string; triggers: unknown[] }> };
    expect(listed.bots.map((b) => [b.id, b.state, b.reason])).toEqual([
      ["hello", "not running", undefined],
      ["dogdata", "invalid", "environment variable DOGDATA_SECRET is not set (bots[1].config.secret)"],
      ["release", "invalid", "environment variable GITHUB_TOKEN is not set (bots[2].config.github.token); environment variable GITHUB_API_URL is not set (bots[2].config.github.baseUrl)"],
      ["oncall", "invalid", "environment variable PAGERDUTY_TOKEN is not set (bots[3].config.pagerduty.token); environment variable PAGERDUTY_API_URL is not set (bots[3].config.pagerduty.baseUrl)"],
      ["alertmanager", "invalid", "environment variable ALERTMANAGER_TOKEN is not set (bots[4].config.bearerToken)"],
    ]);
    expect(listed.bots[0]!.triggers).toHaveLength(3);
  });

  it("with the variables set, the same config lists every bot with its triggers", async () => {
    const env = { DOGDATA_SECRET: "a-secret-of-16-chars", GITHUB_TOKEN: "ghp_x", GITHUB_API_URL: "http://127.0.0.1:1", PAGERDUTY_TOKEN: "pd", PAGERDUTY_API_URL: "http://127.0.0.1:2", ALERTMANAGER_TOKEN: "a-bearer-token-of-24-chars" };
    const { io: cli, out } = io(env);
    expect(await run(["list", "--config", join(REPO_ROOT, "examples/demo/bots.yaml")], cli)).toBe(0);
    const text = out.join("");
    expect(text.match(/^\S+ {2}.* {2}not running$/gm)).toHaveLength(5);
    expect(text).toMatch(/^ {4}sync: cron "\*\/5 \* \* \* \*"; next \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/m);
    expect(text).not.toContain("botyard validate");
  });

  it("names the problem of a bot whose plugin is missing or whose config its plugin rejects, and still lists the others", async () => {
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
    const file = project.write(
      "bots.yaml",
      `${config}  - id: nochannel\n    use: botyard-plugin-hello\n    config: { command: /hi }\n  - id: ghost\n    use: botyard-plugin-ghost\n`,
    );
    const { io: cli, out } = io();
    expect(await run(["list", "--config", file], cli)).toBe(0);
    const text = out.join("");
    expect(text).toMatch(/^hello {2}hello@0\.1\.0 \(botyard-plugin-hello\) {2}not running$/m);
    expect(text).toMatch(/^quiet {2}botyard-plugin-hello {2}disabled$/m);
    expect(text).toMatch(/^nochannel {2}botyard-plugin-hello {2}invalid: bots\[2\]\.config(\.channel)?: .*channel/m);
    expect(text).toMatch(/^ghost {2}botyard-plugin-ghost {2}invalid: bots\[3\]\.use: cannot find plugin "botyard-plugin-ghost"/m);
    expect(text).toContain("`botyard validate` shows every problem with its line in the config.");
  });

  it("prints a bot's setup error without the secrets it quotes, when no host answers", async () => {
    project = userProject();
    project.plugin(
      "botyard-plugin-mirror",
      `import { definePlugin, Type } from "@botyard/core";
      export default definePlugin({ name: "mirror", core: "^1.0.0", config: Type.Object({ endpoint: Type.String() }),
        setup(bot, config) { throw new Error("cannot mirror to " + config.endpoint); } });`,
    );
    const file = project.write(
      "bots.yaml",
      `slack: { appToken: x, botToken: y }\nhttp: { port: 0 }\nbots:\n  - id: mirror\n    use: botyard-plugin-mirror\n    config: { endpoint: "https://mirror.example/?token=\${MIRROR_TOKEN}" }\n`,
    );
    const { io: cli, out } = io({ MIRROR_TOKEN: "mirror-token-4f1c/+" });
    expect(await run(["list", "--config", file], cli)).toBe(0);
    expect(out.join("")).toContain('mirror  mirror@1.2.3 (botyard-plugin-mirror)  failed: Bot "mirror" (mirror) failed in setup: cannot mirror to https://mirror.example/?token=[REDACTED]\n');
  });

  it("asks the running host: a dry-run bot is marked, and each schedule shows its next run", async () => {
    h = await startInProcessHost(
      `bots:
  - id: rehearsal
    use: botyard-plugin-hello
    dryRun: true
    config: { channel: C0GENERAL, heartbeat: "0 0 10 * * *" }
  - id: weekly
    use: botyard-plugin-hello
    config: { channel: C0GENERAL, command: /weekly, heartbeat: "0 30 6 * * 1" }
`,
      {
        setup: (p, slack) => {
          slack.createChannel("general", { id: "C0GENERAL" });
          p.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
        },
      },
    );
    const file = h.project.write("list.yaml", `slack: { appToken: x, botToken: y }\nhttp: { port: ${h.host.port} }\nbots: []\n`);
    const { io: cli, out } = io();
    const before = Date.now();
    expect(await run(["list", "--config", file], cli)).toBe(0);
    const text = out.join("");
    expect(text).toMatch(/^rehearsal {2}hello@0\.1\.0 \(botyard-plugin-hello\) {2}running \(dry-run\)$/m);
    expect(text).toMatch(/^weekly {2}hello@0\.1\.0 \(botyard-plugin-hello\) {2}running$/m);
    const next = (cron: string) => {
      const m = new RegExp(`^ {4}schedule:.+: cron "${cron}"; next (\\S+)$`, "m").exec(text);
      expect(m, `a next run for "${cron}" in:\n${text}`).not.toBeNull();
      return new Date(m![1]!);
    };
    // Schedules run in the host's timezone (none given): 10:00:00 daily, 06:30:00 on Mondays.
    const daily = next("0 0 10 \\* \\* \\*");
    expect([daily.getHours(), daily.getMinutes(), daily.getSeconds()]).toEqual([10, 0, 0]);
    expect(daily.getTime() - before).toBeGreaterThan(0);
    expect(daily.getTime() - before).toBeLessThanOrEqual(86_400_000);
    const weekly = next("0 30 6 \\* \\* 1");
    expect([weekly.getDay(), weekly.getHours(), weekly.getMinutes()]).toEqual([1, 6, 30]);
    expect(weekly.getTime() - before).toBeGreaterThan(0);
    expect(weekly.getTime() - before).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it("asks the running host: state, runs, last error", async () => {
    h = await startInProcessHost(
      `bots:\n  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0GENERAL }\n  - id: broken\n    use: botyard-plugin-broken\n`,
      {
        setup: (p, slack) => {
          slack.createChannel("general", { id: "C0GENERAL" });
          p.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
          p.plugin("botyard-plugin-broken", `import { definePlugin, Type } from "@botyard/core";
            export default definePlugin({ name: "broken", core: "^1.0.0", config: Type.Object({}), setup() { throw new Error("needs a token"); } });`);
        },
      },
    );
    await fetch(`${h.url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    // Point a config at the running host's port, as an operator's would be.
    const file = h.project.write("list.yaml", `slack: { appToken: x, botToken: y }\nhttp: { port: ${h.host.port} }\nbots: []\n`);
    const { io: cli, out } = io();
    expect(await run(["list", "--config", file], cli)).toBe(0);
    const text = out.join("");
    expect(text).toContain(`host at 127.0.0.1:${h.host.port}`);
    expect(text).toMatch(/hello {2}hello@0\.1\.0 \(botyard-plugin-hello\) {2}running/);
    expect(text).toMatch(/webhook:\/notify: webhook POST \/notify; last .* \(1 runs, 0 errors\)/);
    expect(text).toContain('broken  broken@1.2.3 (botyard-plugin-broken)  failed: Bot "broken" (broken) failed in setup: needs a token');
  });
});

describe("GET /metrics", () => {
  it("exposes runs, durations, Slack calls and store latency in Prometheus format", async () => {
    h = await startInProcessHost(`bots:\n  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0GENERAL }\n`, {
      setup: (p, slack) => {
        slack.createChannel("general", { id: "C0GENERAL" });
        p.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
      },
    });
    h.slack.rateLimit("chat.postMessage", { times: 1, retryAfterSec: 0 });
    const res = await fetch(`${h.url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    expect(res.status).toBe(200);
    // A message the bot answers: its event id is claimed in the store (one it ignores would cost nothing).
    const slack = h.slack;
    slack.addUser({ id: "U0ALICE", name: "alice" });
    await slack.sendMessage({ channel: "C0GENERAL", user: "U0ALICE", text: "hello" });
    await slack.waitFor(() => slack.messages("C0GENERAL").some((m) => m.text?.startsWith("Hello, ")), 10_000);
    // The emulator holds the reply before the client has read Slack's answer and counted the call.
    const answered = 'botyard_slack_api_calls_total{method="chat.postMessage",outcome="ok"} 2';
    let metrics = "";
    for (const started = Date.now(); !metrics.includes(answered) && Date.now() - started < 10_000; ) {
      metrics = await (await fetch(`${h.url}/metrics`)).text();
    }
    expect(metrics).toContain('botyard_runs_total{bot="hello",trigger="webhook:/notify",outcome="ok"} 1');
    expect(metrics).toContain('botyard_events_received_total{source="webhook",type="hello"} 1');
    expect(metrics).toMatch(/botyard_run_duration_seconds_count\{plugin="hello",kind="webhook"\} 1/);
    expect(metrics).toContain('botyard_slack_api_calls_total{method="chat.postMessage",outcome="ok"} 2');
    expect(metrics).toContain('botyard_slack_rate_limited_total{method="chat.postMessage"} 1');
    expect(metrics).toContain('botyard_actions_total{bot="hello",action="slack.chat.postMessage",outcome="ok"} 2');
    expect(metrics).toMatch(/botyard_store_operation_seconds_count\{backend="memory",op="setIfAbsent"\} [1-9]/);
    expect(metrics).toContain("botyard_slack_connected 1");
    expect(metrics).toContain('botyard_bots{state="running"} 1');
  });
});
