import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../apps/host/src/test-support/in-process-host.js";
import { HELLO_PLUGIN_DIR } from "../apps/host/src/test-support/temp-project.js";

const DIR = import.meta.dirname;
const RULES = join(DIR, "prometheus/botyard-alerts.yml");
const RULE_TESTS = join(DIR, "prometheus/botyard-alerts.test.yml");
const DASHBOARD = join(DIR, "grafana/botyard-dashboard.json");

/** Runs promtool; without it the test fails, saying how to install it (never skips). */
function promtool(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("promtool", args, { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  if (result.error) throw new Error(`promtool is needed for these tests (${result.error.message}): apt-get install -y --no-install-recommends prometheus`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Metric names an expression reads: Botyard's own, and Prometheus's `up`. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(botyard_[a-z0-9_]+|up)\b/g)].map((m) => m[1]!);
}

// A histogram's series are <name>_bucket, _sum and _count of the family <name>.
const family = (name: string) => name.replace(/_(bucket|sum|count)$/, "");

describe("the Prometheus rules", () => {
  it("promtool installed: the rules' tests need the real tool", () => {
    expect(execFileSync("promtool", ["--version"], { encoding: "utf8" })).toMatch(/^promtool, version \d+\.\d+/);
  });

  it("pass promtool check rules, lint included", () => {
    const checked = promtool(["check", "rules", "--lint=all", "--lint-fatal", RULES]);
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fire, and stay quiet, as their promtool unit tests expect (synthetic series)", () => {
    const tested = promtool(["test", "rules", RULE_TESTS]);
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain("SUCCESS");
  });

  it("each alert has a unit test that makes it fire, a severity and a runbook section in docs/operations.md", () => {
    const rules = readFileSync(RULES, "utf8");
    const tests = readFileSync(RULE_TESTS, "utf8");
    const operations = readFileSync(join(DIR, "../docs/operations.md"), "utf8").toLowerCase();
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThan(10);
    for (const alert of alerts) {
      // A test expecting it to fire names it with exp_alerts holding labels.
      expect(tests, `a firing test for ${alert}`).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
      expect(operations, `docs/operations.md has a section for ${alert}`).toContain(`### ${alert.toLowerCase()}`);
    }
  });
});

describe("a running host's /metrics", () => {
  let h: InProcessHost;
  let exposition: string;
  beforeAll(async () => {
    h = await startInProcessHost(
      `bots:
  - id: hello
    use: botyard-plugin-hello
    config: { channel: C0GENERAL, heartbeat: "0 0 10 * * *" }
  - id: durable
    use: botyard-plugin-durable
`,
      {
        store: "{ type: sqlite, path: .botyard/test.db }",
        setup: (project, slack) => {
          slack.createChannel("general", { id: "C0GENERAL" });
          project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
          // A durable trigger, so that the queue gauges have series.
          project.plugin(
            "botyard-plugin-durable",
            `import { definePlugin, Type } from "@botyard/core";
            export default definePlugin({ name: "durable", core: "^1.0.0", config: Type.Object({}), slack: { scopes: ["chat:write"] },
              setup(bot) { bot.message("queue me", async () => {}, { durable: true }); } });`,
          );
        },
      },
    );
    // Some traffic, so that the per-run series exist too.
    await h.slack.sendMessage({ channel: "C0GENERAL", user: h.slack.addUser({ name: "alice" }).id, text: "hello there" });
    await h.slack.waitFor(() => h.slack.messages("C0GENERAL").some((m) => m.text?.startsWith("Hello")), 10_000);
    exposition = await (await fetch(`${h.url}/metrics`)).text();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("passes promtool check metrics with no problem", () => {
    const checked = promtool(["check", "metrics"], exposition);
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);
  });

  it("exports every metric the rules and the dashboard read", () => {
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    expect(exported).toContain("botyard_ready");
    expect(exposition).toMatch(/^botyard_queue_jobs\{bot="durable",queue="deliveries\/durable\/message:queue me"\} 0$/m);
    expect(exposition).toMatch(/^botyard_schedule_next_run_timestamp_seconds\{bot="hello",trigger="schedule:0 0 10 \* \* \*"\} \d{10}$/m);

    const rules = readFileSync(RULES, "utf8");
    const ruleExprs = [...rules.matchAll(/expr: (\|\n(?:\s{10}.*\n)+|.*)/g)].map((m) => m[1]!);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const dashboardExprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(ruleExprs.length).toBeGreaterThan(10);
    expect(dashboardExprs.length).toBeGreaterThan(20);
    const named = new Set([...ruleExprs, ...dashboardExprs].flatMap(metricsIn).map(family));
    const missing = [...named].filter((name) => name !== "up" && !exported.has(name));
    expect(missing, `named in monitoring/ but not exported by the host:\n${exposition.slice(0, 200)}`).toEqual([]);
  });
});
