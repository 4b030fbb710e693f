import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator } from "@botyard/testing";
import { tally } from "./soak-ledger.js";
import type { SentLedger } from "./soak-load.js";
import { CHANNELS } from "./soak-world.js";

// The soak's verdict rests on this count: what the bots posted in Slack, against what was sent.
describe("the soak's ledger", () => {
  let slack: SlackEmulator;
  let dir: string;
  const journal = () => join(dir, "journal.log");
  const botPost = async (channel: string, text: string, threadTs?: string) => {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${slack.botToken}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    });
    return ((await res.json()) as { ts: string }).ts;
  };
  const sent = (partial: Partial<SentLedger>): SentLedger => ({ message: [], mention: [], webhook: [], alerts: [], statuses: new Map(), unanswered: 0, ...partial });

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    for (const id of [CHANNELS.out, CHANNELS.alerts]) slack.createChannel(id.toLowerCase(), { id });
    dir = mkdtempSync(join(tmpdir(), "botyard-soak-ledger-"));
  });
  afterEach(async () => {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts each id posted once as handled, and one never posted as lost", async () => {
    await botPost(CHANNELS.out, "message m1 by 100");
    const [messages] = tally(slack, sent({ message: ["m1", "m2"] }), [], journal());
    expect(messages).toMatchObject({ kind: "message", sent: 2, handled: 1, duplicated: 0, crashWindow: 0, lost: 1, examples: ["message m2 lost"] });
  });

  it("tells the documented crash window (the first poster was killed before recording) from a duplicate", async () => {
    // w1: pid 100 posted and was killed before ctx.once recorded it; pid 200 posted again.
    // w2: pid 100 posted and recorded it, then was killed; a second post is a bug.
    // w3: pid 300 was never killed; a second post is a bug.
    for (const text of ["webhook w1 by 100", "webhook w1 by 200", "webhook w2 by 100", "webhook w2 by 200", "webhook w3 by 300", "webhook w3 by 300"]) await botPost(CHANNELS.out, text);
    writeFileSync(journal(), "webhook w2 100\nwebhook w3 300\n");
    const hooks = tally(slack, sent({ webhook: ["w1", "w2", "w3"] }), [{ pid: 100, killedAt: Date.now() }], journal())[2]!;
    expect(hooks).toMatchObject({ handled: 3, crashWindow: 1, duplicated: 2, lost: 0 });
    expect(hooks.examples).toEqual(["webhook w2 posted by 100, 200", "webhook w3 posted by 300, 300"]);
  });

  it("counts a Datadog recovery by the bot's answers in the alert's thread, and a tick run twice", async () => {
    const datadog = slack.addBot({ name: "Datadog" });
    const alert = async (n: number) => (await slack.postAs(datadog, { channel: CHANNELS.alerts, text: `Triggered: Soak alert ${n}` })).ts;
    const [answered, twice, silent, standalone] = [await alert(1), await alert(2), await alert(3), await alert(4)];
    await botPost(CHANNELS.alerts, ":white_check_mark: Recovered", answered);
    await botPost(CHANNELS.alerts, ":white_check_mark: Recovered", twice);
    await botPost(CHANNELS.alerts, ":white_check_mark: Recovered", twice);
    // Alert 4's message was not found: its recovery is posted on its own, naming its group (not alert 40's).
    await botPost(CHANNELS.alerts, ":white_check_mark: *Recovered*: Soak alert 4 on {host:soak-4} (the alert message was not found)");
    for (const text of ["tick 2026-01-01T00:00:00.000Z by 1", "tick 2026-01-01T00:00:01.000Z by 1", "tick 2026-01-01T00:00:01.000Z by 2"]) await botPost(CHANNELS.out, text);
    const alerts = [
      { name: "Soak alert 1", scope: "host:soak-1", ts: answered, recoveryAcked: true },
      { name: "Soak alert 2", scope: "host:soak-2", ts: twice, recoveryAcked: true },
      { name: "Soak alert 3", scope: "host:soak-3", ts: silent, recoveryAcked: true },
      { name: "Soak alert 4", scope: "host:soak-4", ts: standalone, recoveryAcked: true },
      { name: "Soak alert 40", scope: "host:soak-40", ts: silent, recoveryAcked: true },
      // Never acknowledged: the sender did not hand it over, so it is not Botyard's to lose.
      { name: "Soak alert 5", scope: "host:soak-5", ts: silent, recoveryAcked: false },
    ];
    const [, , , recoveries, ticks] = tally(slack, sent({ alerts }), [], journal());
    expect(recoveries).toMatchObject({ sent: 5, handled: 3, duplicated: 1, lost: 2, examples: ["Soak alert 2 answered 2 times", "Soak alert 3 lost", "Soak alert 40 lost"] });
    expect(ticks).toMatchObject({ sent: 2, handled: 2, duplicated: 1, examples: ["tick 2026-01-01T00:00:01.000Z ran 2 times"] });
  });
});
