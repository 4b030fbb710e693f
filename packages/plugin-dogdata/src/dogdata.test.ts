import { MemoryStore } from "@botyard/core";
import { afterEach, describe, expect, it } from "vitest";
import { datadogAttachments, datadogEventId, defaultPayload, monitorLink, webhookPayload } from "./samples/datadog-samples.js";
import { ALERTS, DELIVERY_QUEUE, DogdataHarness, SECRET } from "./test-support/dogdata-harness.js";

let h: DogdataHarness;
afterEach(() => h?.close());

/** People talking in the alert channel before the bot was there. */
async function chatter(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await h.slack.sendMessage({ channel: ALERTS, user: "U0ALICE", text: `chatter ${i}`, silent: true });
}

const cpu = { monitorId: "4242", scope: "host:web-1,env:prod", name: "CPU high on web" };
const later = (ms: number) => Date.now() + ms;

describe("threading a recovery under its alert", () => {
  it("replies in the alert's thread and checks it, with a reply and a reaction as the only Slack calls", async () => {
    h = await DogdataHarness.start();
    const triggered = datadogEventId();
    const alert = await h.datadogPosts({ ...cpu, eventId: triggered });
    await h.deliver(webhookPayload({ ...cpu, eventId: triggered, cycleKey: "cycle-1" }));
    expect(h.replies(alert)).toEqual([]);

    h.slack.clearCalls();
    const recovered = datadogEventId();
    const response = await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", cycleKey: "cycle-1", eventId: recovered, date: later(125_000) }));
    expect(response.status).toBe(202);
    expect(h.calls()).toEqual(["chat.postMessage", "reactions.add"]);
    expect(h.replies(alert)).toEqual([
      `:white_check_mark: *Recovered* after 2m 5s: CPU high on web on {env:prod, host:web-1} · <https://app.datadoghq.com/event/event?id=${recovered}|View in Datadog> · <https://botyard.slack.com/archives/C00ALERTS/p${alert.replace(".", "")}|alert message>`,
    ]);
    expect(h.checked(alert)).toBe(true);
    expect(h.slack.messages(ALERTS)).toHaveLength(1);
  });

  it("matches on monitor id and group, never on the name", async () => {
    h = await DogdataHarness.start();
    const web1 = await h.datadogPosts({ monitorId: "100", scope: "host:web-1", name: "Disk full" });
    const web2 = await h.datadogPosts({ monitorId: "100", scope: "host:web-2", name: "Disk full" });
    const twin = await h.datadogPosts({ monitorId: "200", scope: "host:web-2", name: "Disk full" });
    await h.deliver(webhookPayload({ monitorId: "100", scope: "host:web-2", name: "Disk full", transition: "Recovered" }));
    expect([h.checked(web1), h.checked(web2), h.checked(twin)]).toEqual([false, true, false]);
    expect(h.replies(web2)).toHaveLength(1);
    expect(h.replies(web1).length + h.replies(twin).length).toBe(0);
  });

  it("recognises the legacy integration's posts and tolerates Datadog's default payload", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts({ monitorId: "300", scope: "env:prod", name: "Latency" }, { legacy: true });
    // The default payload has no transition, alert id or cycle key: they come from the title and the body's link.
    const response = await h.deliver(defaultPayload({ monitorId: "300", scope: "env:prod", name: "Latency", transition: "Recovered" }));
    expect(response.status).toBe(202);
    expect(h.checked(alert)).toBe(true);
    expect(h.replies(alert)[0]).toMatch(/^:white_check_mark: \*Recovered\* after \d+s: Latency on \{env:prod\}/);
  });

  it("takes no pasted title or link for an alert: not a person's, not another app's, not its own", async () => {
    h = await DogdataHarness.start({ notFound: { afterSeconds: 0, action: "log" } });
    await h.slack.sendMessage({ channel: ALERTS, user: "U0ALICE", text: `look: <${monitorLink(cpu)}|[Triggered on {${cpu.scope}}] ${cpu.name}>` });
    const relay = h.slack.addBot({ name: "Opsgenie" });
    await h.slack.postAs(relay, { channel: ALERTS, text: "", attachments: datadogAttachments(cpu) });
    await h.slack.postAs(h.slack.botId, { channel: ALERTS, text: "", attachments: datadogAttachments(cpu) });
    await h.t.settle();

    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    // Neither the index nor the history scan took any of them.
    expect(h.calls("conversations.history").length).toBeGreaterThan(0);
    expect(h.slack.messages(ALERTS).map((m) => [m.reply_count ?? 0, m.reactions ?? []])).toEqual([[0, []], [0, []], [0, []]]);
    expect(h.t.logs.some((l) => l.msg === "recovery without an alert message: only logged")).toBe(true);
  });

  it("never takes its own messages for alerts in the history scan, even when a sender rule names its app", async () => {
    // "botyard" is this bot's own app name in the Slack emulator: a sender rule that also matches it.
    h = await DogdataHarness.start({ senders: { names: ["Datadog", "botyard"] }, notFound: { afterSeconds: 0, action: "log" } });
    const own = await h.slack.postAs(h.slack.botId, { channel: ALERTS, text: "", attachments: datadogAttachments(cpu), silent: true });
    h.slack.clearCalls();
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.calls("conversations.history")).toHaveLength(1);
    expect(h.replies(own.ts)).toEqual([]);
    expect(h.checked(own.ts)).toBe(false);
    expect(h.t.logs.some((l) => l.msg === "recovery without an alert message: only logged")).toBe(true);
    // The same rule still takes Datadog's own post.
    const alert = await h.datadogPosts(cpu);
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", date: later(1_000) }));
    expect(h.checked(alert)).toBe(true);
  });

  it("tells later transitions in the thread, and takes the check off when an alert it marked fires again", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    await h.deliver(webhookPayload({ ...cpu, transition: "Renotify", date: later(1_000) }));
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", date: later(2_000) }));
    expect(h.checked(alert)).toBe(true);
    await h.deliver(webhookPayload({ ...cpu, transition: "Re-Triggered", date: later(3_000) }));
    expect(h.checked(alert)).toBe(false);
    expect(h.replies(alert).map((t) => t.split(":")[2]!.trim())).toEqual(["*Renotify*", "*Recovered* after 2s", "*Re-Triggered*"]);
  });

  it("follows an alert that warned before it triggered, and checks every message of it", async () => {
    h = await DogdataHarness.start();
    const [warnId, triggerId] = [datadogEventId(), datadogEventId()];
    const warn = await h.datadogPosts({ ...cpu, transition: "Warn", eventId: warnId });
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn", eventId: warnId, cycleKey: "c-9" }));
    const triggered = await h.datadogPosts({ ...cpu, transition: "Triggered", eventId: triggerId });
    await h.deliver(webhookPayload({ ...cpu, transition: "Triggered", eventId: triggerId, cycleKey: "c-9" }));
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", cycleKey: "c-9", date: later(60_000) }));
    expect(h.replies(warn).map((t) => t.split(":")[2]!.trim())).toEqual(["*Triggered*", "*Recovered* after 1m 0s"]);
    expect(h.replies(triggered)).toEqual([]);
    expect([h.checked(warn), h.checked(triggered)]).toEqual([true, true]);
  });

  it("escapes what Datadog sends, so a title cannot ping anyone, and keeps long texts within Block Kit limits", async () => {
    h = await DogdataHarness.start();
    const name = "Errors <!channel> & <@U0ALICE> > 5%";
    const alert = await h.datadogPosts({ ...cpu, name });
    await h.deliver(webhookPayload({ ...cpu, name, transition: "Renotify" }));
    const long = "x".repeat(200_000);
    await h.deliver(webhookPayload({ ...cpu, name: long, transition: "Recovered", message: long }));
    const [renotify, recovered] = h.slack.replies(ALERTS, alert);
    expect(renotify!.text).toContain("Errors &lt;!channel&gt; &amp; &lt;@U0ALICE&gt; &gt; 5%");
    expect(renotify!.text).not.toContain("<!channel>");
    expect(recovered!.text.length).toBeLessThanOrEqual(3_000);
    expect((recovered!.blocks![0] as { text: { text: string } }).text.text).toBe(recovered!.text);
    expect(recovered!.text).toContain("…");
  });

  it("takes already_reacted as done, not as an error", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    h.slack.failNext("reactions.add", "already_reacted");
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.replies(alert)).toHaveLength(1);
    expect(h.t.status().triggers.find((t) => t.kind === "webhook")).toMatchObject({ runs: 1, errors: 0 });
  });

  it("takes no_reaction as done, not as an error, when the check it takes off is already gone", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", date: later(1_000) }));
    expect(h.checked(alert)).toBe(true);
    // Someone took the check off by hand: Slack answers the bot's removal with no_reaction.
    h.slack.failNext("reactions.remove", "no_reaction");
    await h.deliver(webhookPayload({ ...cpu, transition: "Re-Triggered", date: later(2_000) }));
    expect(h.slack.callsTo("reactions.remove").map((c) => (c.response as { error?: string }).error)).toEqual(["no_reaction"]);
    expect(h.replies(alert).map((t) => t.split(":")[2]!.trim())).toEqual(["*Recovered* after 1s", "*Re-Triggered*"]);
    expect(h.t.status().triggers.find((t) => t.kind === "webhook")).toMatchObject({ runs: 2, errors: 0 });
    expect(h.t.logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg)).toEqual([]);
  });

  it("in dry-run, records the reply and the reaction it would make and makes neither", async () => {
    h = await DogdataHarness.start({}, { dryRun: true });
    const alert = await h.datadogPosts(cpu);
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.replies(alert)).toEqual([]);
    expect(h.t.actions.map((a) => [a.name, a.dryRun])).toEqual([
      ["slack.chat.postMessage", true],
      ["slack.reactions.add", true],
    ]);
  });
});

describe("No Data, Warn and Warn Recovered", () => {
  const transitions = (ts: string) => h.replies(ts).map((t) => t.split(": ").slice(0, 2).join(": "));

  it("tells a No Data on an open alert in its thread, without a check, until the alert recovers", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts({ ...cpu, eventId: datadogEventId() });
    await h.deliver(webhookPayload({ ...cpu, transition: "No Data", cycleKey: "nd-1", date: later(1_000) }));
    expect(transitions(alert)).toEqual([":grey_question: *No Data*"]);
    expect(h.checked(alert)).toBe(false);
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", cycleKey: "nd-1", date: later(90_000) }));
    expect(transitions(alert)).toEqual([":grey_question: *No Data*", ":white_check_mark: *Recovered* after 1m 30s"]);
    expect(h.checked(alert)).toBe(true);
  });

  it("tells a Warn in the thread of the alert it eases, and checks the alert on Warn Recovered", async () => {
    h = await DogdataHarness.start();
    const triggered = datadogEventId();
    const alert = await h.datadogPosts({ ...cpu, eventId: triggered });
    await h.deliver(webhookPayload({ ...cpu, eventId: triggered, cycleKey: "w-1" }));
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn", cycleKey: "w-1", date: later(30_000) }));
    expect(transitions(alert)).toEqual([":warning: *Warn*"]);
    expect(h.checked(alert)).toBe(false);
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn Recovered", cycleKey: "w-1", date: later(60_000) }));
    expect(transitions(alert)).toEqual([":warning: *Warn*", ":white_check_mark: *Warn Recovered* after 1m 0s"]);
    expect(h.checked(alert)).toBe(true);
  });

  it("threads a Warn Recovered under Datadog's own Warn message", async () => {
    h = await DogdataHarness.start();
    const warned = datadogEventId();
    const alert = await h.datadogPosts({ ...cpu, transition: "Warn", eventId: warned });
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn", eventId: warned }));
    expect(transitions(alert)).toEqual([]); // its own message is the Warn: nothing to add
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn Recovered", date: later(5_000) }));
    expect(transitions(alert)).toEqual([":white_check_mark: *Warn Recovered* after 5s"]);
    expect(h.checked(alert)).toBe(true);
  });

  it("takes the check off when the same alert cycle warns or stops reporting again; a new cycle leaves it on", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered", cycleKey: "c-1", date: later(1_000) }));
    expect(h.checked(alert)).toBe(true);

    // A new alert cycle (another cycle key): Datadog posts a new message for it; the old alert keeps its check.
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn", cycleKey: "c-2", date: later(2_000) }));
    expect(h.checked(alert)).toBe(true);
    expect(transitions(alert)).toEqual([":white_check_mark: *Recovered* after 1s"]);

    // The recovered cycle itself goes on (its cycle key): the check no longer holds.
    await h.deliver(webhookPayload({ ...cpu, transition: "No Data", cycleKey: "c-1", date: later(3_000) }));
    expect(h.checked(alert)).toBe(false);
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn Recovered", cycleKey: "c-1", date: later(4_000) }));
    expect(h.checked(alert)).toBe(true);
    await h.deliver(webhookPayload({ ...cpu, transition: "Warn", cycleKey: "c-1", date: later(5_000) }));
    expect(h.checked(alert)).toBe(false);
    expect(transitions(alert)).toEqual([
      ":white_check_mark: *Recovered* after 1s",
      ":grey_question: *No Data*",
      ":white_check_mark: *Warn Recovered* after 4s",
      ":warning: *Warn*",
    ]);
  });
});

describe("finding alerts the index never saw", () => {
  it("scans the history newest first, page by page, and reads no stretch of it twice", async () => {
    h = await DogdataHarness.start({ scan: { pageSize: 100, maxPages: 6 } });
    // Posted before the bot was there (no events): only the history knows them. Oldest first:
    const deepest = await h.datadogPosts({ monitorId: "8", scope: "", name: "Heartbeat" }, { silent: true });
    await chatter(150);
    const older = await h.datadogPosts({ monitorId: "7", scope: "", name: "Queue depth" }, { silent: true });
    const deep = await h.datadogPosts(cpu, { silent: true });
    await chatter(449);

    h.slack.clearCalls();
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    // 449 newer messages: the alert is the 450th, on the 5th page of 100.
    expect(h.calls()).toEqual([...Array(5).fill("conversations.history"), "chat.postMessage", "reactions.add"]);
    expect(h.checked(deep)).toBe(true);
    expect(h.slack.callsTo("conversations.history")[0]!.args).toMatchObject({ limit: "100", include_all_metadata: "true" });

    // The older alert was on that page too: remembered, its recovery reads no history.
    h.slack.clearCalls();
    await h.deliver(webhookPayload({ monitorId: "7", name: "Queue depth", transition: "Recovered" }));
    expect(h.calls()).toEqual(["chat.postMessage", "reactions.add"]);
    expect(h.checked(older)).toBe(true);

    // The deepest one: what is newer than the stretch read (one empty page), then only what is older than it.
    h.slack.clearCalls();
    await h.deliver(webhookPayload({ monitorId: "8", name: "Heartbeat", transition: "Recovered" }));
    expect(h.calls()).toEqual([...Array(3).fill("conversations.history"), "chat.postMessage", "reactions.add"]);
    expect(h.checked(deepest)).toBe(true);
  });

  it("stops at the page limit and then treats the recovery as not found", async () => {
    h = await DogdataHarness.start({ scan: { pageSize: 50, maxPages: 2 }, notFound: { afterSeconds: 0 } });
    await h.datadogPosts(cpu, { silent: true });
    await chatter(120);
    h.slack.clearCalls();
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.calls("conversations.history")).toHaveLength(2);
    expect(h.ownPosts().map((m) => m.text)).toEqual([expect.stringMatching(/^:white_check_mark: \*Recovered\*: CPU high on web on \{env:prod, host:web-1\} \(the alert message was not found\)/)]);
  });

  it("with ownPosts, posts the alert itself with its key in the metadata, and finds it again without the Store", async () => {
    h = await DogdataHarness.start({ ownPosts: true });
    await h.deliver(webhookPayload({ ...cpu, cycleKey: "own-1" }));
    const [posted] = h.ownPosts();
    expect(posted!.text).toMatch(/^:red_circle: \*Triggered\*: CPU high on web on \{env:prod, host:web-1\}/);
    expect(posted!.metadata).toMatchObject({ event_type: "botyard_dogdata_alert", event_payload: { monitor_id: "4242", scope: "env:prod,host:web-1", cycle_key: "own-1" } });
    await h.deliver(webhookPayload({ ...cpu, cycleKey: "own-1", transition: "Re-Triggered" }));
    expect(h.replies(posted!.ts)).toHaveLength(1);

    // Another bot instance, its Store empty: the scan recognises the post by its metadata.
    const slack = h.slack;
    await h.t.close();
    const { createTestBot } = await import("@botyard/testing");
    const dogdata = (await import("./index.js")).default;
    const fresh = await createTestBot(dogdata, { channels: [ALERTS], secret: SECRET, ownPosts: true }, { slack, id: "dogdata" });
    const res = await fresh.webhook("/", webhookPayload({ ...cpu, cycleKey: "own-1", transition: "Recovered" }), { headers: { "x-botyard-secret": SECRET } });
    expect(res.status).toBe(202);
    await expect.poll(() => slack.reactions(ALERTS, posted!.ts).map((r) => r.name)).toEqual(["white_check_mark"]);
    expect(slack.messages(ALERTS)).toHaveLength(1);
    await fresh.close();
  });
});

describe("delivery guarantees", () => {
  it("answers a duplicate delivery 200 and replies once", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    const payload = webhookPayload({ ...cpu, transition: "Recovered" });
    expect((await h.deliver(payload)).status).toBe(202);
    const again = await h.deliver(payload);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(h.replies(alert)).toHaveLength(1);
  });

  it("refuses a wrong or missing secret with 401 and does nothing else", async () => {
    h = await DogdataHarness.start({ basicAuth: { username: "datadog", password: "basic-password-0123" } });
    const alert = await h.datadogPosts(cpu);
    h.slack.clearCalls();
    const payload = webhookPayload({ ...cpu, transition: "Recovered" });
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    for (const headers of [{}, { "x-botyard-secret": `${SECRET}x` } as Record<string, string>, { "x-botyard-secret": SECRET.slice(0, -1) }, basic("datadog", "wrong-password-01234")]) {
      expect(await h.deliver(payload, headers)).toMatchObject({ status: 401, body: { ok: false, error: "unauthorized" }, headers: { "www-authenticate": 'Basic realm="botyard"' } });
    }
    expect(h.calls()).toEqual([]);
    expect(h.replies(alert)).toEqual([]);
    // The right credentials, either way, are accepted; the same delivery was never recorded before.
    expect((await h.deliver(payload, basic("datadog", "basic-password-0123"))).status).toBe(202);
    expect(h.replies(alert)).toHaveLength(1);
  });

  it("refuses payloads it cannot use with 400, naming the missing field and the documented payload", async () => {
    h = await DogdataHarness.start();
    h.slack.clearCalls();
    const full = webhookPayload({ ...cpu, transition: "Recovered" });
    const without = (...fields: string[]) => Object.fromEntries(Object.entries(full).filter(([k]) => !fields.includes(k)));
    const cases: Array<[unknown, string]> = [
      ["just text", "(body)"],
      [[full], "(body)"],
      [without("id"), "id"],
      [{ ...without("alert_transition"), title: "CPU high" }, "alert_transition"],
      [{ ...without("alert_id", "body"), alert_cycle_key: "$ALERT_CYCLE_KEY" }, "alert_id"],
    ];
    for (const [body, field] of cases) {
      const res = await h.post(body);
      expect(res).toMatchObject({ status: 400, body: { ok: false, error: "invalid_payload", field, docs: expect.stringMatching(/\/docs\/plugins\/dogdata\.md#the-webhook-payload$/) } });
      expect((res.body as { message: string }).message).toMatch(field === "(body)" ? /JSON object/ : new RegExp(`\`${field}\``));
    }
    // Read before the secret is checked, as the host reads JSON before any plugin: the refusal
    // names the payload's problem only, and nothing runs.
    expect(await h.deliver(without("id"), {})).toMatchObject({ status: 400, body: { error: "invalid_payload", field: "id" } });
    await h.drain();
    expect(h.calls()).toEqual([]);
  });

  it("reconciles a recovery that arrives before its alert message", async () => {
    h = await DogdataHarness.start();
    const response = await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(response.status).toBe(202);
    expect(await h.t.store.list("pending/")).toHaveLength(1);
    // Datadog's post of the alert shows up late: the waiting recovery is threaded under it.
    const alert = await h.datadogPosts(cpu);
    expect(h.replies(alert)).toHaveLength(1);
    expect(h.checked(alert)).toBe(true);
    expect(await h.t.store.list("pending/")).toEqual([]);
  });

  it("with ownPosts, posts a Triggered that arrives after its recovery and threads the recovery under it", async () => {
    h = await DogdataHarness.start({ ownPosts: true, scan: { enabled: false } });
    await h.deliver(webhookPayload({ ...cpu, cycleKey: "late", transition: "Recovered", date: later(60_000) }));
    expect(h.ownPosts()).toEqual([]);
    await h.deliver(webhookPayload({ ...cpu, cycleKey: "late", transition: "Triggered" }));
    const [alert] = h.ownPosts();
    expect(h.replies(alert!.ts).map((t) => t.split(":")[2]!.trim())).toEqual(["*Recovered* after 1m 0s"]);
    expect(h.checked(alert!.ts)).toBe(true);
  });

  it("gives up on a recovery whose alert never shows up: a standalone message, or only a log line", async () => {
    h = await DogdataHarness.start({ scan: { enabled: false }, notFound: { afterSeconds: 60 } });
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    await h.t.fireSchedule("pending-recoveries");
    expect(h.ownPosts()).toEqual([]);
    // Backdate the wait, as if the minute had passed.
    const [pending] = await h.t.store.list<{ since: number }>("pending/");
    await h.t.store.set(pending!.key, { ...pending!.value, since: Date.now() - 61_000 });
    await h.t.fireSchedule("pending-recoveries");
    expect(h.ownPosts().map((m) => m.text)).toEqual([expect.stringContaining("(the alert message was not found)")]);
    await h.close();

    h = await DogdataHarness.start({ scan: { enabled: false }, notFound: { afterSeconds: 0, action: "log" } });
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.ownPosts()).toEqual([]);
    expect(h.t.logs.find((l) => l.msg === "recovery without an alert message: only logged")).toMatchObject({ monitor: "4242", scope: "env:prod,host:web-1" });
  });

  it("never replies twice when a delivery is retried after the reply went out", async () => {
    h = await DogdataHarness.start();
    const alert = await h.datadogPosts(cpu);
    // The reaction fails for good on the first attempt: the queue retries the whole delivery (after 1 s).
    h.slack.failNext("reactions.add", "internal_error");
    await h.deliver(webhookPayload({ ...cpu, transition: "Recovered" }));
    expect(h.replies(alert)).toHaveLength(1);
    expect(h.checked(alert)).toBe(true);
    expect(h.calls("reactions.add")).toHaveLength(2);
  });

  it("keeps an accepted delivery through a restart: another process handles what this one queued", async () => {
    const store = new MemoryStore();
    h = await DogdataHarness.start({}, { store });
    const alert = await h.datadogPosts(cpu);
    h.t.engine.queues.setPaused(true);
    expect((await h.post(webhookPayload({ ...cpu, transition: "Recovered" }))).status).toBe(202);
    const slack = h.slack;
    await h.t.close();
    expect(await store.queueSize(DELIVERY_QUEUE)).toBe(1);

    const { createTestBot } = await import("@botyard/testing");
    const dogdata = (await import("./index.js")).default;
    const next = await createTestBot(dogdata, { channels: [ALERTS], secret: SECRET }, { slack, store, id: "dogdata" });
    await expect.poll(() => slack.replies(ALERTS, alert).length, { timeout: 5_000 }).toBe(1);
    await expect.poll(() => slack.reactions(ALERTS, alert).length).toBe(1);
    await next.close();
  });
});
