import { afterEach, describe, expect, it } from "vitest";
import { ANNOUNCE, HOUR, at, startWorld, until, type World } from "../test-support/oncall-world.js";

// PagerDuty and Slack failing under the sync, through the real clients and the emulators' fault
// injection. What must hold whatever happens: the on-call group is never emptied, disabled or
// handed to the fallback user because of a fault, retries stay within their bounds, and the group
// catches up once the fault is over.

let w: World;
afterEach(() => w?.close());

const POLICIES = ["keep", "fallback", "disable"] as const;

/** The world's group synced from the primary schedule, with the given whenNobody policy. */
function world(policy: (typeof POLICIES)[number], extra: Record<string, unknown> = {}) {
  return startWorld({
    config: (b) => ({
      ...extra,
      syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE, whenNobody: policy, ...(policy === "fallback" ? { fallbackUser: b.dave } : {}) }],
    }),
  });
}

const groupWrites = (w: World) => w.slackWrites().filter((m) => m.startsWith("usergroups."));

describe("an on-call group is never emptied by a fault", () => {
  for (const policy of POLICIES) {
    it(`whenNobody: ${policy}: an outage, a 429 storm, timeouts, dropped connections and an empty answer all leave Alice in the group`, async () => {
      w = await world(policy);
      expect(w.members()).toEqual([w.alice.slack]);
      const writesBefore = groupWrites(w);
      // Each sync makes 3 attempts (2 retries): every one of them fails.
      const faults: Array<[string, () => void]> = [
        ["5xx outage", () => w.pd.outage({ status: 503, times: 3 })],
        ["500 errors", () => w.pd.outage({ status: 500, times: 3 })],
        ["429 storm", () => w.pd.outage({ status: 429, times: 3, resetSeconds: 0 })],
        ["dropped connections", () => w.pd.outage({ drop: true, times: 3 })],
        ["a 200 with nobody on call", () => w.pd.setOnCall(w.primary.id, [])],
      ];
      for (const [fault, inject] of faults) {
        inject();
        await w.sync();
        expect(w.members(), fault).toEqual([w.alice.slack]);
        expect(w.slack.usergroup(w.group)!.date_delete, fault).toBe(0);
      }
      expect(groupWrites(w)).toEqual(writesBefore);
      expect(w.announcements()).toHaveLength(1);
    });
  }

  it("a request that outlasts the timeout, every time: Alice stays", async () => {
    w = await startWorld({ config: (b) => ({ pagerduty: { token: b.pd.token, baseUrl: b.pd.url, retries: 1, retryDelayMs: 1, timeoutMs: 100 } }) });
    w.pd.setOnCall(w.primary.id, []);
    w.pd.setLatency("GET /oncalls", 1_000);
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.logs("error")).toContain("PagerDuty did not answer GET /oncalls within 100 ms. The user group stays as it is.");
  });
});

describe("PagerDuty saying nobody is on call for a group that had someone", () => {
  it("is believed only once it has said so for confirmNobodyAfterMs: until then the group, the announcement and /oncall keep the last on-call", async () => {
    w = await world("disable", { confirmNobodyAfterMs: 1_500 });
    w.pd.setOnCall(w.primary.id, []);
    const before = Date.now();
    await w.sync();
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.slack.usergroup(w.group)!.date_delete).toBe(0);
    expect(groupWrites(w)).toEqual(["usergroups.users.update"]);
    expect(w.logs("warn").filter((m) => m.startsWith("PagerDuty says nobody is on call for SRE, where Alice Archer just was."))).toHaveLength(1);
    const reply = await w.t.command("/oncall");
    const text = w.slack.responses(reply.responseUrlId)[0]!.body.text as string;
    expect(text).toContain(`*SRE* (@oncall-sre): Alice Archer until ${until(at(HOUR))}`);
    expect(text).toContain("PagerDuty has said nobody is on call since");
    // A sync is set for when that is confirmed, ahead of Alice's shift end.
    const confirmAt = w.timerNext()!.getTime();
    expect(confirmAt).toBeGreaterThanOrEqual(before + 1_500);
    expect(confirmAt).toBeLessThan(at(HOUR).getTime());

    // Still nobody once the time is up: the policy applies.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, confirmAt - Date.now())));
    await w.fireTimer();
    expect(w.slack.usergroup(w.group)!.date_delete).toBeGreaterThan(0);
    expect(w.announcements().at(-1)).toBe("Nobody is on call for SRE in PagerDuty: @oncall-sre is disabled until someone is.");
  });

  it("is forgotten when PagerDuty names someone again before then: nothing was written", async () => {
    w = await world("fallback");
    w.pd.setOnCall(w.primary.id, []);
    await w.sync();
    w.pd.setOnCall(w.primary.id, [{ userId: w.alice.pd.id, start: at(-HOUR), end: at(HOUR) }]);
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(groupWrites(w)).toEqual(["usergroups.users.update"]);
    // And a later empty answer starts a new wait rather than counting from the first.
    w.pd.setOnCall(w.primary.id, []);
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.logs("warn").filter((m) => m.startsWith("PagerDuty says nobody is on call for SRE"))).toHaveLength(2);
  });

  it("applies at once for a group that had nobody already (no one to protect)", async () => {
    w = await startWorld({
      before: (b) => b.pd.setOnCall(b.primary.id, []),
      config: (b) => ({ syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], whenNobody: "fallback", fallbackUser: b.dave }] }),
    });
    expect(w.members()).toEqual([w.dave]);
  });
});

describe("retries stay within their bounds", () => {
  it("a 429 is retried after what ratelimit-reset asks, capped at maxRetryDelayMs, then the sync gives up and retries on the timer with backoff", async () => {
    w = await startWorld({ config: (b) => ({ pagerduty: { token: b.pd.token, baseUrl: b.pd.url, retries: 2, retryDelayMs: 1, maxRetryDelayMs: 1_500 } }) });
    w.pd.clearCalls();
    w.pd.outage({ status: 429, resetSeconds: 1 });
    w.pd.outage({ status: 429, resetSeconds: 3_600, times: 2 });
    const before = Date.now();
    await w.sync();
    // 1 + 2 retries, no more, whatever PagerDuty asks.
    expect(w.pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([429, 429, 429]);
    const waits = w.t.logs.filter((l) => l.level === 40 && String(l.msg).startsWith("PagerDuty rate-limited GET /oncalls")).map((l) => l.delayMs);
    expect(waits).toEqual([1_000, 1_500]);
    expect(w.members()).toEqual([w.alice.slack]);
    // The next attempt is the timer's backoff (15-30 s), not a busy loop.
    const retryAt = w.timerNext()!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 15_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 30_000);
  });
});

describe("Slack failing during the user-group update", () => {
  it("users.update refused: the group keeps its members, nothing is announced or recorded, and the timer retries with backoff until it goes through", async () => {
    w = await startWorld();
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    w.slack.failNext("usergroups.users.update", "fatal_error");
    const before = Date.now();
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.announcements()).toHaveLength(1);
    expect(w.logs("error").some((m) => m.startsWith("Syncing oncall-sre failed:") && m.endsWith("The user group stays as it is."))).toBe(true);
    // Retried soon (the first backoff step), not only at the next cron tick or shift end.
    const retryAt = w.timerNext()!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 15_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 30_000);

    await w.fireTimer();
    expect(w.members()).toEqual([w.bob.slack]);
    expect(w.announcements()).toEqual([
      `<@${w.alice.slack}> is now on call for SRE until ${until(at(HOUR))}.`,
      `<@${w.bob.slack}> is now on call for SRE until ${until(at(HOUR / 2))}.`,
    ]);
    expect(w.timerNext()).toEqual(at(HOUR / 2));
  });

  it("Slack answering 5xx past the client's retries: the group keeps its members; the next sync applies the change once", async () => {
    w = await startWorld();
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    // The test bot's client retries 5 times: 6 failures are more than it will take.
    w.slack.inject({ operation: "usergroups.users.update", times: 6, status: 503, body: "upstream unavailable" });
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.slack.callsTo("usergroups.users.update").map((c) => c.status)).toEqual([200, 503, 503, 503, 503, 503, 503]);
    await w.sync();
    expect(w.members()).toEqual([w.bob.slack]);
    expect(w.announcements().filter((m) => m.includes(w.bob.slack!))).toHaveLength(1);
  });

  it("the announcement failing after the group was updated: the group is right, and the log says so rather than that the sync failed", async () => {
    w = await startWorld();
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    w.slack.failNext("chat.postMessage", "not_in_channel");
    await w.sync();
    expect(w.members()).toEqual([w.bob.slack]);
    const errors = w.logs("error");
    expect(errors).toContain(
      "@oncall-sre is up to date, but telling the channel failed: chat.postMessage in C0ANNOUNCE failed: not_in_channel — invite the app: /invite @<the app's bot name> in #announce.",
    );
    expect(errors.some((m) => m.includes("The user group stays as it is"))).toBe(false);
  });

  it("usergroups.list failing on the first sync: nothing is written, and the next sync fills the group", async () => {
    w = await startWorld({ before: (b) => b.slack.failNext("usergroups.list", "fatal_error") });
    expect(w.members()).toEqual([]);
    expect(w.slackWrites()).toEqual([]);
    await w.fireTimer();
    expect(w.members()).toEqual([w.alice.slack]);
  });
});
