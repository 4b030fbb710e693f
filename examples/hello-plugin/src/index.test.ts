import { afterEach, describe, expect, it } from "vitest";
import { createTestBot, type TestBot } from "@botyard/testing";
import hello from "./index.js";

let t: TestBot;
afterEach(() => t?.close());

describe("the hello plugin", () => {
  it("answers hello in the channel, mentioning the sender", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS" });
    await t.send("hello there");
    expect(t.slack.messages("C00ALERTS").map((m) => m.text)).toEqual(["hello there", `Hello, <@${t.user}>!`]);
  });

  it("answers in the thread when spoken to in a thread", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS" });
    const parent = await t.send("a question");
    await t.send("hello", { thread_ts: parent.ts });
    expect(t.slack.replies("C00ALERTS", parent.ts).map((m) => m.text)).toEqual(["hello", `Hello, <@${t.user}>!`]);
  });

  it("posts webhook text to its channel, escaped so it cannot ping anyone", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS" });
    const res = await t.webhook("/notify", { text: "deploy <!channel> done" });
    expect(res.status).toBe(200);
    expect(t.slack.messages("C00ALERTS").map((m) => m.text)).toEqual(["deploy &lt;!channel&gt; done"]);
    expect((await t.webhook("/notify", { nope: 1 })).status).toBe(400);
  });

  it("counts heartbeats in its store", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS", heartbeat: "0 * * * * *" });
    await t.fireSchedule();
    await t.fireSchedule();
    expect(t.slack.messages("C00ALERTS").map((m) => m.text)).toEqual(["heartbeat #1", "heartbeat #2"]);
    expect(await t.store.get("beats")).toBe(2);
  });

  it("answers /hello ephemerally through the response_url", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS" });
    const result = await t.command("/hello", "world");
    expect(t.slack.responses(result.responseUrlId).map((r) => r.body.text)).toEqual([`Hello <@${t.user}>, you said: world`]);
  });

  it("in dry-run, records what it would post and posts nothing", async () => {
    t = await createTestBot(hello, { channel: "C00ALERTS" }, { dryRun: true });
    await t.webhook("/notify", { text: "deploy done" });
    expect(t.slack.messages("C00ALERTS")).toEqual([]);
    expect(t.actions.map((a) => [a.name, a.dryRun])).toEqual([["slack.chat.postMessage", true]]);
  });
});
