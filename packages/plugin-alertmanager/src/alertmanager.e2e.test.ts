import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HostProcess, SlackEmulator, type SlackMessage } from "@botyard/testing";
import { TempProject } from "@botyard/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RealAlertmanager } from "./test-support/real-alertmanager.js";

const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
// This repository's built host (a dev dependency would make the host and this plugin depend on each other).
const HOST_DIR = join(PLUGIN_DIR, "../../apps/host");
const TOKEN = "e2e-bearer-token-0123456789abcdef";
const ALERTS = "C00ALERTS";
const REDIS_URL = "redis://127.0.0.1:6379";

// Just past: after every alert's start (an end before its start would be an older state, not a resolution).
const past = () => new Date(Date.now() - 100).toISOString();
const cpu = (instance: string) => ({ alertname: "HighCPU", severity: "critical", instance });
const disk = { alertname: "DiskFull", severity: "warning", instance: "db-1" };

// A real Prometheus Alertmanager (Debian's 0.25) notifying `botyard start` processes over HTTP,
// with the plugin installed beside bots.yaml and Slack emulated: what users run, end to end.
describe("alertmanager with a real Prometheus Alertmanager", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let hosts: HostProcess[] = [];
  let am: RealAlertmanager | undefined;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.createChannel("alerts", { id: ALERTS });
    project = new TempProject({ "@botyard/host": HOST_DIR, "@botyard/plugin-alertmanager": PLUGIN_DIR });
  });

  afterEach(async () => {
    for (const h of hosts) h.kill("SIGKILL");
    hosts = [];
    am?.stop();
    am = undefined;
    await slack.close();
    project.remove();
  });

  async function startHosts(count: number, store: string): Promise<string[]> {
    project.write(
      "bots.yaml",
      `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${slack.apiUrl}
http: { port: 0 }
store: ${store}
bots:
  - id: am
    use: "@botyard/plugin-alertmanager"
    config:
      channel: ${ALERTS}
      bearerToken: \${AM_TOKEN}
`,
    );
    const env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, AM_TOKEN: TOKEN, REDIS_URL, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    hosts = Array.from({ length: count }, () => new HostProcess({ args: ["start", "--config", "bots.yaml"], env, cwd: project.dir }));
    const ports = await Promise.all(hosts.map((h) => h.port()));
    await Promise.all(hosts.map((h) => h.waitForLine((l) => l.msg === "botyard host ready")));
    return ports.map((p) => `http://127.0.0.1:${p}/hooks/am`);
  }

  const tops = () => slack.messages(ALERTS);
  const topOf = (name: string) => tops().find((m) => m.text.includes(name));
  const replies = (m: SlackMessage | undefined) => (m ? slack.replies(ALERTS, m.ts).map((r) => r.text) : []);
  const checked = (m: SlackMessage | undefined) => !!m && slack.reactions(ALERTS, m.ts).some((r) => r.name === "white_check_mark");

  /** The storm and its resolution, through Alertmanager's own API; asserts the channel at each stage. */
  async function stormAndResolution(): Promise<void> {
    await am!.push([{ labels: cpu("web-1"), annotations: { summary: "CPU high on web-1" } }, { labels: cpu("web-2") }, { labels: disk }]);
    await slack.waitFor(() => tops().length === 2 && !!topOf("FIRING: 2 · HighCPU"), 20_000);
    expect(topOf("DiskFull")!.text).toContain("FIRING: 1 · DiskFull");

    // A third alert joins the HighCPU group: one reply in its thread, the top updated.
    await am!.push([{ labels: cpu("web-3") }]);
    await slack.waitFor(() => !!topOf("FIRING: 3 · HighCPU"), 20_000);
    expect(replies(topOf("HighCPU"))).toEqual([expect.stringContaining("instance=web-3")]);

    // Everything resolves (endsAt in the past): each group's thread says so once, and gets the check.
    const endsAt = past();
    await am!.push([cpu("web-1"), cpu("web-2"), cpu("web-3"), disk].map((labels) => ({ labels, endsAt })));
    await slack
      .waitFor(() => tops().length === 2 && tops().every((m) => checked(m)), 30_000)
      .catch((error: unknown) => {
        const seen = tops().map((m) => ({ text: m.text, checked: checked(m), replies: replies(m) }));
        throw new Error(`${(error as Error).message}\nchannel: ${JSON.stringify(seen, null, 1)}\nalertmanager:\n${am!.output().slice(-4000)}\nhost:\n${hosts.map((h) => h.output.slice(-4000)).join("\n---\n")}`);
      });
    // Alertmanager's later re-sends change nothing.
    await new Promise((r) => setTimeout(r, 3_000));

    expect(tops()).toHaveLength(2);
    const cpuTop = topOf("HighCPU")!;
    expect(cpuTop.text).toContain("RESOLVED · HighCPU");
    expect(topOf("DiskFull")!.text).toContain("RESOLVED · DiskFull");
    const cpuReplies = replies(cpuTop);
    // Each change once: web-3 firing once, each instance resolved once, all resolved once (resolutions
    // of one group may come in one or more of Alertmanager's sends).
    const said = (status: RegExp) => cpuReplies.flatMap((r) => r.split(/\n(?=:)/).filter((part) => status.test(part))).flatMap((part) => [...part.matchAll(/instance=(web-\d)/g)].map((x) => x[1]));
    expect(said(/firing\*/).sort()).toEqual(["web-3"]);
    expect(said(/resolved\*:/).sort()).toEqual(["web-1", "web-2", "web-3"]);
    expect(cpuReplies.filter((r) => r.includes("*All resolved*"))).toHaveLength(1);
    expect(replies(topOf("DiskFull")).filter((r) => r.includes("*All resolved*"))).toHaveLength(1);
    expect(replies(topOf("DiskFull"))).toHaveLength(1);
    expect(slack.calls.some((c) => c.operation === "chat.update")).toBe(true);
  }

  it("keeps one thread per group through firing, a new alert and the resolution, each change once, the check at the end", async () => {
    const [hook] = await startHosts(1, "{ type: sqlite, path: .botyard/state.db }");
    am = await RealAlertmanager.start([{ url: hook!, token: TOKEN }]);
    await stormAndResolution();
    // Alertmanager's sends were accepted (202), none refused.
    expect(am.output()).not.toMatch(/Notify for alerts failed/);
  }, 90_000);

  it("with two replicas on Redis, both notified by Alertmanager, shows one thread per group, not two", async () => {
    try {
      execFileSync("redis-cli", ["-u", REDIS_URL, "ping"], { stdio: "pipe" });
    } catch (error) {
      throw new Error(`This test needs Redis on 127.0.0.1:6379 (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(error as Error).message}`);
    }
    const prefix = `botyard-am-e2e:${process.pid}-${Date.now()}:`;
    try {
      const hooks = await startHosts(2, `{ type: redis, url: "\${REDIS_URL}", prefix: "${prefix}" }`);
      // One receiver with a webhook per replica: every notification reaches both.
      am = await RealAlertmanager.start(hooks.map((url) => ({ url, token: TOKEN })));
      await stormAndResolution();
    } finally {
      const keys = execFileSync("redis-cli", ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}*`], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (let i = 0; i < keys.length; i += 500) execFileSync("redis-cli", ["-u", REDIS_URL, "del", ...keys.slice(i, i + 500)], { stdio: "pipe" });
    }
  }, 120_000);
});
