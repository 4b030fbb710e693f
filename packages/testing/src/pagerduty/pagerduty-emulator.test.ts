import { afterEach, describe, expect, it } from "vitest";
import { takeViolations } from "../conformance/registry.js";
import { PagerDutyEmulator } from "./pagerduty-emulator.js";

const NOW = new Date("2030-03-10T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

let pd: PagerDutyEmulator;
let clock = NOW;

async function start(options: Parameters<typeof PagerDutyEmulator.start>[0] = {}) {
  clock = NOW;
  pd = await PagerDutyEmulator.start({ now: () => clock, ...options });
  return pd;
}

afterEach(async () => {
  await pd?.close();
});

async function api(path: string, init: { token?: string | null; accept?: string } = {}) {
  const headers: Record<string, string> = {
    Accept: init.accept ?? "application/vnd.pagerduty+json;version=2",
  };
  if (init.token !== null) headers.Authorization = `Token token=${init.token ?? pd.token}`;
  const res = await fetch(`${pd.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

function team() {
  const alice = pd.addUser({ name: "Alice Archer", email: "alice@example.com", timeZone: "Europe/Paris" });
  const bob = pd.addUser({ name: "Bob Baker", email: "bob@example.com" });
  const carol = pd.addUser({ name: "Carol Cho", email: "carol@example.com", timeZone: "Asia/Tokyo" });
  return { alice, bob, carol };
}

describe("PagerDutyEmulator GET /oncalls", () => {
  it("filters by schedule and answers with references", async () => {
    await start();
    const { alice, bob } = team();
    const primary = pd.addSchedule({ name: "Primary" });
    const secondary = pd.addSchedule({ name: "Secondary" });
    pd.setOnCall(primary.id, [{ userId: alice.id, start: at(-DAY), end: at(DAY) }]);
    pd.setOnCall(secondary, [{ userId: bob.id, start: at(-DAY), end: at(DAY) }]);

    const res = await api(`/oncalls?schedule_ids[]=${primary.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ limit: 25, offset: 0, more: false, total: null });
    expect(res.body.oncalls).toHaveLength(1);
    const [oncall] = res.body.oncalls;
    expect(oncall.user).toEqual({
      id: alice.id,
      type: "user_reference",
      summary: "Alice Archer",
      self: `${pd.url}/users/${alice.id}`,
      html_url: `https://botyard-test.pagerduty.com/users/${alice.id}`,
    });
    expect(oncall.schedule).toMatchObject({ id: primary.id, type: "schedule_reference", summary: "Primary" });
    expect(oncall.escalation_policy).toMatchObject({ type: "escalation_policy_reference", summary: "Primary Escalation Policy" });
    expect(oncall.escalation_level).toBe(1);
    expect(oncall.start).toBe("2030-03-09T12:00:00Z");
    expect(oncall.end).toBe("2030-03-11T12:00:00Z");

    const both = await api(`/oncalls?schedule_ids[]=${primary.id}&schedule_ids[]=${secondary.id}`);
    expect(both.body.oncalls.map((o: any) => o.user.id).sort()).toEqual([alice.id, bob.id].sort());
    expect(pd.callsTo("GET /oncalls")).toHaveLength(2);
    expect(pd.callsTo("GET /oncalls")[0]!.query["schedule_ids[]"]).toBe(primary.id);
  });

  it("filters by escalation policy and user, and reports levels", async () => {
    await start();
    const { alice, bob, carol } = team();
    const web = pd.addEscalationPolicy({ name: "Web" });
    const db = pd.addEscalationPolicy({ name: "Database" });
    const webPrimary = pd.addSchedule({ name: "Web primary", escalationPolicyId: web.id });
    const webBackup = pd.addSchedule({ name: "Web backup", escalationPolicyId: web.id, escalationLevel: 2 });
    const dbPrimary = pd.addSchedule({ name: "DB primary", escalationPolicyId: db.id });
    pd.setOnCall(webPrimary.id, [{ userId: alice.id, start: at(-HOUR), end: at(HOUR) }]);
    pd.setOnCall(webBackup.id, [{ userId: bob.id, start: at(-HOUR), end: at(HOUR) }]);
    pd.setOnCall(dbPrimary.id, [{ userId: carol.id, start: at(-HOUR), end: at(HOUR) }]);

    const res = await api(`/oncalls?escalation_policy_ids[]=${web.id}`);
    expect(res.body.oncalls.map((o: any) => [o.escalation_policy.id, o.escalation_level, o.user.id])).toEqual([
      [web.id, 1, alice.id],
      [web.id, 2, bob.id],
    ]);

    const byUser = await api(`/oncalls?user_ids[]=${carol.id}`);
    expect(byUser.body.oncalls.map((o: any) => o.escalation_policy.id)).toEqual([db.id]);

    const policy = await api(`/escalation_policies/${web.id}`);
    expect(policy.body.escalation_policy).toMatchObject({ id: web.id, type: "escalation_policy", name: "Web" });
    expect(
      policy.body.escalation_policy.escalation_rules.map((r: any) => r.targets.map((t: any) => [t.type, t.id])),
    ).toEqual([[["schedule_reference", webPrimary.id]], [["schedule_reference", webBackup.id]]]);
  });

  it("inlines full users, schedules and policies with include[]", async () => {
    await start();
    const { alice } = team();
    const primary = pd.addSchedule({ name: "Primary", timeZone: "America/New_York" });
    pd.setOnCall(primary.id, [{ userId: alice.id, start: at(-HOUR), end: at(HOUR) }]);

    const res = await api(`/oncalls?include[]=users&include[]=schedules&include[]=escalation_policies`);
    const [oncall] = res.body.oncalls;
    expect(oncall.user).toMatchObject({
      id: alice.id,
      type: "user",
      name: "Alice Archer",
      summary: "Alice Archer",
      email: "alice@example.com",
      time_zone: "Europe/Paris",
      self: `${pd.url}/users/${alice.id}`,
    });
    expect(oncall.schedule).toMatchObject({ id: primary.id, type: "schedule", name: "Primary", time_zone: "America/New_York" });
    expect(oncall.escalation_policy).toMatchObject({ type: "escalation_policy", escalation_rules: [expect.any(Object)] });

    const user = await api(`/users/${alice.id}`);
    expect(user.body.user).toMatchObject({ email: "alice@example.com", time_zone: "Europe/Paris", type: "user" });
    expect((await api(`/users/PNOPE00`)).body).toEqual({ error: { message: "Not Found", code: 2100 } });
  });

  it("paginates with limit, offset, more and total", async () => {
    await start();
    const policy = pd.addEscalationPolicy({ name: "Everyone" });
    const users = Array.from({ length: 60 }, (_, i) =>
      pd.addUser({ name: `User ${String(i).padStart(2, "0")}`, email: `user${i}@example.com` }),
    );
    pd.setOnCall(
      policy,
      users.map((u, i) => ({ userId: u.id, level: i + 1 })),
    );

    const seen: string[] = [];
    const pages: Array<{ count: number; more: boolean; total: unknown }> = [];
    for (let offset = 0, more = true; more; offset += 25) {
      const res = await api(`/oncalls?limit=25&offset=${offset}&total=${offset === 0}`);
      expect(res.status).toBe(200);
      more = res.body.more;
      pages.push({ count: res.body.oncalls.length, more, total: res.body.total });
      seen.push(...res.body.oncalls.map((o: any) => o.user.id));
    }
    expect(pages).toEqual([
      { count: 25, more: true, total: 60 },
      { count: 25, more: true, total: null },
      { count: 10, more: false, total: null },
    ]);
    expect(new Set(seen).size).toBe(60);

    expect((await api("/oncalls?limit=500")).body).toMatchObject({ limit: 100, more: false });
    const tooDeep = await api("/oncalls?limit=100&offset=9950");
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error).toMatchObject({ code: 2001, message: "Arguments Caused Error" });
    expect((await api("/oncalls?limit=100&offset=9900")).status).toBe(200);
  });

  it("returns only on-calls overlapping since/until (default now), and earliest per user", async () => {
    await start();
    const { alice, bob, carol } = team();
    const primary = pd.addSchedule({ name: "Primary" });
    pd.setOnCall(primary.id, [
      { userId: alice.id, start: at(-2 * DAY), end: at(-DAY) },
      { userId: bob.id, start: at(-DAY), end: at(DAY) },
      { userId: carol.id, start: at(DAY), end: at(2 * DAY) },
      { userId: alice.id, start: at(2 * DAY), end: at(3 * DAY) },
    ]);
    const users = (body: any) => body.oncalls.map((o: any) => o.user.id);

    expect(users((await api("/oncalls")).body)).toEqual([bob.id]);
    const window = `since=${encodeURIComponent(at(-DAY - HOUR).toISOString())}&until=${encodeURIComponent(at(DAY + HOUR).toISOString())}`;
    expect(users((await api(`/oncalls?${window}`)).body)).toEqual([alice.id, bob.id, carol.id]);

    const week = `since=${encodeURIComponent(at(-3 * DAY).toISOString())}&until=${encodeURIComponent(at(4 * DAY).toISOString())}`;
    expect(users((await api(`/oncalls?${week}`)).body)).toEqual([alice.id, bob.id, carol.id, alice.id]);
    const earliest = await api(`/oncalls?${week}&earliest=true`);
    expect(earliest.body.oncalls.map((o: any) => [o.user.id, o.start])).toEqual([
      [alice.id, "2030-03-08T12:00:00Z"],
      [bob.id, "2030-03-09T12:00:00Z"],
      [carol.id, "2030-03-11T12:00:00Z"],
    ]);

    // Rendered in the requested zone.
    const tokyo = await api(`/oncalls?time_zone=Asia/Tokyo`);
    expect(tokyo.body.oncalls[0].start).toBe("2030-03-09T21:00:00+09:00");

    const backwards = await api(`/oncalls?since=${encodeURIComponent(at(DAY).toISOString())}&until=${encodeURIComponent(NOW.toISOString())}`);
    expect(backwards.status).toBe(400);
    expect((await api(`/oncalls?since=yesterday`)).status).toBe(400);
    // A deliberately malformed request: conformance mode records it against the description.
    expect(takeViolations({ operation: "GET /oncalls", direction: "request" }).flatMap((v) => v.errors)).toEqual([expect.stringMatching(/since.*date-time/)]);
  });

  it("reports permanent on-calls with null start, end and schedule", async () => {
    await start();
    const { alice, bob } = team();
    const policy = pd.addEscalationPolicy({ name: "Infra" });
    const schedule = pd.addSchedule({ name: "Infra primary", escalationPolicyId: policy.id });
    pd.setOnCall(schedule.id, [{ userId: bob.id, start: at(-HOUR), end: at(HOUR) }]);
    pd.setOnCall(policy, [{ userId: alice.id, level: 2 }]);

    const res = await api(`/oncalls?escalation_policy_ids[]=${policy.id}`);
    expect(res.body.oncalls).toHaveLength(2);
    expect(res.body.oncalls[1]).toMatchObject({ schedule: null, start: null, end: null, escalation_level: 2, user: { id: alice.id } });

    // schedule_ids[]=null selects the direct user targets.
    const direct = await api(`/oncalls?schedule_ids[]=null`);
    expect(direct.body.oncalls.map((o: any) => o.user.id)).toEqual([alice.id]);
    // Permanent on-calls overlap any window.
    const later = await api(`/oncalls?since=${encodeURIComponent(at(30 * DAY).toISOString())}&until=${encodeURIComponent(at(31 * DAY).toISOString())}`);
    expect(later.body.oncalls.map((o: any) => o.user.id)).toEqual([alice.id]);
  });

  it("changes the answer after a handoff", async () => {
    await start();
    const { alice, bob } = team();
    const primary = pd.addSchedule({ name: "Primary" });
    pd.setOnCall(primary.id, [{ userId: alice.id, start: at(-DAY), end: at(6 * DAY) }]);
    expect((await api("/oncalls")).body.oncalls.map((o: any) => o.user.id)).toEqual([alice.id]);

    pd.handoff(primary.id, bob.id, { until: at(DAY) });
    const now = await api("/oncalls");
    expect(now.body.oncalls.map((o: any) => [o.user.id, o.start, o.end])).toEqual([
      [bob.id, "2030-03-10T12:00:00Z", "2030-03-11T12:00:00Z"],
    ]);

    // Alice's shift resumes after the handoff window.
    clock = at(2 * DAY);
    expect((await api("/oncalls")).body.oncalls.map((o: any) => o.user.id)).toEqual([alice.id]);

    const schedule = await api(
      `/schedules/${primary.id}?since=${encodeURIComponent(NOW.toISOString())}&until=${encodeURIComponent(at(2 * DAY).toISOString())}`,
    );
    expect(schedule.body.schedule.final_schedule.rendered_schedule_entries.map((e: any) => [e.user.id, e.start, e.end])).toEqual([
      [bob.id, "2030-03-10T12:00:00Z", "2030-03-11T12:00:00Z"],
      [alice.id, "2030-03-11T12:00:00Z", "2030-03-12T12:00:00Z"],
    ]);
    expect(schedule.body.schedule.final_schedule.rendered_coverage_percentage).toBe(100);
  });
});

describe("PagerDutyEmulator auth and outages", () => {
  it("answers 401 to a missing or wrong token, and accepts application/json", async () => {
    await start({ token: "pd-token" });
    expect(pd.token).toBe("pd-token");
    for (const token of [null, "nope"]) {
      const res = await api("/oncalls", { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { message: "Authentication failed", code: 2006 } });
    }
    expect((await api("/oncalls", { accept: "application/json" })).status).toBe(200);
    expect((await api("/nowhere")).body).toEqual({ error: { message: "Not Found", code: 2100 } });
    expect(takeViolations({ provider: "pagerduty", direction: "coverage" }).map((v) => v.operation)).toEqual(["GET /nowhere"]);

    pd.outage({ status: 401 });
    expect((await api("/users")).status).toBe(401);
    expect((await api("/users")).status).toBe(200);
  });

  it("rate-limits with PagerDuty's headers", async () => {
    await start();
    pd.outage({ status: 429, times: 2, resetSeconds: 7, operation: "GET /oncalls" });
    expect((await api("/users")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await api("/oncalls");
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: { message: "Rate Limit Exceeded", code: 2020 } });
      expect(res.headers.get("ratelimit-limit")).toBe("960");
      expect(res.headers.get("ratelimit-remaining")).toBe("0");
      expect(res.headers.get("ratelimit-reset")).toBe("7");
    }
    expect((await api("/oncalls")).status).toBe(200);
  });

  it("fails with 5xx, then recovers", async () => {
    await start();
    pd.outage({ status: 503, times: 2 });
    pd.outage({ status: 500 });
    expect((await api("/oncalls")).status).toBe(503);
    expect((await api("/oncalls")).status).toBe(503);
    const res = await api("/oncalls");
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe(2000);
    expect((await api("/oncalls")).status).toBe(200);
    expect(pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([503, 503, 500, 200]);
  });

  it("drops the connection", async () => {
    await start();
    pd.outage({ drop: true });
    await expect(api("/oncalls")).rejects.toThrow();
    expect((await api("/oncalls")).status).toBe(200);
    expect(pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([0, 200]);
  });
});
