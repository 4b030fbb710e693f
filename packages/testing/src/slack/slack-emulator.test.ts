import { SocketModeClient } from "@slack/socket-mode";
import { takeViolations } from "../conformance/registry.js";
import {
  type ConversationsHistoryResponse,
  type ConversationsListResponse,
  ErrorCode,
  type Logger,
  LogLevel,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
  WebClientEvent,
  type WebClientOptions,
} from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { SlackEmulator } from "./slack-emulator.js";

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

let slack: SlackEmulator;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  slack = await SlackEmulator.start({ ackTimeoutMs: 300 });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await slack.close();
});

function web(token: string = slack.botToken, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, logger: silent, retryConfig: { retries: 0 }, ...options });
}

async function socketClient(): Promise<SocketModeClient> {
  const client = new SocketModeClient({
    appToken: slack.appToken,
    logger: silent,
    clientPingTimeout: 200,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 } },
  });
  cleanups.push(() => client.disconnect());
  await client.start();
  return client;
}

/** A bare WebSocket client that never acks, to watch the wire protocol itself. */
async function rawSocket(): Promise<{ messages: Record<string, any>[]; socket: WebSocket }> {
  const { url } = await web(slack.appToken).apps.connections.open();
  const socket = new WebSocket(url!);
  const messages: Record<string, any>[] = [];
  socket.on("message", (data) => messages.push(JSON.parse(data.toString())));
  cleanups.push(() => socket.terminate());
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  await slack.waitFor(() => messages.some((m) => m.type === "hello"));
  return { messages, socket };
}

async function platformError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return (error as WebAPIPlatformError).data.error;
}

describe("Web API", () => {
  it("answers auth.test with the bot's identity", async () => {
    const result = await web().auth.test();
    expect(result).toMatchObject({
      ok: true,
      url: "https://botyard.slack.com/",
      team: "Botyard",
      team_id: "T0BOTYARD",
      user_id: slack.botUserId,
      bot_id: slack.botId,
    });
  });

  it("rejects bad, missing and wrong-kind tokens like Slack", async () => {
    expect(await platformError(web("xoxb-not-a-real-token").auth.test())).toBe("invalid_auth");
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.apiUrl, logger: silent, retryConfig: { retries: 0 } });
    expect(await platformError(anonymous.auth.test())).toBe("not_authed");
    expect(await platformError(web(slack.appToken).auth.test())).toBe("not_allowed_token_type");
    expect(await platformError(web().apps.connections.open())).toBe("not_allowed_token_type");
    expect(await platformError(web().apiCall("chat.doesNotExist"))).toBe("unknown_method");
    // Conformance mode notices both: a call without a token, and a method the emulator does not implement.
    expect(takeViolations({ operation: "auth.test", direction: "request" }).map((v) => v.errors)).toEqual([[expect.stringMatching(/no token/)]]);
    expect(takeViolations({ operation: "chat.doesNotExist" }).map((v) => v.direction)).toEqual(["coverage"]);
  });

  it("threads replies under their parent and keeps the thread summary up to date", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const client = web();
    const parent = await client.chat.postMessage({ channel: ops.id, text: "Deploying v1.2" });
    expect(parent.message).toMatchObject({ text: "Deploying v1.2", user: slack.botUserId, bot_id: slack.botId, type: "message" });
    const reply = await client.chat.postMessage({ channel: ops.id, text: "step 1 done", thread_ts: parent.ts! });
    await slack.sendMessage({ channel: ops.id, user: alice.id, text: "thanks", thread_ts: parent.ts! });
    await client.chat.postMessage({ channel: ops.id, text: "all done", thread_ts: parent.ts!, reply_broadcast: true });

    const thread = await client.conversations.replies({ channel: ops.id, ts: parent.ts! });
    expect(thread.messages!.map((m) => m.text)).toEqual(["Deploying v1.2", "step 1 done", "thanks", "all done"]);
    expect(thread.messages![0]).toMatchObject({ reply_count: 3, reply_users_count: 2, thread_ts: parent.ts });
    expect(thread.messages![1]).toMatchObject({ thread_ts: parent.ts, parent_user_id: slack.botUserId, ts: reply.ts });

    // The broadcast reply shows in the channel too; plain replies do not.
    expect(slack.messages(ops.id).map((m) => m.text)).toEqual(["Deploying v1.2", "all done"]);
    expect(slack.replies(ops.id, parent.ts!)).toHaveLength(3);
  });

  it("checks channels: unknown ids and channels the bot is not in", async () => {
    const quiet = slack.createChannel("quiet", { botMember: false });
    const client = web();
    expect(await platformError(client.chat.postMessage({ channel: "C9999999", text: "hi" }))).toBe("channel_not_found");
    expect(await platformError(client.chat.postMessage({ channel: quiet.id, text: "hi" }))).toBe("not_in_channel");
    expect(await platformError(client.conversations.history({ channel: quiet.id }))).toBe("not_in_channel");
    await client.conversations.join({ channel: quiet.id });
    await client.chat.postMessage({ channel: "#quiet", text: "hi" });
    expect(slack.messages(quiet.id).map((m) => m.subtype ?? m.text)).toEqual(["channel_join", "hi"]);
  });

  it("pages conversations.history newest first with cursors and honours oldest/latest", async () => {
    const ops = slack.createChannel("ops");
    const client = web();
    const posted: string[] = [];
    for (let i = 1; i <= 5; i++) posted.push((await client.chat.postMessage({ channel: ops.id, text: `m${i}` })).ts!);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.history({ channel: ops.id, limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.messages!.map((m) => m.text!));
      expect(page.has_more).toBe(Boolean(page.response_metadata?.next_cursor));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(pages).toEqual([["m5", "m4"], ["m3", "m2"], ["m1"]]);

    const exclusive = await client.conversations.history({ channel: ops.id, oldest: posted[1]!, latest: posted[3]! });
    expect(exclusive.messages!.map((m) => m.text)).toEqual(["m3"]);
    const inclusive = await client.conversations.history({ channel: ops.id, oldest: posted[1]!, latest: posted[3]!, inclusive: true });
    expect(inclusive.messages!.map((m) => m.text)).toEqual(["m4", "m3", "m2"]);

    // WebClient's own paginator follows the cursors to the end.
    let seen = 0;
    for await (const page of client.paginate("conversations.history", { channel: ops.id, limit: 2 })) seen += (page as ConversationsHistoryResponse).messages!.length;
    expect(seen).toBe(5);
  });

  it("returns message metadata only with include_all_metadata", async () => {
    const ops = slack.createChannel("ops");
    const client = web();
    const metadata = { event_type: "deploy_started", event_payload: { service: "api", version: "1.2" } };
    await client.chat.postMessage({ channel: ops.id, text: "deploying", metadata });
    expect((await client.conversations.history({ channel: ops.id })).messages![0]!.metadata).toBeUndefined();
    const withMeta = await client.conversations.history({ channel: ops.id, include_all_metadata: true });
    expect(withMeta.messages![0]!.metadata).toEqual(metadata);
    expect(slack.messages(ops.id)[0]!.metadata).toEqual(metadata);
  });

  it("reports already_reacted and no_reaction as platform errors", async () => {
    const ops = slack.createChannel("ops");
    const client = web();
    const { ts } = await client.chat.postMessage({ channel: ops.id, text: "alert" });
    await client.reactions.add({ channel: ops.id, timestamp: ts!, name: "eyes" });
    expect(await platformError(client.reactions.add({ channel: ops.id, timestamp: ts!, name: "eyes" }))).toBe("already_reacted");
    expect(await platformError(client.reactions.add({ channel: ops.id, timestamp: "1.000001", name: "eyes" }))).toBe("message_not_found");
    expect(await platformError(client.reactions.add({ channel: ops.id, timestamp: ts!, name: ":eyes:" }))).toBe("invalid_name");
    expect(slack.reactions(ops.id, ts!)).toEqual([{ name: "eyes", users: [slack.botUserId], count: 1 }]);
    const got = await client.reactions.get({ channel: ops.id, timestamp: ts! });
    expect(got.message!.reactions).toEqual([{ name: "eyes", users: [slack.botUserId], count: 1 }]);
    await client.reactions.remove({ channel: ops.id, timestamp: ts!, name: "eyes" });
    expect(await platformError(client.reactions.remove({ channel: ops.id, timestamp: ts!, name: "eyes" }))).toBe("no_reaction");
  });

  it("has the WebClient retry a 429 after Retry-After, or throw with rejectRateLimitedCalls", async () => {
    const ops = slack.createChannel("ops");
    slack.rateLimit("chat.postMessage", { retryAfterSec: 0 });
    const retrying = web(slack.botToken, { retryConfig: { retries: 3, minTimeout: 10, maxTimeout: 50 } });
    const limited: number[] = [];
    retrying.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    await retrying.chat.postMessage({ channel: ops.id, text: "after a pause" });
    expect(limited).toEqual([0]);
    expect(slack.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
    expect(slack.messages(ops.id)).toHaveLength(1);

    slack.rateLimit("chat.postMessage", { retryAfterSec: 7 });
    const strict = web(slack.botToken, { rejectRateLimitedCalls: true });
    const error = await strict.chat.postMessage({ channel: ops.id, text: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
  });

  it("keeps user groups from being emptied and validates members", async () => {
    const alice = slack.addUser({ name: "alice" });
    const bob = slack.addUser({ name: "bob" });
    const group = slack.addUsergroup({ handle: "oncall", name: "On-call", users: [alice.id] });
    const client = web();
    expect(await platformError(client.usergroups.users.update({ usergroup: group.id, users: "" }))).toBe("no_users_provided");
    expect(await platformError(client.usergroups.users.update({ usergroup: group.id, users: "U404" }))).toBe("invalid_users");
    const updated = await client.usergroups.users.update({ usergroup: group.id, users: `${bob.id},${alice.id}` });
    expect(updated.usergroup!.users).toEqual([bob.id, alice.id]);
    expect(slack.usergroup("oncall")!.users).toEqual([bob.id, alice.id]);

    await client.usergroups.disable({ usergroup: group.id });
    expect(slack.usergroup(group.id)!.date_delete).toBeGreaterThan(0);
    expect((await client.usergroups.list()).usergroups).toEqual([]);
    const all = await client.usergroups.list({ include_disabled: true, include_users: true });
    expect(all.usergroups!.map((g) => [g.handle, g.users])).toEqual([["oncall", [bob.id, alice.id]]]);
    await client.usergroups.enable({ usergroup: group.id });
    expect((await client.usergroups.users.list({ usergroup: group.id })).users).toEqual([bob.id, alice.id]);
    expect(slack.activities.filter((a) => a.type === "usergroup_updated")).toHaveLength(3);
  });

  it("looks users up by email and reports users_not_found", async () => {
    const alice = slack.addUser({ name: "alice", realName: "Alice Liddell", email: "Alice@example.com", tz: "Europe/London" });
    const found = await web().users.lookupByEmail({ email: "alice@example.com" });
    expect(found.user).toMatchObject({ id: alice.id, name: "alice", real_name: "Alice Liddell", tz: "Europe/London" });
    expect(found.user!.profile!.email).toBe("Alice@example.com");
    expect(await platformError(web().users.lookupByEmail({ email: "nobody@example.com" }))).toBe("users_not_found");
  });

  it("updates and deletes only the bot's own messages", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const client = web();
    const { ts } = await client.chat.postMessage({
      channel: ops.id,
      text: "build",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*build*" } }],
    });
    await client.chat.update({ channel: ops.id, ts: ts!, text: "build passed" });
    expect(slack.message(ops.id, ts!)).toMatchObject({ text: "build passed", edited: { user: slack.botUserId } });
    // Omitted blocks are kept, as Slack documents.
    expect(slack.message(ops.id, ts!)!.blocks).toHaveLength(1);
    const theirs = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "mine" });
    expect(await platformError(client.chat.update({ channel: ops.id, ts: theirs.ts, text: "x" }))).toBe("cant_update_message");
    expect(await platformError(client.chat.delete({ channel: ops.id, ts: theirs.ts }))).toBe("cant_delete_message");
    const link = await client.chat.getPermalink({ channel: ops.id, message_ts: ts! });
    expect(link.permalink).toBe(`https://botyard.slack.com/archives/${ops.id}/p${ts!.replace(".", "")}`);
    await client.chat.delete({ channel: ops.id, ts: ts! });
    expect(slack.messages(ops.id).map((m) => m.text)).toEqual(["mine"]);
  });

  it("rejects malformed Block Kit with invalid_blocks", async () => {
    const ops = slack.createChannel("ops");
    const error = await web()
      .chat.postMessage({ channel: ops.id, text: "x", blocks: [{ type: "header", text: { type: "mrkdwn", text: "bold" } }] as never })
      .catch((e: unknown) => e as WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe("invalid_blocks");
    expect((error as WebAPIPlatformError).data.response_metadata?.messages?.[0]).toContain("[json-pointer:/blocks/0/text/type]");
  });

  it("scripts failures with failNext and records decoded arguments", async () => {
    const ops = slack.createChannel("ops");
    slack.failNext("chat.postMessage", "fatal_error");
    const client = web();
    expect(await platformError(client.chat.postMessage({ channel: ops.id, text: "x" }))).toBe("fatal_error");
    await client.chat.postMessage({ channel: ops.id, text: "y", attachments: [{ text: "att", fallback: "att" }] });
    const [failed, ok] = slack.callsTo("chat.postMessage");
    expect(failed).toMatchObject({ ok: false, error: "fatal_error" });
    expect(ok!.args.attachments).toEqual([{ text: "att", fallback: "att" }]);
    expect(ok!.headers.authorization).toBe(`Bearer ${slack.botToken}`);
  });

  it("answers every call with 429 during a rateLimitFor storm, and normally once it is over", async () => {
    const ops = slack.createChannel("ops");
    const over = Date.now() + 1_000;
    slack.rateLimitFor("chat.postMessage", { durationMs: 1_000, retryAfterSec: 2 });
    const strict = web(slack.botToken, { rejectRateLimitedCalls: true });
    for (let i = 0; i < 3; i++) {
      const error = await strict.chat.postMessage({ channel: ops.id, text: "x" }).catch((e: unknown) => e);
      expect((error as WebAPIRateLimitedError).retryAfter).toBe(2);
    }
    await strict.conversations.info({ channel: ops.id }); // other methods are not limited
    await new Promise((r) => setTimeout(r, over - Date.now()));
    await strict.chat.postMessage({ channel: ops.id, text: "after the storm" });
    expect(slack.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 429, 429, 200]);
  });

  it("applies Slack's per-channel posting rate with postMessageIntervalMs: a second post within the interval gets 429, another channel does not", async () => {
    // Long enough that the first answer's conformance check (slow the first time) cannot outlast it.
    const paced = await SlackEmulator.start({ postMessageIntervalMs: 5_000 });
    try {
      const [a, b] = [paced.createChannel("a"), paced.createChannel("b")];
      const strict = web(paced.botToken, { rejectRateLimitedCalls: true, slackApiUrl: paced.apiUrl });
      await strict.chat.postMessage({ channel: a.id, text: "1" });
      const error = await strict.chat.postMessage({ channel: a.id, text: "2" }).catch((e: unknown) => e);
      expect((error as WebAPIRateLimitedError).retryAfter).toBe(1);
      await strict.chat.postMessage({ channel: b.id, text: "other channel" });
      expect(paced.callsTo("chat.postMessage").map((c) => c.status)).toEqual([200, 429, 200]);
    } finally {
      await paced.close();
    }
  });

  it("sends the extra fields of a scripted error, such as missing_scope's needed and provided", async () => {
    const ops = slack.createChannel("ops");
    slack.failNext("conversations.history", "missing_scope", 1, { needed: "channels:history", provided: "chat:write" });
    const error = await web().conversations.history({ channel: ops.id }).catch((e: unknown) => e);
    expect((error as WebAPIPlatformError).data).toMatchObject({ ok: false, error: "missing_scope", needed: "channels:history", provided: "chat:write" });
  });

  it("posts ephemerals only to channel members", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const client = web();
    expect(await platformError(client.chat.postEphemeral({ channel: ops.id, user: alice.id, text: "psst" }))).toBe("user_not_in_channel");
    slack.addMember(ops.id, alice.id);
    const { message_ts } = await client.chat.postEphemeral({ channel: ops.id, user: alice.id, text: "psst" });
    expect(slack.ephemerals(ops.id)).toMatchObject([{ user: alice.id, message: { ts: message_ts, text: "psst" }, via: "chat.postEphemeral" }]);
    expect(slack.messages(ops.id)).toEqual([]);
  });
});

describe("workspace model", () => {
  it("accepts JSON bodies with the token in the Authorization header", async () => {
    const ops = slack.createChannel("ops");
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${slack.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }];
    expect(await post({ authorization: `Bearer ${slack.botToken}` }, { channel: ops.id, text: "hi", blocks })).toMatchObject({ ok: true, channel: ops.id });
    expect(await post({}, { token: slack.botToken, channel: ops.id, text: "hi" })).toEqual({ ok: false, error: "not_authed" });
    // On purpose: Slack takes a JSON call's token from the header only, so the request does not conform.
    expect(takeViolations({ operation: "chat.postMessage", direction: "request" })).toHaveLength(1);
    expect(slack.messages(ops.id)[0]!.blocks).toMatchObject(blocks);
  });

  it("opens DMs for user ids and lists channels page by page", async () => {
    const alice = slack.addUser({ name: "alice" });
    for (const name of ["a", "b", "c"]) slack.createChannel(name);
    slack.createChannel("secret", { isPrivate: true, botMember: false });
    const client = web();
    const dm = await client.chat.postMessage({ channel: alice.id, text: "You are on call" });
    expect(dm.channel).toBe(slack.dmChannel(alice.id));
    expect((await client.conversations.open({ users: alice.id })).channel!.id).toBe(dm.channel);
    expect(slack.messages(dm.channel!).map((m) => m.text)).toEqual(["You are on call"]);

    const names: string[] = [];
    for await (const page of client.paginate("conversations.list", { limit: 2, types: "public_channel,private_channel" })) {
      names.push(...(page as ConversationsListResponse).channels!.map((c) => c.name!));
    }
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("reports topic changes and other activity to transcript listeners", async () => {
    const ops = slack.createChannel("ops", { topic: "quiet" });
    const alice = slack.addUser({ name: "alice" });
    const seen: string[] = [];
    slack.onActivity((a) => seen.push(a.type === "message" ? `message:${a.message.subtype ?? a.message.text}` : a.type));
    await web().conversations.setTopic({ channel: ops.id, topic: "on call: <@U1>" });
    expect(slack.channel(ops.id)!.topic).toMatchObject({ value: "on call: <@U1>", creator: slack.botUserId });
    const { ts } = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "hello" });
    await slack.addReaction({ channel: ops.id, ts, user: alice.id, name: "thumbsup" });
    expect(slack.reactions(ops.id, ts)).toEqual([{ name: "+1", users: [alice.id], count: 1 }]); // Slack's canonical name
    expect(seen).toEqual(["topic_changed", "message:channel_topic", "message:hello", "reaction_added"]);
  });

  it("seeds history silently and queues live events until the app connects", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const datadog = slack.addBot({ name: "Datadog" });
    await slack.postAs(datadog, { channel: ops.id, subtype: "bot_message", text: "[Triggered] CPU", silent: true });
    const live = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "live" });
    expect(slack.messages(ops.id)[0]).toMatchObject({ subtype: "bot_message", username: "Datadog", bot_id: datadog.botId });
    expect(slack.messages(ops.id)[0]!.user).toBeUndefined();
    expect(slack.envelopes.map((e) => [e.eventId, e.state])).toEqual([[live.eventId, "queued"]]);
    const { messages } = await rawSocket();
    await slack.waitFor(() => messages.some((m) => m.payload?.event_id === live.eventId));
  });

  it("fails pending waits when the emulator closes", async () => {
    const other = await SlackEmulator.start();
    const pending = other.waitFor({ method: "auth.test" }, 5_000);
    await other.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});

describe("Socket Mode", () => {
  it("says hello and counts connections", async () => {
    const { messages } = await rawSocket();
    expect(messages[0]).toMatchObject({ type: "hello", num_connections: 1, connection_info: { app_id: slack.appId } });
    await socketClient();
    await slack.waitForConnection(2);
    expect(slack.connections).toBe(2);
  });

  it("delivers message and app_mention events the client acks", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const client = await socketClient();
    const received: Record<string, any>[] = [];
    client.on("message", async ({ event, body, ack }) => {
      await ack();
      received.push({ event, body });
    });
    client.on("app_mention", async ({ event, ack }) => {
      await ack();
      received.push({ event });
    });

    const sent = await slack.sendMessage({ channel: ops.id, user: alice.id, text: `<@${slack.botUserId}> status?` });
    await slack.waitFor(() => received.length === 2);
    const [message, mention] = received;
    expect(message!.event).toMatchObject({ type: "message", user: alice.id, channel: ops.id, ts: sent.ts, event_ts: sent.ts, channel_type: "channel" });
    expect(message!.event.blocks[0].elements[0].elements[0]).toEqual({ type: "user", user_id: slack.botUserId });
    expect(message!.body).toMatchObject({ type: "event_callback", event_id: sent.eventId, team_id: slack.teamId, api_app_id: slack.appId });
    expect(mention!.event).toMatchObject({ type: "app_mention", user: alice.id, text: `<@${slack.botUserId}> status?` });
    await slack.waitForAck(sent.eventId!);
    expect(slack.envelopes.every((e) => e.state === "acked" && e.retryAttempt === 0)).toBe(true);
  });

  it("delivers the bot's own posts and other apps' posts with bot_id", async () => {
    const ops = slack.createChannel("ops");
    const datadog = slack.addBot({ name: "Datadog" });
    const client = await socketClient();
    const events: Record<string, any>[] = [];
    client.on("message", async ({ event, ack }) => {
      await ack();
      events.push(event);
    });
    await web().chat.postMessage({ channel: ops.id, text: "from the bot" });
    await slack.postAs(datadog, { channel: ops.id, text: "", attachments: [{ title: "Triggered: CPU high", fallback: "CPU" }] });
    await slack.waitFor(() => events.length === 2);
    expect(events[0]).toMatchObject({ user: slack.botUserId, bot_id: slack.botId, bot_profile: { id: slack.botId } });
    expect(events[1]).toMatchObject({ user: datadog.userId, bot_id: datadog.botId, text: "", bot_profile: { name: "Datadog" } });
    expect(events[1]!.subtype).toBeUndefined();
    expect(events[1]!.attachments[0]).toMatchObject({ id: 1, title: "Triggered: CPU high" });
    const { bot } = await web().bots.info({ bot: events[1]!.bot_id });
    expect(bot).toMatchObject({ id: datadog.botId, name: "Datadog", user_id: datadog.userId, app_id: datadog.appId });
  });

  it("returns a slash command's ack payload and shows it to the user", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    slack.addMember(ops.id, alice.id);
    const client = await socketClient();
    client.on("slash_commands", async ({ body, ack }) => {
      await ack({ text: `pong ${body.text}` });
    });
    const result = await slack.slashCommand({ command: "/ping", text: "now", user: alice.id, channel: ops.id });
    expect(result.ack).toEqual({ text: "pong now" });
    expect(result.payload).toMatchObject({ command: "/ping", user_id: alice.id, channel_id: ops.id, response_url: result.responseUrl });
    expect(slack.ephemerals(ops.id)).toMatchObject([{ user: alice.id, via: "ack", message: { text: "pong now" } }]);
  });

  it("turns response_url replies into ephemerals, channel messages and replaced originals", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice", email: "alice@example.com" });
    const client = await socketClient();
    client.on("interactive", async ({ body, ack }) => {
      await ack();
      await fetch(body.response_url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ replace_original: true, text: `Acknowledged by <@${body.user.id}>` }),
      });
    });
    const { ts } = await web().chat.postMessage({
      channel: ops.id,
      text: "Alert: CPU high",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "Alert: CPU high" } },
        { type: "actions", elements: [{ type: "button", action_id: "ack", text: { type: "plain_text", text: "Ack" }, value: "alert-1" }] },
      ],
    });
    const click = await slack.clickButton({ user: alice.id, channel: ops.id, messageTs: ts!, actionId: "ack" });
    expect(click.payload).toMatchObject({ type: "block_actions", actions: [{ action_id: "ack", value: "alert-1", type: "button" }] });
    await slack.waitFor(() => slack.responses(click.responseUrlId).length === 1);
    expect(slack.message(ops.id, ts!)).toMatchObject({ text: `Acknowledged by <@${alice.id}>` });
    expect(slack.responses()[0]).toMatchObject({ outcome: "replaced", ts });

    const command = await slack.slashCommand({ command: "/status", user: alice.id, channel: ops.id }).catch((e: Error) => e);
    expect((command as Error).message).toMatch(/not acknowledged within 300 ms.*operation_timeout/); // no handler acked it
    const response = slack.envelopes.find((e) => e.type === "slash_commands")!;
    const url = String(response.payload.response_url);
    const posted = await fetch(url, { method: "POST", body: JSON.stringify({ response_type: "in_channel", text: "All green" }) });
    expect(posted.status).toBe(200);
    expect(slack.messages(ops.id).at(-1)).toMatchObject({ text: "All green", bot_id: slack.botId });
    expect((await fetch(url, { method: "POST", body: JSON.stringify({}) })).status).toBe(400); // no_text
  });

  it("fails a slash command with dispatch_failed when no app is connected", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    await expect(slack.slashCommand({ command: "/ping", user: alice.id, channel: ops.id })).rejects.toThrow(/dispatch_failed/);
  });

  it("reconnects through apps.connections.open after disconnectAll and after dropped sockets", async () => {
    const client = await socketClient();
    let connected = 0;
    client.on("connected", () => connected++);
    expect(slack.callsTo("apps.connections.open")).toHaveLength(1);

    slack.disconnectAll();
    await slack.waitFor(() => connected === 1 && slack.connections === 1);
    expect(slack.callsTo("apps.connections.open")).toHaveLength(2);

    slack.dropConnections();
    await slack.waitFor(() => connected === 2 && slack.connections === 1);
    expect(slack.callsTo("apps.connections.open")).toHaveLength(3);
  });

  it("goes half-open: no pongs, no acks read, no envelopes sent, then closes its end; the event is redelivered", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const { messages, socket } = await rawSocket();
    const pongs: number[] = [];
    socket.on("pong", () => pongs.push(Date.now()));
    socket.ping();
    await slack.waitFor(() => pongs.length === 1);

    expect(slack.halfOpen({ closeAfterMs: 150 })).toBe(1);
    expect(slack.connections).toBe(0); // a dead link is not a connection Slack can deliver on
    socket.ping();
    const sent = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "into the void" });
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    expect(await closed).toBe(1006); // Slack noticed the dead peer and cut it, without a close frame
    expect(pongs).toHaveLength(1);
    expect(messages.filter((m) => m.type === "events_api")).toEqual([]);

    // The envelope routed to the dead link was lost; Slack redelivers it on the next connection.
    const { messages: next } = await rawSocket();
    await slack.waitFor(() => next.some((m) => m.type === "events_api"), 1_500);
    expect(next.find((m) => m.type === "events_api")).toMatchObject({ retry_attempt: 1, retry_reason: "timeout", payload: { event_id: sent.eventId } });
  });

  it("goes half-open one way with stillSending: envelopes arrive but the app's acks are lost", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const { messages, socket } = await rawSocket();
    slack.halfOpen({ stillSending: true, closeAfterMs: 2_000 });
    const sent = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "acked in vain" });
    await slack.waitFor(() => messages.some((m) => m.type === "events_api"));
    const first = messages.find((m) => m.type === "events_api")!;
    socket.send(JSON.stringify({ envelope_id: first.envelope_id, payload: {} }));
    // Still sending: the redelivery comes down the same half-open link, as the ack never arrived.
    await slack.waitFor(() => messages.filter((m) => m.type === "events_api").length === 2, 1_500);
    expect(messages.filter((m) => m.type === "events_api").map((m) => [m.retry_attempt, m.payload.event_id])).toEqual([
      [0, sent.eventId],
      [1, sent.eventId],
    ]);
    expect(slack.envelopes.filter((e) => e.state === "acked")).toEqual([]);
  });

  it("sends any disconnect reason, and leaves the connection open after a warning", async () => {
    const { messages, socket } = await rawSocket();
    slack.disconnectAll("warning");
    await slack.waitFor(() => messages.some((m) => m.type === "disconnect"));
    expect(messages.at(-1)).toMatchObject({ type: "disconnect", reason: "warning" });
    expect(socket.readyState).toBe(WebSocket.OPEN);

    slack.disconnectAll("link_disabled");
    const code = await new Promise<number>((resolve) => socket.once("close", (c) => resolve(c)));
    expect(messages.at(-1)).toMatchObject({ type: "disconnect", reason: "link_disabled" });
    expect(code).toBe(1000);
  });

  it("redelivers an unacked event with retry_attempt 1 and the same event_id", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const { messages, socket } = await rawSocket();
    const sent = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "anyone?" });
    const events = () => messages.filter((m) => m.type === "events_api");
    await slack.waitFor(() => events().length === 2, 1_500);
    const [first, retry] = events();
    expect(first).toMatchObject({ retry_attempt: 0, retry_reason: "", accepts_response_payload: false });
    expect(retry).toMatchObject({ retry_attempt: 1, retry_reason: "timeout", payload: { event_id: sent.eventId } });
    expect(retry!.envelope_id).not.toBe(first!.envelope_id);

    socket.send(JSON.stringify({ envelope_id: retry!.envelope_id, payload: {} }));
    await slack.waitForAck(retry!.envelope_id);
    await new Promise((r) => setTimeout(r, 400));
    expect(events()).toHaveLength(2);
  });

  it("lets a SocketModeClient see retry_num on redelivery", async () => {
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const client = await socketClient();
    const attempts: (number | undefined)[] = [];
    client.on("message", async ({ ack, retry_num }) => {
      attempts.push(retry_num);
      if (attempts.length > 1) await ack(); // the first delivery is "lost"
    });
    await slack.sendMessage({ channel: ops.id, user: alice.id, text: "hello" });
    await slack.waitFor(() => attempts.length === 2, 1_500);
    expect(attempts).toEqual([0, 1]);
  });

  it("delivers arbitrary events and explains timeouts", async () => {
    const { messages } = await rawSocket();
    const { eventId } = await slack.deliverEvent({ type: "team_join", user: { id: "U1" } }, { eventId: "Ev0DUPLICATE", retryAttempt: 2 });
    await slack.waitFor(() => messages.some((m) => m.payload?.event_id === eventId));
    expect(messages.at(-1)).toMatchObject({ retry_attempt: 2, retry_reason: "timeout", payload: { event: { type: "team_join" } } });
    await expect(slack.waitFor({ method: "chat.postMessage" }, 50)).rejects.toThrow(/1 call\(s\) to chat.postMessage[\s\S]*apps.connections.open -> ok/);
  });
});
