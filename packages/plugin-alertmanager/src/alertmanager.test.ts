import { afterEach, describe, expect, it } from "vitest";
import { grafanaFiring, grafanaResolved, GRAFANA_DOCS_URL } from "./samples/grafana-samples.js";
import { alertmanagerPayload, type SampleAlert } from "./samples/alertmanager-samples.js";
import { ALERTS, AlertmanagerHarness, TOKEN } from "./test-support/alertmanager-harness.js";

let h: AlertmanagerHarness;
afterEach(() => h?.close());

const cpu = (instance: string, status: "firing" | "resolved" = "firing", extra: Partial<SampleAlert> = {}): SampleAlert => ({
  labels: { alertname: "HighCPU", severity: "critical", instance },
  annotations: { summary: `CPU high on ${instance}`, runbook_url: "https://runbooks.example/cpu" },
  status,
  ...extra,
});
const group = (...alerts: SampleAlert[]) => alertmanagerPayload({ alerts, groupLabels: { alertname: "HighCPU" } });
const blocksText = (m: { blocks?: unknown[] }) => JSON.stringify(m.blocks ?? []);

describe("one thread per alert group", () => {
  it("posts one Block Kit message, replies to each change in its thread, keeps the top current and checks it when all resolved", async () => {
    h = await AlertmanagerHarness.start();
    expect((await h.deliver(group(cpu("web-1"), cpu("web-2")))).status).toBe(202);
    const [top] = h.tops();
    expect(h.tops()).toHaveLength(1);
    expect(top!.text).toContain("FIRING: 2 · HighCPU");
    const blocks = blocksText(top!);
    expect(blocks).toContain('"type":"header"');
    expect(blocks).toContain("CPU high on web-1");
    expect(blocks).toContain("severity=critical, instance=web-1");
    expect(blocks).toContain("<https://runbooks.example/cpu|Runbook>");
    expect(blocks).toContain("<http://alertmanager.example:9093/#/silences/new?filter=");
    expect(blocks).toContain("|Source>");

    // A third alert joins the group: a reply, and the top message updated.
    h.slack.clearCalls();
    await h.deliver(group(cpu("web-1"), cpu("web-2"), cpu("web-3")));
    expect(h.calls().filter((c) => /^(chat|reactions)\./.test(c))).toEqual(["chat.postMessage", "chat.update"]);
    expect(h.replies(top!.ts)).toEqual([expect.stringContaining("*1 firing*:\n• HighCPU (severity=critical, instance=web-3)")]);
    expect(h.tops()[0]!.text).toContain("FIRING: 3");

    // Two resolve, then the last: each change once, the check at the end only.
    await h.deliver(group(cpu("web-1", "resolved"), cpu("web-2", "resolved"), cpu("web-3")));
    expect(h.checked(top!.ts)).toBe(false);
    expect(h.tops()[0]!.text).toContain("FIRING: 1");
    await h.deliver(group(cpu("web-1", "resolved"), cpu("web-2", "resolved"), cpu("web-3", "resolved")));
    const replies = h.replies(top!.ts);
    expect(replies).toHaveLength(3);
    expect(replies[1]).toContain("*2 resolved*");
    expect(replies[2]).toMatch(/\*1 resolved\*[\s\S]*:white_check_mark: \*All resolved\* after/);
    expect(h.tops()[0]!.text).toContain("RESOLVED · HighCPU");
    expect(h.checked(top!.ts)).toBe(true);
    expect(h.tops()).toHaveLength(1);
  });

  it("posts a change that arrived while a killed run still held its thread once that run's claim lapses", async () => {
    h = await AlertmanagerHarness.start();
    await h.deliver(group(cpu("web-1"), cpu("web-2")));
    const [top] = h.tops();
    // What a host SIGKILLed mid-step leaves behind: its run's claim on the thread, not lapsed yet.
    const [thread] = await h.t.store.list<Record<string, unknown>>("thread/");
    await h.t.store.set(thread!.key, { ...thread!.value, flushingBy: "run-of-a-dead-host", flushingUntil: Date.now() + 60_000 });

    // The change waits for the claim, marked for the sweep (not left until the group's next delivery).
    await h.deliver(group(cpu("web-1"), cpu("web-2"), cpu("web-3")));
    expect(h.replies(top!.ts)).toEqual([]);
    expect(await h.t.store.list("dirty/")).toHaveLength(1);

    const claimed = await h.t.store.get<Record<string, unknown>>(thread!.key);
    await h.t.store.set(thread!.key, { ...claimed, flushingUntil: Date.now() - 1 });
    await h.t.fireSchedule("paced-posts");
    expect(h.replies(top!.ts)).toEqual([expect.stringContaining("instance=web-3")]);
    expect(h.tops()[0]!.text).toContain("FIRING: 3");
    expect(await h.t.store.list("dirty/")).toEqual([]);
  });

  it("does nothing new for Alertmanager's re-sends, retries and late deliveries of an older state", async () => {
    h = await AlertmanagerHarness.start();
    const firing = group(cpu("web-1"));
    await h.deliver(firing);
    const resolved = group(cpu("web-1", "resolved"));
    await h.deliver(resolved);
    h.slack.clearCalls();
    // repeat_interval re-send and a retry: duplicates at the door.
    expect((await h.deliver(resolved)).body).toMatchObject({ duplicate: true });
    // The firing state, retried after the resolution went through: older, so nothing changes.
    await h.deliver({ ...firing, commonAnnotations: { note: "a retry, byte-different" } });
    expect(h.calls().filter((c) => c.startsWith("chat.") || c.startsWith("reactions."))).toEqual([]);
    expect(h.checked(h.tops()[0]!.ts)).toBe(true);
  });

  it("reopens a group firing again within the window, and starts a new message after it", async () => {
    h = await AlertmanagerHarness.start();
    await h.deliver(group(cpu("web-1")));
    await h.deliver(group(cpu("web-1", "resolved")));
    const [top] = h.tops();
    await h.deliver(group(cpu("web-1", "firing", { startsAt: "2026-12-07T10:30:00Z" })));
    expect(h.tops()).toHaveLength(1);
    expect(h.replies(top!.ts).at(-1)).toMatch(/Firing again[\s\S]*\*1 firing again\*/);
    expect(h.checked(top!.ts)).toBe(false);
    await h.close();

    h = await AlertmanagerHarness.start({ reopenWithinMinutes: 0 });
    await h.deliver(group(cpu("web-1")));
    await h.deliver(group(cpu("web-1", "resolved")));
    await new Promise((r) => setTimeout(r, 5));
    await h.deliver(group(cpu("web-1", "firing", { startsAt: "2026-12-07T10:30:00Z" })));
    const tops = h.tops();
    expect(tops).toHaveLength(2);
    expect(h.checked(tops[0]!.ts)).toBe(true);
    expect(tops[1]!.text).toContain("FIRING: 1");
    expect(h.replies(tops[1]!.ts)).toEqual([]);
  });

  it("threads each alert on its own with threadBy: alert", async () => {
    h = await AlertmanagerHarness.start({ threadBy: "alert" });
    await h.deliver(group(cpu("web-1"), cpu("web-2")));
    expect(h.tops()).toHaveLength(2);
    await h.deliver(group(cpu("web-1", "resolved"), cpu("web-2")));
    const checks = h.tops().map((m) => h.checked(m.ts));
    expect(checks.sort()).toEqual([false, true]);
  });
});

describe("routing", () => {
  it("routes by receiver name and label matchers, first match wins, else the default channel", async () => {
    h = await AlertmanagerHarness.start(
      {
        routes: [
          { receiver: "db.team", channel: "C00DBTEAM" },
          { matchers: ['severity="critical"', 'instance=~"web-.*"'], channel: "C00INCIDENT" },
        ],
      },
      { channels: ["C00DBTEAM", "C00INCIDENT"] },
    );
    await h.deliver(group(cpu("web-1")));
    // Alertmanager quotes the receiver name as a regexp (db.team arrives as db\.team).
    await h.deliver({ ...alertmanagerPayload({ alerts: [cpu("db-1")], groupKey: "db" }), receiver: "db\\.team" });
    await h.deliver(alertmanagerPayload({ alerts: [{ labels: { alertname: "Disk", severity: "warning" } }], groupKey: "disk" }));
    expect([h.tops("C00INCIDENT").length, h.tops("C00DBTEAM").length, h.tops(ALERTS).length]).toEqual([1, 1, 1]);
  });
});

describe("at the door", () => {
  it("takes Alertmanager's bearer token or basic auth, and refuses anything else and bodies that are not a webhook payload", async () => {
    h = await AlertmanagerHarness.start({ basicAuth: { username: "am", password: "basic-password-0123" } });
    const body = group(cpu("web-1"));
    expect((await h.post(body, {})).status).toBe(401);
    expect((await h.post(body, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await h.post(body, { authorization: `Basic ${Buffer.from("am:wrong").toString("base64")}` })).status).toBe(401);
    expect((await h.post(body, { authorization: `Basic ${Buffer.from("am:basic-password-0123").toString("base64")}` })).status).toBe(202);
    const invalid = await h.post({ version: "4", alerts: "nope" });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: "invalid_body" });
    await h.t.settle([], 20_000);
    expect(h.tops()).toHaveLength(1);
  });
});

describe("safe formatting", () => {
  it("escapes label and annotation values (a <!channel> pings nobody) and keeps a group of 80 alerts within Block Kit's limits", async () => {
    h = await AlertmanagerHarness.start();
    const evil: SampleAlert = {
      labels: { alertname: "Pwn <!channel>", severity: "critical", instance: "<@U0ALICE> & <https://evil.example|click>" },
      annotations: { summary: "<!here> " + "x".repeat(5_000), runbook_url: "javascript:alert(1)" },
    };
    const many = Array.from({ length: 80 }, (_, i) => cpu(`web-${i}`));
    await h.deliver(alertmanagerPayload({ alerts: [evil, ...many], groupLabels: { alertname: "Storm" } }));
    const [top] = h.tops();
    const all = top!.text + blocksText(top!);
    expect(all).not.toMatch(/<!channel>|<!here>|<@U0ALICE>|<https:\/\/evil/);
    expect(all).toContain("&lt;!channel&gt;");
    expect(all).not.toContain("javascript:");
    const blocks = top!.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.type === "section") expect(b.text!.text.length).toBeLessThanOrEqual(3_000);
    for (const b of blocks) if (b.type === "header") expect(b.text!.text.length).toBeLessThanOrEqual(150);
  });
});

describe(`Grafana's webhook contact point (fixtures from ${GRAFANA_DOCS_URL})`, () => {
  it("threads Grafana's payload the same way, with Grafana's own silence link", async () => {
    h = await AlertmanagerHarness.start();
    expect((await h.deliver(grafanaFiring())).status).toBe(202);
    const [top] = h.tops();
    expect(top!.text).toContain("FIRING: 2");
    expect(blocksText(top!)).toContain("<https://play.grafana.org/alerting/silence/new?alertmanager=grafana&amp;matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1|Silence>");
    await h.deliver(grafanaResolved());
    expect(h.checked(top!.ts)).toBe(true);
    expect(h.replies(top!.ts)).toEqual([expect.stringContaining("*2 resolved*")]);
  });
});

describe("an alert storm", () => {
  it("posts at most one message a second in a channel and coalesces a group's pending changes into one reply, counted in /metrics", async () => {
    h = await AlertmanagerHarness.start({ postIntervalMs: 1_000 });
    await h.deliver(group(cpu("web-0")));
    const start = Date.now();
    // Six changes of one group arrive at once (Alertmanager flushing several route groups' worth).
    const deliveries = Array.from({ length: 6 }, (_, i) => group(...Array.from({ length: i + 2 }, (_, j) => cpu(`web-${j}`))));
    const answers = await Promise.all(deliveries.map((d) => h.post(d)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    await h.t.settle([], 30_000);
    // What waited for the channel's slot is posted by the sweep, a second or so later.
    await h.slack.waitFor(() => h.tops()[0]!.text.includes("FIRING: 7"), 20_000);
    const [top] = h.tops();
    const replies = h.slack.replies(ALERTS, top!.ts);
    expect(replies.length).toBeLessThan(6);
    // Every alert was said once: the replies together name web-1 to web-6 once each.
    const said = replies.flatMap((m) => [...m.text.matchAll(/instance=(web-\d+)/g)].map((x) => x[1]));
    expect(said.sort()).toEqual(["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]);
    expect(h.t.metric("alertmanager_coalesced_changes")).toBe(6 - replies.length);
    // Posts in the channel at least about a second apart.
    const posts = [top!, ...replies].map((m) => Number(m.ts) * 1000).sort((a, b) => a - b);
    for (let i = 1; i < posts.length; i++) expect(posts[i]! - posts[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(Date.now() - start).toBeLessThan(15_000);
  });
});
