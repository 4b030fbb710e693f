import { randomBytes } from "node:crypto";
import { SlackEventsConformance } from "../conformance/events-conformance.js";
import { conformanceEnabled } from "../conformance/registry.js";
import { SlackWebApiConformance } from "../conformance/slack-conformance.js";
import { type EmulatorRequest, type EmulatorResponse, type Fault, HttpEmulator, type RecordedCall } from "../emulator/http-emulator.js";
import { channelType, eventCallback, eventsFor, newEventId, richTextBlock, triggerId, verificationToken } from "./events.js";
import { type ResponseUrlPost, ResponseUrls } from "./response-urls.js";
import { type HalfOpenOptions, type SocketModeEnvelope, SocketModeServer } from "./socket-mode.js";
import {
  type AddUsergroupOptions,
  type AddUserOptions,
  type ChannelRecord,
  type CreateChannelOptions,
  type EphemeralMessage,
  type SlackActivity,
  type SlackBotIdentity,
  type SlackMessage,
  type SlackMessageMetadata,
  type SlackReaction,
  Workspace,
  clientMsgId,
  stripUndefined,
} from "./state.js";
import { Args, callWebApi, normalizeBlocks, WEB_API_METHODS, type WebApiContext } from "./web-api.js";
import { describeRecent, toSlackCall } from "./call-log.js";
import { ChangeWaits } from "./change-waits.js";
import { blockActionsPayload, findAction, listActions, slashCommandPayload } from "./interactive-payloads.js";
import type {
  ChannelView,
  ClickButtonOptions,
  DeliveredEvent,
  InteractionResult,
  PostAsOptions,
  PostedMessage,
  SendMessageOptions,
  SlackApiCall,
  SlackEmulatorOptions,
  SlashCommandOptions,
  UsergroupView,
  UserView,
  WaitForCallsQuery,
} from "./slack-emulator-options.js";

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
export class SlackEmulator {
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  /** A bot token (`xoxb-`) the Web API accepts. */
  readonly botToken: string;
  /** An app-level token (`xapp-`) for `apps.connections.open`. */
  readonly appToken: string;

  private readonly http: HttpEmulator;
  private readonly ws: Workspace;
  private readonly socket: SocketModeServer;
  private readonly responseUrls: ResponseUrls;
  private readonly activityLog: SlackActivity[] = [];
  private readonly activityListeners = new Set<(activity: SlackActivity) => void>();
  private readonly waits = new ChangeWaits(() => describeRecent(this.http.calls, this.socket.envelopes, this.socket.openConnections));
  private readonly webApi: WebApiContext;
  /** `rateLimitFor` storms by method (`*` for all): until when, and the Retry-After they answer. */
  private readonly storms = new Map<string, { until: number; retryAfterSec: number }>();

  private constructor(options: SlackEmulatorOptions) {
    this.teamId = options.teamId ?? "T0BOTYARD";
    this.teamName = options.teamName ?? "Botyard";
    this.teamDomain = options.teamDomain ?? "botyard";
    this.botUserId = options.botUserId ?? "U0BOTYARD";
    this.botId = options.botId ?? "B0BOTYARD";
    this.appId = options.appId ?? "A0BOTYARD";
    const digits = () => String(Math.floor(1e12 + Math.random() * 9e12));
    this.botToken = `xoxb-${digits()}-${digits()}-${randomBytes(12).toString("hex")}`;
    this.appToken = `xapp-1-${this.appId}-${digits()}-${randomBytes(32).toString("hex")}`;
    this.ws = new Workspace({
      teamId: this.teamId,
      teamName: this.teamName,
      teamDomain: this.teamDomain,
      appId: this.appId,
      botId: this.botId,
      botUserId: this.botUserId,
      botName: options.botName ?? "botyard",
    });
    const conformance = options.conformance ?? conformanceEnabled();
    const events = conformance ? new SlackEventsConformance() : undefined;
    this.socket = new SocketModeServer({
      ...(events ? { onSend: (type, payload) => events.check(type, payload), prepare: () => events.prepare() } : {}),
      appId: this.appId,
      ackTimeoutMs: options.ackTimeoutMs ?? 3_000,
      maxRetries: options.maxRetries ?? 3,
      pingIntervalMs: options.pingIntervalMs ?? 5_000,
    });
    this.socket.onChange(() => this.waits.changed());
    this.webApi = {
      ws: this.ws,
      botToken: this.botToken,
      appToken: this.appToken,
      teamUrl: this.teamUrl,
      publish: (activities) => void this.publish(activities),
      socketUrl: () => this.socket.issueUrl(this.url),
    };
    this.responseUrls = new ResponseUrls(this.ws, (activities) => void this.publish(activities), () => this.botFields());
    this.http = new HttpEmulator(
      "Slack",
      (req) => this.route(req),
      conformance ? new SlackWebApiConformance((method) => WEB_API_METHODS.includes(method)) : undefined,
    );
    this.http.onCall(() => this.waits.changed());
  }

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

  // ---- addresses -------------------------------------------------------------------------------

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return this.http.url;
  }

  /** What the WebClient's `slackApiUrl` takes: `${url}/api/`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** The workspace URL `auth.test` reports, e.g. `https://botyard.slack.com/`. */
  get teamUrl(): string {
    return `https://${this.teamDomain}.slack.com/`;
  }

  /** The legacy verification `token` found in every payload. */
  get verificationToken(): string {
    return verificationToken(this.teamId);
  }

  // ---- workspace setup -------------------------------------------------------------------------

  /** Create a channel (the bot is a member unless `botMember: false`). Returns it as `conversations.info` shows it. */
  createChannel(name: string, options: CreateChannelOptions = {}): ChannelView {
    return this.channelView(this.ws.createChannel(name, options));
  }

  /** Add a person (or a bot user with `isBot`). Returns them as `users.info` shows them. */
  addUser(options: AddUserOptions): UserView {
    return this.ws.apiUser(this.ws.addUser(options)) as UserView;
  }

  /** Add a user group (`@handle`). Returns it as `usergroups.list` shows it. */
  addUsergroup(options: AddUsergroupOptions): UsergroupView {
    for (const user of options.users ?? []) this.ws.userOrThrow(user, "usergroup member");
    return this.ws.apiUsergroup(this.ws.addUsergroup(options)) as UsergroupView;
  }

  /** Register another app (e.g. Datadog) whose posts `postAs` makes. */
  addBot(options: { botId?: string; userId?: string; appId?: string; name: string; icons?: Record<string, string> }): SlackBotIdentity {
    return { ...this.ws.addBot(options) };
  }

  /** Put the bot into a channel without the `channel_join` noise `conversations.join` makes. */
  joinChannel(channelId: string): void {
    this.ws.channelOrThrow(channelId).members.add(this.botUserId);
  }

  /** Put a person into a channel (quietly, like `createChannel`'s `members`). */
  addMember(channelId: string, userId: string): void {
    this.ws.userOrThrow(userId);
    this.ws.channelOrThrow(channelId).members.add(userId);
  }

  /** The bot's DM channel with a user (opened if needed), for `sendMessage` and `messages`. */
  dmChannel(userId: string): string {
    this.ws.userOrThrow(userId);
    return this.ws.openIm(userId).id;
  }

  // ---- reading state ---------------------------------------------------------------------------

  /** Top-level messages (and broadcast replies), oldest first, with thread summaries, reactions and metadata. */
  messages(channelId: string): SlackMessage[] {
    return structuredClone(this.ws.topLevel(this.ws.channelOrThrow(channelId)));
  }

  /** Replies in a thread, parent excluded, oldest first. */
  replies(channelId: string, threadTs: string): SlackMessage[] {
    return structuredClone(this.ws.replies(this.ws.channelOrThrow(channelId), threadTs));
  }

  /** One message by ts (top-level or reply). */
  message(channelId: string, ts: string): SlackMessage | undefined {
    const message = this.ws.findMessage(this.ws.channelOrThrow(channelId), ts);
    return message ? structuredClone(message) : undefined;
  }

  /** Reactions on a message (`[]` when none). */
  reactions(channelId: string, ts: string): SlackReaction[] {
    return structuredClone(this.ws.findMessage(this.ws.channelOrThrow(channelId), ts)?.reactions ?? []);
  }

  /** A channel by id or `#name`, as `conversations.info` shows it, plus its `members`. */
  channel(idOrName: string): ChannelView | undefined {
    const channel = this.ws.findChannel(idOrName, { byName: true });
    return channel ? this.channelView(channel) : undefined;
  }

  /** A user as `users.info` shows them. */
  user(id: string): UserView | undefined {
    const user = this.ws.users.get(id);
    return user ? (this.ws.apiUser(user) as UserView) : undefined;
  }

  /** A user group by id or handle, with `users` (`date_delete` is non-zero while disabled). */
  usergroup(idOrHandle: string): UsergroupView | undefined {
    const group = this.ws.findUsergroup(idOrHandle);
    return group ? (this.ws.apiUsergroup(group) as UsergroupView) : undefined;
  }

  /** Ephemeral messages shown so far, optionally in one channel. */
  ephemerals(channelId?: string): EphemeralMessage[] {
    return structuredClone(this.ws.ephemerals.filter((e) => !channelId || e.channel === channelId));
  }

  /** POSTs the app made to `response_url`s, optionally for one of them. */
  responses(responseUrlId?: string): ResponseUrlPost[] {
    return structuredClone(this.responseUrls.posts.filter((p) => !responseUrlId || p.responseUrlId === responseUrlId));
  }

  /** Every workspace change so far, oldest first. */
  get activities(): SlackActivity[] {
    return structuredClone(this.activityLog);
  }

  /** Follow workspace changes as they happen (the `botyard demo` transcript). Returns an unsubscribe function. */
  onActivity(listener: (activity: SlackActivity) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  // ---- acting as people and other apps ----------------------------------------------------------

  /** A person posts a message; delivers `message` (and `app_mention` when it mentions the bot). */
  async sendMessage(options: SendMessageOptions): Promise<PostedMessage> {
    const channel = this.ws.channelOrThrow(options.channel);
    this.ws.userOrThrow(options.user);
    const text = options.text ?? "";
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

  // ---- Socket Mode control -----------------------------------------------------------------------

  /** Open Socket Mode connections. */
  get connections(): number {
    return this.socket.openConnections;
  }

  /** Every envelope sent or queued, with its ack state. */
  get envelopes(): SocketModeEnvelope[] {
    return this.socket.envelopes.map((e) => ({ ...e }));
  }

  /**
   * Send Slack's `disconnect` message on every connection, then close it (except for `warning`,
   * Slack's heads-up ~10 s before a refresh). `refresh_requested` (the default) is Slack recycling a
   * server; `link_disabled` means Socket Mode was turned off in the app's settings, and reconnecting
   * cannot help until someone turns it back on.
   */
  disconnectAll(reason: "refresh_requested" | "warning" | "link_disabled" | (string & {}) = "refresh_requested"): void {
    this.socket.disconnectAll(reason);
  }

  /** Cut every connection without a goodbye, like a network failure. */
  dropConnections(): void {
    this.socket.dropAll();
  }

  /**
   * Make every open Socket Mode connection half-open (a NAT or proxy silently dropping the flow):
   * nothing closes, Slack stops answering the app's pings and receiving its acks and, unless
   * `stillSending`, stops pinging and delivering to it; envelopes routed to it meanwhile are lost and
   * redelivered after their ack deadline. Slack closes its end `closeAfterMs` later (default two ping
   * intervals). Half-open connections no longer count in `connections`. Returns how many there are.
   */
  halfOpen(options: HalfOpenOptions = {}): number {
    return this.socket.halfOpen(options);
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

  // ---- internals -------------------------------------------------------------------------------

  private route(req: EmulatorRequest): ReturnType<ConstructorParameters<typeof HttpEmulator>[1]> {
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(req.path);
    if (api) {
      const method = api[1]!;
      return { operation: method, handle: () => this.stormAnswer(method) ?? this.handleApi(method, req) };
    }
    const response = /^\/response\/([A-Za-z0-9_-]+)$/.exec(req.path);
    if (response && req.method === "POST") {
      return { operation: "response_url", handle: () => this.responseUrls.handle(response[1]!, req.body) };
    }
    return undefined;
  }

  /** The 429 a `rateLimitFor` storm gives `method`, while it lasts. */
  private stormAnswer(method: string): EmulatorResponse | undefined {
    const storm = this.storms.get(method) ?? this.storms.get("*");
    if (!storm || Date.now() >= storm.until) return undefined;
    return { status: 429, headers: { "retry-after": String(storm.retryAfterSec) }, body: { ok: false, error: "ratelimited" } };
  }

  private handleApi(method: string, req: EmulatorRequest): EmulatorResponse {
    const isJson = String(req.headers["content-type"] ?? "").includes("application/json");
    if (isJson && typeof req.body === "string") return { status: 200, body: { ok: false, error: "invalid_json" } };
    if (isJson && Array.isArray(req.body)) return { status: 200, body: { ok: false, error: "json_not_object" } };
    const body = typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const args = new Args({ ...req.query, ...body });
    const header = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
    // Slack reads `token` from form and query arguments, but JSON bodies must use the header.
    const token = header ?? (isJson ? undefined : args.str("token"));
    return { status: 200, body: callWebApi(method, args, token, this.webApi) };
  }

  private botFields(): Omit<SlackMessage, "type" | "ts" | "text"> {
    const bot = this.ws.bots.get(this.botId)!;
    return { user: this.botUserId, bot_id: bot.botId, app_id: bot.appId, team: this.teamId, bot_profile: this.ws.botProfile(bot) };
  }

  private channelView(channel: ChannelRecord): ChannelView {
    return { ...this.ws.apiChannel(channel, { includeNumMembers: true }), members: [...channel.members] } as ChannelView;
  }

  /** Record activities, tell listeners, and deliver the events they imply. */
  private publish(activities: SlackActivity[], { deliver = true } = {}): DeliveredEvent[] {
    const delivered: DeliveredEvent[] = [];
    for (const activity of activities) {
      const snapshot = { ...structuredClone(activity), at: Date.now() };
      this.activityLog.push(snapshot);
      for (const listener of [...this.activityListeners]) {
        try {
          listener(structuredClone(snapshot));
        } catch {
          // A transcript printer must not break the Web API call that caused the activity.
        }
      }
      if (deliver) for (const event of eventsFor(activity, this.ws)) delivered.push(this.deliver(event));
    }
    this.waits.changed();
    return delivered;
  }

  private posted(activities: SlackActivity[], silent = false): PostedMessage {
    const events = this.publish(activities, { deliver: !silent });
    const message = activities.find((a): a is Extract<SlackActivity, { type: "message" }> => a.type === "message")!.message;
    return stripUndefined({ ts: message.ts, eventId: events.find((e) => e.type === "message")?.eventId, events });
  }

  private deliver(event: Record<string, unknown>, options: { eventId?: string; retryAttempt?: number; retryReason?: string } = {}): DeliveredEvent {
    const eventId = options.eventId ?? newEventId();
    const payload = eventCallback(this.ws, event, eventId, Math.floor(Date.now() / 1000));
    const envelope = this.socket.send("events_api", payload, { eventId, ...stripUndefined({ retryAttempt: options.retryAttempt, retryReason: options.retryReason }) });
    return { type: String(event.type), eventId, envelopeId: envelope.envelopeId };
  }

  /** Send an envelope that must be acked before Slack's deadline (slash commands, interactions). */
  private async dispatch(type: "slash_commands" | "interactive", payload: Record<string, unknown>, describe: string): Promise<SocketModeEnvelope> {
    if (this.socket.openConnections === 0) {
      throw new Error(`${describe} failed with the error "dispatch_failed": no Socket Mode connection is open`);
    }
    const envelope = this.socket.send(type, payload);
    return this.socket.waitForAck(envelope, describe);
  }
}
