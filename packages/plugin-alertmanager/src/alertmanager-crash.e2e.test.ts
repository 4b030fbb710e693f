import type { HostProcess } from "@botyard/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { alertmanagerPayload, type SampleAlert } from "./samples/alertmanager-samples.js";
import { AlertmanagerHosts, E2E_TOKEN } from "./test-support/alertmanager-hosts.js";

const SQLITE = "{ type: sqlite, path: .botyard/state.db }";
// A job the killed host held is handed out again 2 s after its last renewal (the default is 30 s).
const QUEUE = "queue: { claimMs: 2000 }";
const cpu = (instance: string) => ({ alertname: "HighCPU", severity: "critical", instance });
const firing = (...instances: string[]): SampleAlert[] => instances.map((i) => ({ labels: cpu(i) }));
const resolved = (...instances: string[]): SampleAlert[] => instances.map((i) => ({ labels: cpu(i), status: "resolved" }));

// "Exactly once across restarts", proven the hard way: the host is SIGKILLed after Slack carried
// out a call (the emulator holds its answer back) and before the plugin recorded it, then started
// again on the same SQLite file. Alertmanager-shaped payloads are POSTed directly.
describe("alertmanager across a crash of the host", () => {
  let am: AlertmanagerHosts;
  let hook: string;

  beforeEach(async () => {
    am = await AlertmanagerHosts.create();
  });

  afterEach(async () => {
    await am.close();
  });

  const host = (): HostProcess => {
    const [h] = am.hosts;
    if (!h) throw new Error("no host running");
    return h;
  };

  async function start(): Promise<void> {
    [hook = ""] = await am.start(1, SQLITE, QUEUE);
  }

  async function send(alerts: SampleAlert[]): Promise<void> {
    const response = await fetch(hook, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` },
      body: JSON.stringify(alertmanagerPayload({ alerts })),
    });
    expect(response.status).toBe(202);
  }

  async function crash(): Promise<void> {
    host().kill("SIGKILL");
    expect(await host().exited).toEqual({ code: null, signal: "SIGKILL" });
    // Slack is healthy again for the restarted host (the dead host's held answers go nowhere).
    am.slack.clearFaults();
  }

  // Posts Slack answered (the emulator records a call when it answers, so the one held back for the
  // killed host is not among them): a second attempt at the recovered message would be.
  const postsAnswered = () => am.slack.callsTo("chat.postMessage").length;
  const errorLines = () => host().lines.filter((l) => (l.level as number) >= 50);

  it("posts the top message once when the host died after Slack took it and before it was recorded", async () => {
    await start();
    am.slack.answerLate("chat.postMessage", 60_000);
    await send(firing("web-1", "web-2"));
    await am.waitFor(() => am.tops().length === 1, 10_000);
    await crash();

    await start();
    // The restarted host gets the job back and finds the top message by its metadata instead of posting again.
    await host().waitForLine((l) => String(l.msg).startsWith("ctx.once: an attempt that died had done the effect"), 15_000);
    expect(am.tops()).toHaveLength(1);
    expect(am.topOf("HighCPU")?.text).toContain("FIRING: 2 · HighCPU");

    // The thread goes on from the recovered top: a change is a reply there and an update, the resolution the check.
    // Posted by the sweep once the killed run's claim on the thread lapses (at most 10 s after it was taken).
    await send(firing("web-1", "web-2", "web-3"));
    await am.waitFor(() => !!am.topOf("FIRING: 3 · HighCPU"), 15_000);
    await send(resolved("web-1", "web-2", "web-3"));
    await am.waitFor(() => am.checked(am.topOf("HighCPU")), 10_000);
    await new Promise((r) => setTimeout(r, 500));

    expect(am.tops()).toHaveLength(1);
    const top = am.topOf("HighCPU");
    expect(top?.text).toContain("RESOLVED · HighCPU");
    const replies = am.replies(top);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain("instance=web-3");
    expect(replies[1]).toContain("*All resolved*");
    expect(postsAnswered()).toBe(2);
    expect(errorLines()).toEqual([]);
  }, 45_000);

  it("replies once and applies the update when the host died after Slack took a reply, and again after it took an update", async () => {
    await start();
    await send(firing("web-1", "web-2"));
    await am.waitFor(() => !!am.topOf("FIRING: 2 · HighCPU"), 10_000);
    const top = () => am.topOf("HighCPU");

    // Killed once the reply is in the thread, before the host heard back (so before the top's update).
    am.slack.answerLate("chat.postMessage", 60_000);
    await send(firing("web-1", "web-2", "web-3"));
    await am.waitFor(() => am.replies(top()).length === 1, 10_000);
    await crash();
    expect(top()?.text).toContain("FIRING: 2 · HighCPU");

    await start();
    // The restarted host finishes the step: no second reply, the top updated.
    await am.waitFor(() => !!am.topOf("FIRING: 3 · HighCPU"), 15_000);
    expect(am.replies(top())).toEqual([expect.stringContaining("instance=web-3")]);

    // Killed once Slack applied the update of the resolution step, before the host heard back
    // (the reply said, the top shows RESOLVED, the check not yet added).
    am.slack.answerLate("chat.update", 60_000);
    await send(resolved("web-1", "web-2", "web-3"));
    await am.waitFor(() => !!am.topOf("RESOLVED · HighCPU"), 10_000);
    expect(am.checked(top())).toBe(false);
    await crash();

    await start();
    await am.waitFor(() => am.checked(top()), 15_000);
    await new Promise((r) => setTimeout(r, 500));

    expect(am.tops()).toHaveLength(1);
    expect(top()?.text).toContain("RESOLVED · HighCPU");
    const replies = am.replies(top());
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain("instance=web-3");
    expect(replies[1]).toContain("*All resolved*");
    expect(postsAnswered()).toBe(2);
    expect(am.slack.reactions("C00ALERTS", top()?.ts ?? "").map((r) => r.name)).toEqual(["white_check_mark"]);
    expect(errorLines()).toEqual([]);
  }, 45_000);
});
