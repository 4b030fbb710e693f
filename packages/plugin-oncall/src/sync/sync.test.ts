import { afterEach, describe, expect, it } from "vitest";
import { ANNOUNCE, HOUR, T0, TOPIC, at, startWorld, until, type World } from "../test-support/oncall-world.js";

let w: World;
afterEach(() => w?.close());

describe("syncing a user group from PagerDuty", () => {
  it("fills the group at start-up and announces who is on call until when", async () => {
    w = await startWorld();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.announcements()).toEqual([`<@${w.alice.slack}> is now on call for SRE until ${until(at(HOUR))}.`]);
    // Slack writes the end in each reader's timezone, with the weekday ("Monday, March 11th, 2030 at 10:00 AM").
    expect(w.announcements()[0]).toContain("until <!date^1899453600^{date_long_pretty} at {time}|2030-03-11T10:00:00Z>.");
    const call = w.pd.callsTo("GET /oncalls")[0]!;
    expect(call.headers.authorization).toBe(`Token token=${w.pd.token}`);
    expect(call.headers.accept).toBe("application/vnd.pagerduty+json;version=2");
    expect(call.query).toMatchObject({ "schedule_ids[]": w.primary.id, "include[]": "users" });
  });

  it("moves the group to the new on-call after a handoff, and announces it", async () => {
    w = await startWorld();
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    await w.sync();
    expect(w.members()).toEqual([w.bob.slack]);
    expect(w.announcements().at(-1)).toBe(`<@${w.bob.slack}> is now on call for SRE until ${until(at(HOUR / 2))}.`);
    expect(w.slack.callsTo("usergroups.users.update").map((c) => c.args.users)).toEqual([w.alice.slack, w.bob.slack]);
  });

  it("takes the user group by its id as well as by its handle", async () => {
    w = await startWorld({ config: (b) => ({ syncs: [{ usergroup: b.group, name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE }] }) });
    expect(w.group).toMatch(/^S/);
    expect(w.slack.callsTo("usergroups.users.update").map((c) => [c.args.usergroup, c.args.users])).toEqual([[w.group, w.alice.slack]]);
    expect(w.members()).toEqual([w.alice.slack]);
    // Answers name the group by its handle, found from the id.
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toBe(`*SRE* (@oncall-sre): Alice Archer until ${until(at(HOUR))}`);
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    await w.sync();
    expect(w.members()).toEqual([w.bob.slack]);
  });

  it("says \"until further notice\" for a permanent on-call (PagerDuty reports no end), and sets no shift-end timer", async () => {
    w = await startWorld({
      before: (b) => b.pd.setOnCall(b.pd.addEscalationPolicy({ id: "PALWAYS", name: "Always Alice" }), [{ userId: b.alice.pd.id }]),
      config: () => ({ syncs: [{ usergroup: "oncall-sre", name: "SRE", escalationPolicy: { id: "PALWAYS" }, announceChannel: ANNOUNCE, topicChannel: TOPIC }] }),
    });
    const [oncall] = (w.pd.callsTo("GET /oncalls")[0]!.response as { oncalls: Array<{ start: unknown; end: unknown }> }).oncalls;
    expect([oncall!.start, oncall!.end]).toEqual([null, null]);
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.announcements()).toEqual([`<@${w.alice.slack}> is now on call for SRE until further notice.`]);
    expect(w.slack.channel(TOPIC)!.topic.value).toBe(`On call for SRE: <@${w.alice.slack}> until further notice`);
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toBe("*SRE* (@oncall-sre): Alice Archer until further notice");
    expect(w.timerNext()).toBeUndefined();
  });

  it("costs no Slack call at all in a steady state", async () => {
    w = await startWorld({ config: (b) => ({ syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE, topicChannel: TOPIC }] }) });
    expect(w.slackWrites()).toEqual(["usergroups.users.update", "chat.postMessage", "conversations.setTopic"]);
    w.slack.clearCalls();
    await w.sync();
    await w.sync();
    expect(w.pd.callsTo("GET /oncalls")).toHaveLength(3);
    expect(w.slack.calls.map((c) => c.operation)).toEqual([]);
    expect(w.announcements()).toHaveLength(1);
  });

  it("keeps the topic showing the current on-call", async () => {
    w = await startWorld({ config: (b) => ({ syncs: [{ usergroup: "@oncall-sre", name: "SRE", schedules: [b.primary.id], topicChannel: TOPIC }] }) });
    expect(w.slack.channel(TOPIC)!.topic.value).toBe(`On call for SRE: <@${w.alice.slack}> until ${until(at(HOUR))}`);
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    await w.sync();
    expect(w.slack.channel(TOPIC)!.topic.value).toBe(`On call for SRE: <@${w.bob.slack}> until ${until(at(HOUR / 2))}`);
  });

  it("fills one group from several schedules", async () => {
    w = await startWorld({
      before: (b) => b.pd.setOnCall(b.secondary.id, [{ userId: b.bob.pd.id, start: at(-HOUR), end: at(3 * HOUR) }]),
      config: (b) => ({ syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id, b.secondary.id], announceChannel: ANNOUNCE }] }),
    });
    expect([...w.members()].sort()).toEqual([w.alice.slack, w.bob.slack].sort());
    expect(w.pd.callsTo("GET /oncalls")[0]!.query["schedule_ids[]"]).toEqual([w.primary.id, w.secondary.id]);
    // Until the earliest shift end: the moment the group changes next.
    expect(w.announcements()).toEqual([`<@${w.alice.slack}> and <@${w.bob.slack}> are now on call for SRE until ${until(at(HOUR))}.`]);
  });

  it("reads every page of /oncalls, and keeps one escalation level", async () => {
    let level1: string[] = [];
    w = await startWorld({
      before: (b) => {
        const policy = b.pd.addEscalationPolicy({ id: "PBIG", name: "Everyone" });
        const targets = Array.from({ length: 130 }, (_, i) => {
          const email = `person${i}@example.com`;
          const slackId = b.slack.addUser({ name: `person${i}`, email }).id;
          if (i % 2 === 0) level1.push(slackId);
          return { userId: b.pd.addUser({ name: `Person ${i}`, email }).id, level: i % 2 === 0 ? 1 : 2 };
        });
        b.pd.setOnCall(policy, targets);
      },
      config: () => ({ syncs: [{ usergroup: "oncall-sre", escalationPolicy: { id: "PBIG", level: 1 } }] }),
    });
    const calls = w.pd.callsTo("GET /oncalls");
    expect(calls.map((c) => [c.query.offset, c.query.limit, c.query["escalation_policy_ids[]"]])).toEqual([
      ["0", "100", "PBIG"],
      ["100", "100", "PBIG"],
    ]);
    expect([...w.members()].sort()).toEqual(level1.sort());
    // Permanent on-calls (no end) leave the shift-end timer unset.
    expect(w.timerNext()).toBeUndefined();
  });
});

describe("never emptying a group by mistake", () => {
  it("keeps the group as it is while PagerDuty fails, retries with backoff, then catches up", async () => {
    w = await startWorld();
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    w.pd.clearCalls();
    // The sync tries 3 times (2 retries), all failing.
    w.pd.outage({ status: 503, times: 3 });
    const before = Date.now();
    await w.sync();
    expect(w.pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([503, 503, 503]);
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.logs("error").some((m) => m.includes("HTTP 503") && m.includes("stays as it is"))).toBe(true);
    // The shift-end timer now retries within the first backoff step (15-30 s), well before the shift ends.
    const retryAt = w.timerNext()!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 15_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 30_000);

    // What /oncall says meanwhile: the last known on-call, marked as such.
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toContain("PagerDuty has failed since");

    await w.fireTimer();
    expect(w.members()).toEqual([w.bob.slack]);
    expect(w.timerNext()).toEqual(at(HOUR / 2));
  });

  it("retries 429s, timeouts and dropped connections, but not a rejected key", async () => {
    w = await startWorld();
    w.pd.clearCalls();
    w.pd.outage({ status: 429, resetSeconds: 0 });
    w.pd.outage({ drop: true });
    await w.sync();
    expect(w.pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([429, 0, 200]);

    w.pd.clearCalls();
    w.pd.outage({ status: 401, times: 5 });
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    await w.sync();
    expect(w.pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([401]);
    expect(w.logs("error").some((m) => m.includes("rejected the API key"))).toBe(true);
    expect(w.members()).toEqual([w.alice.slack]);
  });

  it("gives up on a request that takes longer than the timeout, and keeps the group", async () => {
    w = await startWorld({ config: (b) => ({ pagerduty: { token: b.pd.token, baseUrl: b.pd.url, retries: 1, retryDelayMs: 1, timeoutMs: 100 } }) });
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    w.pd.setLatency("GET /oncalls", 1_000);
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.logs("error").some((m) => m.includes("did not answer GET /oncalls within 100 ms"))).toBe(true);
  });

  // whenNobody applies once PagerDuty's "nobody" is confirmed: at once here (confirmNobodyAfterMs: 0);
  // faults.test.ts covers the wait.
  it("nobody on call, `keep`: the group keeps its members and nothing is written", async () => {
    w = await startWorld({ config: () => ({ confirmNobodyAfterMs: 0 }) });
    w.pd.setOnCall(w.primary.id, []);
    w.slack.clearCalls();
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.slackWrites()).toEqual([]);
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toBe("*SRE* (@oncall-sre): nobody is on call");
  });

  it("nobody on call, `fallback`: the fallback user holds the group", async () => {
    w = await startWorld({
      config: (b) => ({ confirmNobodyAfterMs: 0, syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE, whenNobody: "fallback", fallbackUser: b.dave }] }),
    });
    w.pd.setOnCall(w.primary.id, []);
    await w.sync();
    expect(w.members()).toEqual([w.dave]);
    expect(w.announcements().at(-1)).toBe(`<@${w.dave}> is now on call for SRE until further notice.`);
  });

  it("nobody on call, `disable`: the group is disabled, then enabled again for the next on-call", async () => {
    w = await startWorld({ config: (b) => ({ confirmNobodyAfterMs: 0, syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE, whenNobody: "disable" }] }) });
    w.pd.setOnCall(w.primary.id, []);
    await w.sync();
    expect(w.slack.usergroup(w.group)!.date_delete).toBeGreaterThan(0);
    expect(w.announcements().at(-1)).toBe("Nobody is on call for SRE in PagerDuty: @oncall-sre is disabled until someone is.");
    await w.sync();
    expect(w.slack.callsTo("usergroups.disable")).toHaveLength(1);

    w.pd.setOnCall(w.primary.id, [{ userId: w.bob.pd.id, start: at(-HOUR), end: at(5 * HOUR) }]);
    await w.sync();
    expect(w.slack.usergroup(w.group)).toMatchObject({ date_delete: 0, users: [w.bob.slack] });
    expect(w.slackWrites().filter((m) => m.startsWith("usergroups."))).toEqual(["usergroups.users.update", "usergroups.disable", "usergroups.enable", "usergroups.users.update"]);
    expect(w.announcements().at(-1)).toBe(`<@${w.bob.slack}> is now on call for SRE until ${until(at(5 * HOUR))}.`);
    // Slack refuses to empty a group: the bot never asks it to.
    expect(w.slack.callsTo("usergroups.users.update").every((c) => c.ok)).toBe(true);
  });

  it("leaves out, and warns once about, an on-call person without a Slack account", async () => {
    w = await startWorld({
      before: (b) => b.pd.setOnCall(b.secondary.id, [{ userId: b.carol.pd.id, start: at(-HOUR), end: at(HOUR) }]),
      config: (b) => ({ confirmNobodyAfterMs: 0, syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id, b.secondary.id] }] }),
    });
    expect(w.members()).toEqual([w.alice.slack]);
    await w.sync();
    await w.sync();
    const warnings = w.logs("warn").filter((m) => m.includes("carol@example.com"));
    expect(warnings).toEqual(["PagerDuty user Carol Cho (carol@example.com) is on call but no active Slack account has this email: left out of @oncall-sre. Use the same email in PagerDuty and Slack."]);
    // The miss is remembered for a while rather than asked about on every sync.
    expect(w.slack.callsTo("users.lookupByEmail").filter((c) => c.args.email === "carol@example.com")).toHaveLength(1);

    // With only her on call, nobody in Slack is: the `keep` policy applies, the group is not emptied.
    w.pd.setOnCall(w.primary.id, []);
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toBe(`*SRE* (@oncall-sre): Carol Cho (no Slack account) until ${until(at(HOUR))}`);
  });

  it("says which Slack setting to change when the workspace restricts user groups", async () => {
    w = await startWorld({ before: (b) => b.slack.failNext("usergroups.users.update", "permission_denied") });
    expect(w.members()).toEqual([]);
    expect(w.announcements()).toEqual([]);
    const line = w.logs("error").find((m) => m.includes("permission_denied"));
    expect(line).toContain("Permissions > User Groups");
    // Nothing was recorded as applied: the next sync tries again and succeeds.
    await w.sync();
    expect(w.members()).toEqual([w.alice.slack]);
  });
});

describe("the shift-end timer", () => {
  it("runs the first sync right after start, on the timer, so a slow PagerDuty does not hold the host's start", async () => {
    // PagerDuty takes longer to answer than the test may run (a start hook that waited would fail it).
    w = await startWorld({
      noWait: true,
      before: (b) => b.pd.setLatency("GET /oncalls", 60_000),
      config: (b) => ({ pagerduty: { token: b.pd.token, baseUrl: b.pd.url, timeoutMs: 120_000 } }),
    });
    expect(w.t.status().state).toBe("running");
    expect(w.pd.callsTo("GET /oncalls")).toEqual([]);
    expect(w.members()).toEqual([]);
  });

  it("retries the first sync on the timer, with backoff, when PagerDuty is down at start", async () => {
    // Every attempt of the first sync fails (1 + 2 retries).
    w = await startWorld({ before: (b) => b.pd.outage({ status: 503, times: 3 }) });
    expect(w.pd.callsTo("GET /oncalls").map((c) => c.status)).toEqual([503, 503, 503]);
    expect(w.members()).toEqual([]);
    expect(w.timerNext()!.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);
    await w.fireTimer();
    expect(w.members()).toEqual([w.alice.slack]);
    expect(w.timerNext()).toEqual(at(HOUR));
  });

  it("does not lose a shift end that fires while another sync is running", async () => {
    w = await startWorld();
    w.pd.clearCalls();
    w.pd.setLatency("GET /oncalls", 100);
    const periodic = w.t.engine.fire(w.t.id, "sync");
    w.pd.handoff(w.primary.id, w.bob.pd.id, { until: at(HOUR / 2) });
    await Promise.all([periodic, w.fireTimer()]);
    await w.t.settle();
    // The timer's run found the periodic sync going and asked it to go round once more.
    expect(w.pd.callsTo("GET /oncalls")).toHaveLength(2);
    expect(w.members()).toEqual([w.bob.slack]);
  });

  it("is set to the end of the current shift and re-syncs then, handing over within seconds", async () => {
    w = await startWorld();
    expect(w.timerNext()).toEqual(at(HOUR));
    w.setTime(at(HOUR));
    await w.fireTimer();
    expect(w.members()).toEqual([w.bob.slack]);
    expect(w.announcements().at(-1)).toBe(`<@${w.bob.slack}> is now on call for SRE until ${until(at(24 * HOUR))}.`);
    expect(w.timerNext()).toEqual(at(24 * HOUR));
    expect(T0.getTime()).toBeLessThan(w.timerNext()!.getTime());
  });
});

describe("dry run", () => {
  it("logs the writes it would make, makes none, and records nothing as applied", async () => {
    w = await startWorld({ dryRun: true });
    expect(w.members()).toEqual([]);
    expect(w.t.actions.filter((a) => a.dryRun).map((a) => a.name)).toEqual(["slack.usergroups.users.update", "slack.chat.postMessage"]);
    await w.sync();
    expect(w.t.actions.filter((a) => a.name === "slack.usergroups.users.update")).toHaveLength(2);
  });
});
