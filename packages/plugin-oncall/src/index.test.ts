import { Tokens, type Clock } from "@botyard/core";
import { createTestBot, SlackEmulator } from "@botyard/testing";
import { afterEach, describe, expect, it } from "vitest";
import oncall, { OncallTokens, type PagerDutyClient, type PdOnCall } from "./index.js";
import { Keys, syncKey, type Snapshot } from "./sync/state.js";
import { ANNOUNCE, HOUR, TOPIC, at, startWorld, until, type World } from "./test-support/oncall-world.js";

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Two groups: SRE from the primary schedule, DB from the secondary (Bob until T0+3h). */
function twoGroups(extra: Record<string, unknown> = {}) {
  return startWorld({
    before: (b) => {
      b.slack.addUsergroup({ handle: "oncall-db", name: "DB on call" });
      b.pd.setOnCall(b.secondary.id, [{ userId: b.bob.pd.id, start: at(-HOUR), end: at(3 * HOUR) }]);
    },
    config: (b) => ({
      syncs: [
        { usergroup: "oncall-sre", name: "SRE", schedules: [b.primary.id], announceChannel: ANNOUNCE },
        { usergroup: "oncall-db", name: "DB", schedules: [b.secondary.id] },
      ],
      ...extra,
    }),
  });
}

/** The error a bot with this config fails to load with. */
async function loadError(config: unknown): Promise<Error & { code: string }> {
  try {
    // Deliberately wrong configs: what the schema, not the compiler, must refuse.
    await (await createTestBot(oncall, config as never)).close();
  } catch (error) {
    return error as Error & { code: string };
  }
  throw new Error("expected the bot to fail to load");
}

const sre = () => `*SRE* (@oncall-sre): Alice Archer until ${until(at(HOUR))}`;
const db = () => `*DB* (@oncall-db): Bob Baker until ${until(at(3 * HOUR))}`;

describe("asking who is on call", () => {
  it("/oncall answers each group's on-call and until when, privately", async () => {
    w = await twoGroups();
    const all = await w.t.command("/oncall");
    expect(w.slack.responses(all.responseUrlId).map((r) => [r.body.text, r.body.response_type])).toEqual([[`${sre()}\n${db()}`, "ephemeral"]]);
    const one = await w.t.command("/oncall", "db");
    expect(w.slack.responses(one.responseUrlId)[0]!.body.text).toBe(db());
  });

  it("answers `@bot oncall <group>` and `@bot who is on call?` in the channel, once each, without pinging anyone", async () => {
    w = await twoGroups();
    const bot = `<@${w.slack.botUserId}>`;
    await w.t.send(`${bot} oncall sre`, { channel: TOPIC });
    await w.t.send(`${bot} who's on call for DB?`, { channel: TOPIC });
    await w.t.send(`${bot} oncall who is on call`, { channel: TOPIC });
    const answers = w.slack.messages(TOPIC).filter((m) => m.user === w!.slack.botUserId).map((m) => m.text);
    expect(answers).toEqual([sre(), db(), `${sre()}\n${db()}`]);
    expect(answers.join("\n")).not.toContain("<@");
  });

  it("does not answer again when the question is edited (Slack delivers the mention again, with `edited`)", async () => {
    w = await twoGroups();
    const asked = await w.t.send(`<@${w.slack.botUserId}> oncall sre`, { channel: TOPIC });
    await w.slack.editMessage({ channel: TOPIC, ts: asked.ts, text: `<@${w.slack.botUserId}> oncall sre?` });
    await w.t.settle();
    expect(w.slack.messages(TOPIC).filter((m) => m.user === w!.slack.botUserId).map((m) => m.text)).toEqual([sre()]);
  });

  it("takes another keyword when `oncall` belongs to another bot", async () => {
    w = await twoGroups({ keyword: "pager", command: "/pager", answerWhoIsOnCall: false });
    const bot = `<@${w.slack.botUserId}>`;
    await w.t.send(`${bot} pager db`, { channel: TOPIC });
    await w.t.send(`${bot} who is on call?`, { channel: TOPIC });
    const answers = w.slack.messages(TOPIC).filter((m) => m.user === w!.slack.botUserId).map((m) => m.text);
    expect(answers).toEqual([db()]);
    expect(w.t.status().triggers.map((t) => t.name)).toEqual(expect.arrayContaining(["command:/pager", "mention:pager"]));
  });

  it("escapes names from PagerDuty", async () => {
    w = await startWorld({
      before: (b) => {
        const eve = b.pd.addUser({ name: "<!channel> Eve", email: "eve@example.com" });
        b.pd.setOnCall(b.primary.id, [{ userId: eve.id, start: at(-HOUR), end: at(HOUR) }]);
      },
    });
    const reply = await w.t.command("/oncall");
    expect(w.slack.responses(reply.responseUrlId)[0]!.body.text).toBe(`*SRE* (@oncall-sre): &lt;!channel&gt; Eve (no Slack account) until ${until(at(HOUR))}`);
  });
});

describe("configuration", () => {
  it("syncs every 5 minutes by default, plus the shift-end timer", async () => {
    w = await startWorld({ config: () => ({ interval: undefined }) });
    const triggers = w.t.status().triggers;
    expect(triggers.find((t) => t.name === "sync")?.description).toBe('cron "*/5 * * * *"');
    expect(triggers.map((t) => t.name)).toContain("timer:shift-end");
  });

  it("refuses a sync without a source, with two sources, or a fallback policy without a user", async () => {
    const config = {
      pagerduty: { token: "x" },
      syncs: [
        { usergroup: "oncall-a" },
        { usergroup: "oncall-b", schedules: ["PAAA"], escalationPolicy: { id: "PBBB" } },
        { usergroup: "oncall-c", schedules: ["PCCC"], whenNobody: "fallback" },
        { usergroup: "@oncall-C", schedules: ["PDDD"] },
      ],
    };
    const error = await loadError(config);
    expect(error.code).toBe("BOTYARD_ERR_PLUGIN_SETUP_FAILED");
    expect(error.message).toContain("syncs[0] (oncall-a) needs `schedules` or `escalationPolicy`");
    expect(error.message).toContain("syncs[1] (oncall-b) has both `schedules` and `escalationPolicy`");
    expect(error.message).toContain("syncs[2] (oncall-c) has `whenNobody: fallback` but no `fallbackUser`");
    expect(error.message).toContain("syncs[3] (@oncall-C) targets the same user group as syncs[2]");
  });

  it("names the field of a value the schema refuses", async () => {
    const error = await loadError({ pagerduty: { token: "x", baseUrl: "api.pagerduty.com" }, syncs: [{ usergroup: "g", schedules: ["PA"], whenNobody: "empty" }] });
    expect(error.code).toBe("BOTYARD_ERR_PLUGIN_CONFIG_INVALID");
    expect(error.message).toContain("config.pagerduty.baseUrl");
    expect(error.message).toContain("config.syncs.0.whenNobody");
  });
});

describe("replacing the bot's services", () => {
  it("syncs from a PagerDuty client and a clock registered before the bot starts", async () => {
    const slack = await SlackEmulator.start({ ackTimeoutMs: 1_000 });
    const erin = slack.addUser({ name: "erin", realName: "Erin Eze", email: "erin@example.com" }).id;
    const group = slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" }).id;
    const syncedAt = new Date("2031-01-01T08:00:00Z");
    const asked: unknown[] = [];
    const oncalls: PdOnCall[] = [
      {
        user: { id: "PERIN", type: "user", name: "Erin Eze", email: "erin@example.com" },
        schedule: { id: "PSRE", type: "schedule_reference" },
        escalation_policy: { id: "PEP", type: "escalation_policy_reference" },
        escalation_level: 1,
        start: "2031-01-01T00:00:00Z",
        end: "2031-01-01T12:00:00Z",
      },
    ];
    // No PagerDuty at all: the bot's config points nowhere, and only the fake answers.
    const pagerduty = { listOnCalls: async (filter: unknown) => (asked.push(filter), oncalls) } as unknown as PagerDutyClient;
    const clock: Clock = { now: () => syncedAt };
    const t = await createTestBot(
      oncall,
      { pagerduty: { token: "unused", baseUrl: "http://127.0.0.1:9" }, interval: "0 0 1 1 *", syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: ["PSRE"] }] },
      {
        slack,
        services: (c) => {
          c.register(OncallTokens.PagerDuty, { useValue: pagerduty });
          c.register(Tokens.Clock, { useValue: clock });
        },
      },
    );
    try {
      await slack.waitFor(() => slack.usergroup(group)!.users.includes(erin), 10_000);
      await t.settle();
      expect(asked).toEqual([{ scheduleIds: ["PSRE"] }]);
      const snapshot = await t.store.get<Snapshot>(Keys.snapshot(syncKey("oncall-sre")));
      expect(snapshot?.syncedAt).toBe(syncedAt.toISOString());
      expect(snapshot?.people.map((p) => [p.slackUserId, p.end])).toEqual([[erin, "2031-01-01T12:00:00Z"]]);
    } finally {
      await t.close();
      await slack.close();
    }
  });
});
