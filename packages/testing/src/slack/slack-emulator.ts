import type { Fault } from "../emulator/http-emulator.js";
import { channelType, richTextBlock, triggerId } from "./events.js";
import { type SocketModeEnvelope } from "./socket-mode.js";
import { type SlackBotIdentity, clientMsgId, stripUndefined } from "./state.js";
import { normalizeBlocks, WEB_API_METHODS } from "./web-api.js";
import { toSlackCall } from "./call-log.js";
import { SlackEmulatorBase } from "./slack-emulator-base.js";
import { archiveChannel, joinChannel, leaveChannel, renameChannel, setPurpose, fileObject } from "./channel-changes.js";
import { blockActionsPayload, findAction, listActions, slashCommandPayload } from "./interactive-payloads.js";
import type { ClickButtonOptions, DeliveredEvent, InteractionResult, PostAsOptions, PostedMessage, SendMessageOptions, SlackApiCall, SlackEmulatorOptions, SlashCommandOptions, WaitForCallsQuery } from "./slack-emulator-options.js";

export type * from "./slack-emulator-options.js";

export type { HalfOpenOptions, SocketModeEnvelope } from "./socket-mode.js";
export type { ResponseUrlPost } from "./response-urls.js";
export type {
  AddUsergroupOptions,
  AddUserOptions,
  CreateChannelOptions,
  EphemeralMessage,
  SlackActivity,
  SlackBotIdentity,
  SlackBotProfile,
  SlackMessage,
  SlackMessageMetadata,
  SlackReaction,
} from "./state.js";
export { SlackApiError } from "./errors.js";
export type { SharedFile } from "./channel-changes.js";

const DEFAULT_WAIT_MS = 2_000;

/**
 * A Slack workspace on 127.0.0.1 that the real `@slack/web-api` WebClient (`slackApiUrl:
 * slack.apiUrl`) and `@slack/socket-mode` SocketModeClient talk to unchanged: the Web API methods
 * chat-ops bots use, Socket Mode with acks and redelivery, `response_url`s, and helpers to act as
 * people and other apps, inspect the workspace, inject faults and wait for things to happen.
 *
 * ```ts
 * const slack = await SlackEmulator.start();
 * const ops = slack.createChannel("ops");
 * const alice = slack.addUser({ name: "alice" });
 * const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
 * const socket = new SocketModeClient({ appToken: slack.appToken, clientOptions: { slackApiUrl: slack.apiUrl } });
 * ```
 *
 * Faults, for testing what an app does when Slack misbehaves:
 * - Socket Mode: `dropConnections()` (the network cuts the sockets), `disconnectAll(reason)` (Slack's
 *   `disconnect` message: `refresh_requested`, `warning`, `link_disabled`...), `halfOpen()` (the link
 *   stops carrying without closing: no pongs, no acks, no envelopes). Unacked Events API envelopes are
 *   redelivered with `retry_attempt` as Slack does (`ackTimeoutMs`, `maxRetries`).
 * - `apps.connections.open` failing for a while: the Web API faults below work on it like on any
 *   method, e.g. `inject({ operation: "apps.connections.open", times: 3, status: 503 })`,
 *   `rateLimit("apps.connections.open", { times: 2 })`, or `inject({ ..., drop: true })` for a reset
 *   connection. For a refused connection, put a TCP proxy (this repository's tests use `TcpProxy` from tools/test-support) in front of `url` and stop it.
 * - Web API: `rateLimit` (the next N calls), `rateLimitFor` (every call for a while: a 429 storm),
 *   `failNext` (`{ok:false}` errors such as `not_in_channel`, `missing_scope` with `needed`), `inject`
 *   (any HTTP status, or a dropped connection) and `setLatency` (slow answers, timeouts).
 */
export class SlackEmulator extends SlackEmulatorBase {
  /** The Web API methods the emulator implements. */
  static get implementedMethods(): readonly string[] {
    return WEB_API_METHODS;
  }

  /** Start an emulator on 127.0.0.1. */
  static async start(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
    const emulator = new SlackEmulator(options);
    await emulator.http.start(options.port ?? 0);
    emulator.socket.attach(emulator.http.httpServer);
    return emulator;
  }

  /** Stop serving: Socket Mode connections are cut, pending waits fail. */
  async close(): Promise<void> {
    this.waits.abortAll(new Error("SlackEmulator closed while a waitFor was pending"));
    await this.socket.close();
    await this.http.close();
  }

  // ---- acting as people and other apps ----------------------------------------------------------

  /** A person posts a message; delivers `message` (and `app_mention` when it mentions the bot). */
  async sendMessage(options: SendMessageOptions): Promise<PostedMessage> {
    const channel = this.ws.channelOrThrow(options.channel);
    this.ws.userOrThrow(options.user);
    const text = options.text ?? "";
    const files = options.files?.map((f) => fileObject(this.ws, f, options.user));
    const activities = this.ws.post(
      channel,
      {
        user: options.user,
        text,
        team: this.teamId,
        client_msg_id: clientMsgId(),
        blocks: options.blocks ?? (text ? [richTextBlock(text)] : undefined),
        attachments: options.attachments,
        thread_ts: options.thread_ts,
        // A file shared with the message makes it a file_share; `/me waves` makes a me_message.
        ...(files?.length ? { subtype: "file_share", files, upload: false, display_as_bot: false } : options.me ? { subtype: "me_message" } : {}),
      },
      { broadcast: options.reply_broadcast },
    );
    return this.posted(activities, options.silent);
  }

  /** Another app posts (e.g. Datadog's alert attachments), with `bot_id`/`bot_profile` as Slack sends them. */
  async postAs(bot: SlackBotIdentity | string, options: PostAsOptions): Promise<PostedMessage> {
    const identity = typeof bot === "string" ? this.ws.bots.get(bot) : this.ws.bots.get(bot.botId);
    if (!identity) throw new Error(`Unknown bot ${typeof bot === "string" ? bot : bot.botId}; register it with slack.addBot()`);
    const channel = this.ws.channelOrThrow(options.channel);
    const legacy = options.subtype === "bot_message";
    const activities = this.ws.post(channel, {
      // Classic integrations post without a user; current apps post as their bot user.
      ...(legacy ? {} : { user: identity.userId, team: this.teamId, bot_profile: this.ws.botProfile(identity) }),
      subtype: options.subtype,
      bot_id: identity.botId,
      app_id: legacy ? undefined : identity.appId,
      username: options.username ?? (legacy ? identity.name : undefined),
      text: options.text ?? "",
      blocks: options.blocks ? normalizeBlocks(options.blocks) : undefined,
      attachments: options.attachments?.map((a, i) => ({ id: i + 1, ...(a as object) })),
      metadata: options.metadata,
      thread_ts: options.thread_ts,
    });
    return this.posted(activities, options.silent);
  }

  /** A person edits their message; delivers `message_changed`. */
  async editMessage(options: { channel: string; ts: string; text?: string; blocks?: unknown[] }): Promise<DeliveredEvent[]> {
    const channel = this.ws.channelOrThrow(options.channel);
    const message = this.ws.findMessage(channel, options.ts);
    if (!message) throw new Error(`No message ${options.ts} in ${options.channel}`);
    const text = options.text ?? message.text;
    const patch = { text, blocks: options.blocks ?? (message.client_msg_id && text ? [richTextBlock(text)] : message.blocks) };
    return this.publish(this.ws.update(channel, options.ts, patch, message.user ?? this.botUserId));
  }

  /** A message disappears (deleted by its author or an admin); delivers `message_deleted`. */
  async deleteMessage(options: { channel: string; ts: string }): Promise<DeliveredEvent[]> {
    return this.publish(this.ws.delete(this.ws.channelOrThrow(options.channel), options.ts));
  }

  /** A person reacts; delivers `reaction_added`. Throws on Slack's errors (`already_reacted`...). */
  async addReaction(options: { channel: string; ts: string; user: string; name: string }): Promise<{ eventId?: string }> {
    this.ws.userOrThrow(options.user);
    const events = this.publish(this.ws.addReaction(this.ws.channelOrThrow(options.channel), options.ts, options.user, options.name));
    return stripUndefined({ eventId: events[0]?.eventId });
  }

  /** A person removes a reaction; delivers `reaction_removed`. */
  async removeReaction(options: { channel: string; ts: string; user: string; name: string }): Promise<{ eventId?: string }> {
    const events = this.publish(this.ws.removeReaction(this.ws.channelOrThrow(options.channel), options.ts, options.user, options.name));
    return stripUndefined({ eventId: events[0]?.eventId });
  }

  /** A person changes the channel topic (posts the `channel_topic` message). */
  async setTopic(options: { channel: string; user: string; topic: string }): Promise<void> {
    this.ws.userOrThrow(options.user);
    this.publish(this.ws.setTopic(this.ws.channelOrThrow(options.channel), options.topic, options.user));
  }

  /** A person joins a channel (`inviter`: someone added them): delivers `member_joined_channel` and the `channel_join` message. */
  async join(options: { channel: string; user: string; inviter?: string }): Promise<DeliveredEvent[]> {
    this.ws.userOrThrow(options.user);
    return this.publish(joinChannel(this.ws, this.ws.channelOrThrow(options.channel), options.user, options.inviter));
  }

  /** A person leaves a channel: delivers the `channel_leave` message, then `member_left_channel`. */
  async leave(options: { channel: string; user: string }): Promise<DeliveredEvent[]> {
    return this.publish(leaveChannel(this.ws, this.ws.channelOrThrow(options.channel), options.user));
  }

  /** A person renames a channel: delivers the `channel_name` message (`old_name`, `name`). */
  async renameChannel(options: { channel: string; user: string; name: string }): Promise<DeliveredEvent[]> {
    this.ws.userOrThrow(options.user);
    return this.publish(renameChannel(this.ws, this.ws.channelOrThrow(options.channel), options.name, options.user));
  }

  /** A person sets the channel description: delivers the `channel_purpose` message. */
  async setPurpose(options: { channel: string; user: string; purpose: string }): Promise<DeliveredEvent[]> {
    this.ws.userOrThrow(options.user);
    return this.publish(setPurpose(this.ws, this.ws.channelOrThrow(options.channel), options.purpose, options.user));
  }

  /** A person archives a channel: delivers the `channel_archive` message; posting there then fails with `is_archived`. */
  async archiveChannel(options: { channel: string; user: string }): Promise<DeliveredEvent[]> {
    this.ws.userOrThrow(options.user);
    return this.publish(archiveChannel(this.ws, this.ws.channelOrThrow(options.channel), options.user));
  }

  /**
   * A person runs a slash command. Resolves with the app's ack once it acknowledges; rejects if no
   * Socket Mode connection is open (Slack: `dispatch_failed`) or the ack misses the deadline.
   * An ack carrying `text`/`blocks` is shown like a `response_url` reply.
   */
  async slashCommand(options: SlashCommandOptions): Promise<InteractionResult> {
    if (!options.command.startsWith("/")) throw new Error(`Slash commands start with "/": got "${options.command}"`);
    const channel = this.ws.channelOrThrow(options.channel);
    const user = this.ws.userOrThrow(options.user);
    const response = this.responseUrls.create(this.url, { kind: "command", channel: channel.id, user: user.id });
    const trigger = triggerId();
    const payload = slashCommandPayload(this, { channel, user, command: options.command, text: options.text ?? "", responseUrl: response.url, triggerId: trigger });
    const envelope = await this.dispatch("slash_commands", payload, `Slash command ${options.command}`);
    const ack = envelope.ackPayload ?? {};
    if (ack.text || ack.blocks || ack.attachments) this.responseUrls.applyById(response.id, ack, "ack");
    return { ack, responseUrl: response.url, responseUrlId: response.id, triggerId: trigger, envelopeId: envelope.envelopeId, payload };
  }

  /** A person clicks a button in a message; delivers a `block_actions` interactive envelope and waits for the ack. */
  async clickButton(options: ClickButtonOptions): Promise<InteractionResult> {
    const channel = this.ws.channelOrThrow(options.channel);
    const user = this.ws.userOrThrow(options.user);
    const stored = this.ws.findMessage(channel, options.messageTs);
    const ephemeral = stored
      ? undefined
      : this.ws.ephemerals.find((e) => e.channel === channel.id && e.user === user.id && e.message.ts === options.messageTs && !e.deleted);
    const message = stored ?? ephemeral?.message;
    if (!message) throw new Error(`No message ${options.messageTs} in ${channel.id} (nor an ephemeral one shown to ${user.id})`);
    const found = findAction(message.blocks ?? [], options.actionId, options.blockId);
    if (!found) {
      const available = listActions(message.blocks ?? []).join(", ") || "none";
      throw new Error(`No element with action_id "${options.actionId}" in message ${options.messageTs}; available: ${available}`);
    }
    const response = this.responseUrls.create(this.url, {
      kind: "action",
      channel: channel.id,
      user: user.id,
      original: { ts: message.ts, ephemeral: Boolean(ephemeral) },
    });
    const trigger = triggerId();
    const actionTs = this.ws.nextTs();
    const payload = blockActionsPayload(this, { channel, user, message, ephemeral: Boolean(ephemeral), found, value: options.value, actionTs, responseUrl: response.url, triggerId: trigger });
    const envelope = await this.dispatch("interactive", payload, `Click on "${options.actionId}"`);
    return {
      ack: envelope.ackPayload ?? {},
      responseUrl: response.url,
      responseUrlId: response.id,
      triggerId: trigger,
      envelopeId: envelope.envelopeId,
      payload,
    };
  }

  /**
   * Deliver any Events API event (wrapped in `event_callback`). Pass `eventId` and `retryAttempt`
   * to replay a delivery as Slack's retries do. `event_ts` (and a message event's `channel_type`) is
   * filled in when missing.
   */
  async deliverEvent(
    event: Record<string, unknown> & { type: string },
    options: { eventId?: string; retryAttempt?: number; retryReason?: string } = {},
  ): Promise<DeliveredEvent> {
    // Message events always carry channel_type (`channel`, `group`, `im`) when they come from Slack.
    const channel = event.type === "message" && typeof event.channel === "string" ? this.ws.channels.get(event.channel) : undefined;
    const filled = channel && event.channel_type === undefined ? { channel_type: channelType(channel) } : {};
    return this.deliver({ event_ts: this.ws.nextTs(), ...filled, ...event }, options);
  }

  // ---- waiting ---------------------------------------------------------------------------------

  /**
   * Resolve once `condition` returns a truthy value (re-checked on every call, change and ack, and
   * every 25 ms), with that value; or once `count` calls to `method` were made, with those calls.
   * A condition that throws counts as not yet met. On timeout the error lists recent activity.
   */
  waitFor<T>(condition: () => T, timeoutMs?: number): Promise<NonNullable<Exclude<T, false | 0 | "">>>;
  waitFor(query: WaitForCallsQuery, timeoutMs?: number): Promise<SlackApiCall[]>;
  waitFor(condition: (() => unknown) | WaitForCallsQuery, timeoutMs = DEFAULT_WAIT_MS): Promise<unknown> {
    if (typeof condition === "function") return this.waits.until(condition, timeoutMs, "condition");
    const { method, count = 1, where } = condition;
    return this.waits.until(
      () => {
        const calls = this.callsTo(method).filter((c) => !where || where(c));
        return calls.length >= count ? calls : undefined;
      },
      timeoutMs,
      `${count} call(s) to ${method}${where ? " matching the filter" : ""}`,
    );
  }

  /** Resolve once `count` Socket Mode connections are open. */
  waitForConnection(count = 1, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.waits.until(() => this.connections >= count, timeoutMs, `${count} Socket Mode connection(s)`).then(() => undefined);
  }

  /** Resolve with the envelope once the app acknowledged an event (by event id or envelope id). */
  waitForAck(id: string, timeoutMs = DEFAULT_WAIT_MS): Promise<SocketModeEnvelope> {
    return this.waits.until(
      () => this.socket.envelopes.find((e) => (e.eventId === id || e.envelopeId === id) && e.state === "acked"),
      timeoutMs,
      `an ack for ${id}`,
    );
  }

  // ---- calls and faults --------------------------------------------------------------------------

  /** Every HTTP call received (Web API methods by name, `response_url` POSTs as `response_url`). */
  get calls(): SlackApiCall[] {
    return this.http.calls.map(toSlackCall);
  }

  /** Calls to one Web API method, in order. */
  callsTo(method: string): SlackApiCall[] {
    return this.http.callsTo(method).map(toSlackCall);
  }

  clearCalls(): void {
    this.http.clearCalls();
  }

  /** Answer the next call(s) to `fault.operation` (a method name, `response_url` or `*`) with this instead. */
  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** The next `times` calls to `method` are carried out but answered only after `ms` (see `HttpEmulator.answerLate`). */
  answerLate(method: string, ms: number, times = 1): void {
    this.http.answerLate(method, ms, times);
  }

  /** Forgets every fault injected and not used up yet (`inject`, `rateLimit`, `rateLimitFor`, `failNext`, `answerLate`). */
  clearFaults(): void {
    this.http.clearFaults();
    this.storms.clear();
  }

  /** The next `times` (default 1) calls to `method` get HTTP 429, `Retry-After` and `{ok:false,error:"ratelimited"}`. */
  rateLimit(method: string, { times = 1, retryAfterSec = 1 }: { times?: number; retryAfterSec?: number } = {}): void {
    this.http.inject({
      operation: method,
      times,
      status: 429,
      headers: { "retry-after": String(retryAfterSec) },
      body: { ok: false, error: "ratelimited" },
    });
  }

  /**
   * Every call to `method` (`*` for all) in the next `durationMs` gets HTTP 429, `Retry-After:
   * retryAfterSec` and `{ok:false,error:"ratelimited"}`, however many calls that is: a rate-limit
   * storm, for checking that a client waits as told rather than hammering (count `callsTo(method)`).
   */
  rateLimitFor(method: string, { durationMs, retryAfterSec = 1 }: { durationMs: number; retryAfterSec?: number }): void {
    this.storms.set(method, { until: Date.now() + durationMs, retryAfterSec });
  }

  /**
   * The next `times` (default 1) calls to `method` fail with HTTP 200 `{ok:false,error}` and any
   * `extra` fields Slack sends with that error, e.g. `failNext("chat.postMessage", "missing_scope", 1,
   * { needed: "chat:write", provided: "channels:read" })`.
   */
  failNext(method: string, error: string, times = 1, extra: Record<string, unknown> = {}): void {
    this.http.inject({ operation: method, times, status: 200, body: { ...extra, ok: false, error } });
  }

  /** Delay answers to `method` (`*` for all) by `ms`. */
  setLatency(method: string, ms: number): void {
    this.http.setLatency(method, ms);
  }
}
