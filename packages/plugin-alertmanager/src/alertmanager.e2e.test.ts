import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertmanagerHosts, E2E_TOKEN as TOKEN, REDIS_URL } from "./test-support/alertmanager-hosts.js";
import { RealAlertmanager } from "./test-support/real-alertmanager.js";

// Just past: after every alert's start (an end before its start would be an older state, not a resolution).
const past = () => new Date(Date.now() - 100).toISOString();
const cpu = (instance: string) => ({ alertname: "HighCPU", severity: "critical", instance });
const disk = { alertname: "DiskFull", severity: "warning", instance: "db-1" };

// A real Prometheus Alertmanager (Debian's 0.25) notifying `botyard start` processes over HTTP,
// with the plugin installed beside bots.yaml and Slack emulated: what users run, end to end.
describe("alertmanager with a real Prometheus Alertmanager", () => {
  let hosts: AlertmanagerHosts;
  let am: RealAlertmanager | undefined;

  beforeEach(async () => {
    hosts = await AlertmanagerHosts.create();
  });

  afterEach(async () => {
    am?.stop();
    am = undefined;
    await hosts.close();
  });

  /** The storm and its resolution, through Alertmanager's own API; asserts the channel at each stage. */
  async function stormAndResolution(): Promise<void> {
    await am!.push([{ labels: cpu("web-1"), annotations: { summary: "CPU high on web-1" } }, { labels: cpu("web-2") }, { labels: disk }]);
    await hosts.waitFor(() => hosts.tops().length === 2 && !!hosts.topOf("FIRING: 2 · HighCPU"), 20_000);
    expect(hosts.topOf("DiskFull")!.text).toContain("FIRING: 1 · DiskFull");

    // A third alert joins the HighCPU group: one reply in its thread, the top updated.
    await am!.push([{ labels: cpu("web-3") }]);
    await hosts.waitFor(() => !!hosts.topOf("FIRING: 3 · HighCPU"), 20_000);
    expect(hosts.replies(hosts.topOf("HighCPU"))).toEqual([expect.stringContaining("instance=web-3")]);

    // Everything resolves (endsAt in the past): each group's thread says so once, and gets the check.
    const endsAt = past();
    await am!.push([cpu("web-1"), cpu("web-2"), cpu("web-3"), disk].map((labels) => ({ labels, endsAt })));
    await hosts.waitFor(() => hosts.tops().length === 2 && hosts.tops().every((m) => hosts.checked(m)), 30_000, () => `alertmanager:\n${am!.output().slice(-4000)}`);
    // Alertmanager's later re-sends change nothing.
    await new Promise((r) => setTimeout(r, 3_000));

    expect(hosts.tops()).toHaveLength(2);
    const cpuTop = hosts.topOf("HighCPU")!;
    expect(cpuTop.text).toContain("RESOLVED · HighCPU");
    expect(hosts.topOf("DiskFull")!.text).toContain("RESOLVED · DiskFull");
    const cpuReplies = hosts.replies(cpuTop);
    // Each change once: web-3 firing once, each instance resolved once, all resolved once (resolutions
    // of one group may come in one or more of Alertmanager's sends).
    const said = (status: RegExp) => cpuReplies.flatMap((r) => r.split(/\n(?=:)/).filter((part) => status.test(part))).flatMap((part) => [...part.matchAll(/instance=(web-\d)/g)].map((x) => x[1]));
    expect(said(/firing\*/).sort()).toEqual(["web-3"]);
    expect(said(/resolved\*:/).sort()).toEqual(["web-1", "web-2", "web-3"]);
    expect(cpuReplies.filter((r) => r.includes("*All resolved*"))).toHaveLength(1);
    expect(hosts.replies(hosts.topOf("DiskFull")).filter((r) => r.includes("*All resolved*"))).toHaveLength(1);
    expect(hosts.replies(hosts.topOf("DiskFull"))).toHaveLength(1);
    expect(hosts.slack.calls.some((c) => c.operation === "chat.update")).toBe(true);
  }

  it("keeps one thread per group through firing, a new alert and the resolution, each change once, the check at the end", async () => {
    const [hook] = await hosts.start(1, "{ type: sqlite, path: .botyard/state.db }");
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
      const hooks = await hosts.start(2, `{ type: redis, url: "\${REDIS_URL}", prefix: "${prefix}" }`);
      // One receiver with a webhook per replica: every notification reaches both.
      am = await RealAlertmanager.start(hooks.map((url) => ({ url, token: TOKEN })));
      await stormAndResolution();
    } finally {
      const keys = execFileSync("redis-cli", ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}*`], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (let i = 0; i < keys.length; i += 500) execFileSync("redis-cli", ["-u", REDIS_URL, "del", ...keys.slice(i, i + 500)], { stdio: "pipe" });
    }
  }, 120_000);
});
