import { randomBytes } from "node:crypto";
import { SlackEventsConformance } from "../conformance/events-conformance.js";
import { conformanceEnabled } from "../conformance/registry.js";
import { SlackWebApiConformance } from "../conformance/slack-conformance.js";
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator } from "../emulator/http-emulator.js";
import { eventCallback, eventsFor, newEventId, verificationToken } from "./events.js";
import { type ResponseUrlPost, ResponseUrls } from "./response-urls.js";
import { type HalfOpenOptions, type SocketModeEnvelope, SocketModeServer } from "./socket-mode.js";
import { type AddUsergroupOptions, type AddUserOptions, type ChannelRecord, type CreateChannelOptions, type EphemeralMessage, type SlackActivity, type SlackBotIdentity, type SlackMessage, type SlackReaction, Workspace, stripUndefined } from "./state.js";
import { Args, callWebApi, WEB_API_METHODS, type WebApiContext } from "./web-api.js";
import { describeRecent } from "./call-log.js";
import { ChangeWaits } from "./change-waits.js";
import { ALL_BOT_SCOPES, scopeHeaders } from "./oauth-scopes.js";
import type { ChannelView, DeliveredEvent, PostedMessage, SlackEmulatorOptions, UsergroupView, UserView } from "./slack-emulator-options.js";




/**
 * The Slack emulator's plumbing (its HTTP server, Socket Mode server, workspace and event delivery)
 * and its read side: addresses, workspace setup, reading state, Socket Mode control. `SlackEmulator`
 * adds acting as people, waiting and faults.
 */
export abstract class SlackEmulatorBase {
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

  protected readonly http: HttpEmulator;
  protected readonly ws: Workspace;
  protected readonly socket: SocketModeServer;
  protected readonly responseUrls: ResponseUrls;
  protected readonly activityLog: SlackActivity[] = [];
  protected readonly activityListeners = new Set<(activity: SlackActivity) => void>();
  protected readonly waits = new ChangeWaits(() => describeRecent(this.http.calls, this.socket.envelopes, this.socket.openConnections));
  protected readonly webApi: WebApiContext;
  /** `rateLimitFor` storms by method (`*` for all): until when, and the Retry-After they answer. */
  protected readonly storms = new Map<string, { until: number; retryAfterSec: number }>();
  /** The bot token's scopes, sent in `x-oauth-scopes` on every Web API answer. */
  private oauthScopes: readonly string[];
  /** `postMessageIntervalMs`: when each channel last accepted a chat.postMessage. */
  private readonly postMessageIntervalMs: number;
  private readonly lastPostAt = new Map<string, number>();

  protected constructor(options: SlackEmulatorOptions) {
    this.oauthScopes = [...(options.scopes ?? ALL_BOT_SCOPES)];
    this.teamId = options.teamId ?? "T0BOTYARD";
    this.postMessageIntervalMs = options.postMessageIntervalMs ?? 0;
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

  /** The bot token's scopes, as sent in `x-oauth-scopes`. */
  get scopes(): string[] {
    return [...this.oauthScopes];
  }

  /** Changes the bot token's scopes, as reinstalling the app with another manifest does. */
  setScopes(scopes: readonly string[]): void {
    this.oauthScopes = [...scopes];
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

  // ---- internals -------------------------------------------------------------------------------

  protected route(req: EmulatorRequest): ReturnType<ConstructorParameters<typeof HttpEmulator>[1]> {
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(req.path);
    if (api) {
      const method = api[1]!;
      return {
        operation: method,
        handle: () => {
          const answer = this.stormAnswer(method) ?? this.channelRateAnswer(method, req) ?? this.handleApi(method, req);
          // As Slack: the token's scopes on every answer (429s included), beside the answer's own headers.
          return { ...answer, headers: { ...scopeHeaders(method, this.oauthScopes), ...answer.headers } };
        },
      };
    }
    const response = /^\/response\/([A-Za-z0-9_-]+)$/.exec(req.path);
    if (response && req.method === "POST") {
      return { operation: "response_url", handle: () => this.responseUrls.handle(response[1]!, req.body) };
    }
    return undefined;
  }

  /** The 429 a `rateLimitFor` storm gives `method`, while it lasts. */
  protected stormAnswer(method: string): EmulatorResponse | undefined {
    const storm = this.storms.get(method) ?? this.storms.get("*");
    if (!storm || Date.now() >= storm.until) return undefined;
    return { status: 429, headers: { "retry-after": String(storm.retryAfterSec) }, body: { ok: false, error: "ratelimited" } };
  }

  /** The 429 of Slack's per-channel posting rate (`postMessageIntervalMs`), or nothing. */
  private channelRateAnswer(method: string, req: EmulatorRequest): EmulatorResponse | undefined {
    if (method !== "chat.postMessage" || this.postMessageIntervalMs <= 0) return undefined;
    const body = typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const channel = String(body.channel ?? req.query.channel ?? "");
    const now = Date.now();
    const last = this.lastPostAt.get(channel);
    if (last !== undefined && now - last < this.postMessageIntervalMs) return { status: 429, headers: { "retry-after": "1" }, body: { ok: false, error: "ratelimited" } };
    this.lastPostAt.set(channel, now);
    return undefined;
  }

  protected handleApi(method: string, req: EmulatorRequest): EmulatorResponse {
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

  protected botFields(): Omit<SlackMessage, "type" | "ts" | "text"> {
    const bot = this.ws.bots.get(this.botId)!;
    return { user: this.botUserId, bot_id: bot.botId, app_id: bot.appId, team: this.teamId, bot_profile: this.ws.botProfile(bot) };
  }

  protected channelView(channel: ChannelRecord): ChannelView {
    return { ...this.ws.apiChannel(channel, { includeNumMembers: true }), members: [...channel.members] } as ChannelView;
  }

  /** Record activities, tell listeners, and deliver the events they imply. */
  protected publish(activities: SlackActivity[], { deliver = true } = {}): DeliveredEvent[] {
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

  protected posted(activities: SlackActivity[], silent = false): PostedMessage {
    const events = this.publish(activities, { deliver: !silent });
    const message = activities.find((a): a is Extract<SlackActivity, { type: "message" }> => a.type === "message")!.message;
    return stripUndefined({ ts: message.ts, eventId: events.find((e) => e.type === "message")?.eventId, events });
  }

  protected deliver(event: Record<string, unknown>, options: { eventId?: string; retryAttempt?: number; retryReason?: string } = {}): DeliveredEvent {
    const eventId = options.eventId ?? newEventId();
    const payload = eventCallback(this.ws, event, eventId, Math.floor(Date.now() / 1000));
    const envelope = this.socket.send("events_api", payload, { eventId, ...stripUndefined({ retryAttempt: options.retryAttempt, retryReason: options.retryReason }) });
    return { type: String(event.type), eventId, envelopeId: envelope.envelopeId };
  }

  /** Send an envelope that must be acked before Slack's deadline (slash commands, interactions). */
  protected async dispatch(type: "slash_commands" | "interactive", payload: Record<string, unknown>, describe: string): Promise<SocketModeEnvelope> {
    if (this.socket.openConnections === 0) {
      throw new Error(`${describe} failed with the error "dispatch_failed": no Socket Mode connection is open`);
    }
    const envelope = this.socket.send(type, payload);
    return this.socket.waitForAck(envelope, describe);
  }
}
