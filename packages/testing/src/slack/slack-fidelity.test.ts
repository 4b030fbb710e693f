// What Slack sends that bots depend on, beyond one message per post: edited mentions delivered
// again, broadcast replies with their root, thread summaries, and the system messages channel
// changes post. Each test reads like the documentation of one behaviour.
import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator } from "./slack-emulator.js";

let slack: SlackEmulator;
let web: WebClient;
let ops: string;
let alice: string;

/** The events delivered so far (queued for the app over Socket Mode), oldest first. */
function events(): Record<string, unknown>[] {
  return slack.envelopes.filter((e) => e.type === "events_api").map((e) => (e.payload as { event: Record<string, unknown> }).event);
}

beforeEach(async () => {
  slack = await SlackEmulator.start({ pingIntervalMs: 0 });
  web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  alice = slack.addUser({ name: "alice" }).id;
  ops = slack.createChannel("ops", { members: [alice] }).id;
});

afterEach(async () => {
  await slack.close();
});

describe("mentions", () => {
  it("delivers app_mention again, with `edited`, when a message mentioning the app is edited", async () => {
    const posted = await slack.sendMessage({ channel: ops, user: alice, text: `<@${slack.botUserId}> deploy web` });
    await slack.editMessage({ channel: ops, ts: posted.ts, text: `<@${slack.botUserId}> deploy api` });

    const mentions = events().filter((e) => e.type === "app_mention");
    expect(mentions).toHaveLength(2);
    expect(mentions[0]).not.toHaveProperty("edited");
    // Same message (ts), new text, and `edited` tells a bot it has seen this message before.
    expect(mentions[1]).toMatchObject({ ts: posted.ts, text: `<@${slack.botUserId}> deploy api`, edited: { user: alice } });
  });

  it("does not deliver app_mention when the edited message no longer mentions the app", async () => {
    const posted = await slack.sendMessage({ channel: ops, user: alice, text: `<@${slack.botUserId}> deploy web` });
    await slack.editMessage({ channel: ops, ts: posted.ts, text: "never mind" });
    expect(events().filter((e) => e.type === "app_mention")).toHaveLength(1);
  });
});

describe("threads", () => {
  it("shows a reply broadcast to the channel in its history, with `root`", async () => {
    const parent = await slack.sendMessage({ channel: ops, user: alice, text: "deploy?" });
    const reply = await slack.sendMessage({ channel: ops, user: alice, text: "done, see thread", thread_ts: parent.ts, reply_broadcast: true });

    const { messages = [] } = await web.conversations.history({ channel: ops });
    const broadcast = messages.find((m) => m.ts === reply.ts) as Record<string, unknown> | undefined;
    expect(broadcast).toMatchObject({ subtype: "thread_broadcast", thread_ts: parent.ts, root: { ts: parent.ts, text: "deploy?", reply_count: 1 } });
    expect(events().find((e) => e.ts === reply.ts)).toMatchObject({ subtype: "thread_broadcast", root: { ts: parent.ts } });
  });

  it("keeps a thread parent's summary up to date as replies arrive", async () => {
    const bob = slack.addUser({ name: "bob" }).id;
    slack.addMember(ops, bob);
    const parent = await slack.sendMessage({ channel: ops, user: alice, text: "incident" });
    await slack.sendMessage({ channel: ops, user: alice, text: "looking", thread_ts: parent.ts });
    const last = await slack.sendMessage({ channel: ops, user: bob, text: "fixed", thread_ts: parent.ts });

    const { messages = [] } = await web.conversations.history({ channel: ops });
    expect(messages.find((m) => m.ts === parent.ts)).toMatchObject({ reply_count: 2, reply_users_count: 2, reply_users: [alice, bob], latest_reply: last.ts, thread_ts: parent.ts });
  });

  it("carries the thread summary in message_changed and message_deleted of a thread parent", async () => {
    const parent = await slack.sendMessage({ channel: ops, user: alice, text: "incident" });
    const reply = await slack.sendMessage({ channel: ops, user: alice, text: "looking", thread_ts: parent.ts });
    await slack.editMessage({ channel: ops, ts: parent.ts, text: "incident (resolved)" });
    await slack.deleteMessage({ channel: ops, ts: parent.ts });

    const summary = { thread_ts: parent.ts, reply_count: 1, reply_users_count: 1, reply_users: [alice], latest_reply: reply.ts };
    const changed = events().find((e) => e.subtype === "message_changed");
    expect(changed).toMatchObject({ message: { text: "incident (resolved)", ...summary }, previous_message: { text: "incident", ...summary } });
    expect(events().find((e) => e.subtype === "message_deleted")).toMatchObject({ deleted_ts: parent.ts, previous_message: summary });
  });
});

describe("channel changes post system messages", () => {
  it("join, leave: channel_join (with the inviter) and member_joined_channel, channel_leave then member_left_channel", async () => {
    const bob = slack.addUser({ name: "bob" }).id;
    await slack.join({ channel: ops, user: bob, inviter: alice });
    await slack.leave({ channel: ops, user: bob });

    expect(events().map((e) => e.subtype ?? e.type)).toEqual(["member_joined_channel", "channel_join", "channel_leave", "member_left_channel"]);
    expect(events()[1]).toMatchObject({ user: bob, inviter: alice, text: `<@${bob}> has joined the channel` });
    expect(slack.channel(ops)?.members).not.toContain(bob);
  });

  it("rename, purpose, archive: channel_name (old and new name), channel_purpose, channel_archive; then posting fails", async () => {
    await slack.renameChannel({ channel: ops, user: alice, name: "operations" });
    await slack.setPurpose({ channel: ops, user: alice, purpose: "Deploys and incidents" });
    await slack.archiveChannel({ channel: ops, user: alice });

    expect(events()).toMatchObject([
      { subtype: "channel_name", old_name: "ops", name: "operations" },
      { subtype: "channel_purpose", purpose: "Deploys and incidents" },
      { subtype: "channel_archive", user: alice },
    ]);
    expect(slack.channel(ops)).toMatchObject({ name: "operations", previous_names: ["ops"], is_archived: true, purpose: { value: "Deploys and incidents" } });
    await expect(web.chat.postMessage({ channel: ops, text: "still here?" })).rejects.toMatchObject({ data: { error: "is_archived" } });
  });
});

describe("kinds of message", () => {
  it("a file shared with a message is a file_share carrying `files`", async () => {
    const posted = await slack.sendMessage({ channel: ops, user: alice, text: "the numbers", files: [{ name: "report.csv" }] });
    const event = events().find((e) => e.ts === posted.ts);
    expect(event).toMatchObject({ subtype: "file_share", text: "the numbers", upload: false, files: [{ name: "report.csv", filetype: "csv", mimetype: "text/csv", user: alice }] });
  });

  it("`/me waves` is a me_message", async () => {
    const posted = await slack.sendMessage({ channel: ops, user: alice, text: "waves", me: true });
    expect(events().find((e) => e.ts === posted.ts)).toMatchObject({ subtype: "me_message", text: "waves", user: alice });
  });

  it("an app's post with a custom identity carries `icons`, and its bot_profile names its bot user", async () => {
    const { message } = await web.chat.postMessage({ channel: ops, text: "beep", icon_emoji: ":robot_face:" });
    expect(message).toMatchObject({ icons: { emoji: ":robot_face:" }, bot_profile: { user_id: slack.botUserId } });
  });

  it("Slack marks a button's plain_text label with `emoji: true` when the app left it out", async () => {
    const { message } = await web.chat.postMessage({
      channel: ops,
      text: "Approve?",
      blocks: [{ type: "actions", elements: [{ type: "button", action_id: "ok", text: { type: "plain_text", text: "Approve" } }] }],
    });
    expect(message?.blocks?.[0]).toMatchObject({ elements: [{ text: { type: "plain_text", text: "Approve", emoji: true } }] });
  });

  it("message events keep the message's metadata", async () => {
    const metadata = { event_type: "deploy_started", event_payload: { service: "web" } };
    const { ts } = await web.chat.postMessage({ channel: ops, text: "deploying", metadata });
    expect(events().find((e) => e.ts === ts)).toMatchObject({ metadata });
  });
});
