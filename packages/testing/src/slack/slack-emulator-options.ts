// What a test passes to the Slack emulator and gets back: options, the people's actions and their results, views.
import type { SharedFile } from "./channel-changes.js";
import type { RecordedCall } from "../emulator/http-emulator.js";
import type { SlackMessageMetadata } from "./state.js";

/** Options for `SlackEmulator.start`. */
export interface SlackEmulatorOptions {
  /** Port on 127.0.0.1; default: an ephemeral one. */
  port?: number;
  /** Redeliver an unacknowledged Events API envelope after this long (default 3000, Slack's deadline). */
  ackTimeoutMs?: number;
  /** Redeliveries before giving up on an event (default 3, as Slack). */
  maxRetries?: number;
  /** Interval of server pings on Socket Mode connections (default 5000; 0 disables them). */
  pingIntervalMs?: number;
  teamId?: string;
  teamName?: string;
  teamDomain?: string;
  /** The bot user's handle (default `botyard`). */
  botName?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /**
   * The bot token's scopes, which every Web API answer names in its `x-oauth-scopes` header as
   * Slack's do (default: every bot scope Slack has, so that nothing a test does lacks one).
   */
  scopes?: readonly string[];
  /**
   * Check every Web API call, answer and Events API payload against Slack's published API
   * descriptions, recording violations (see `expectConformance`). Default: on in conformance mode
   * (`BOTYARD_CONFORMANCE=1` or `enableConformance()`).
   */
  conformance?: boolean;
  /**
   * Slack's posting rate: "generally one message per second per channel"
   * (docs.slack.dev/apis/web-api/rate-limits). With it, a `chat.postMessage` to a channel sooner
   * than this many ms after the last one it accepted there is answered 429 `ratelimited` with
   * Retry-After 1. Default: no limit.
   */
  postMessageIntervalMs?: number;
}

/** A recorded Web API call, with its arguments decoded (JSON-string fields such as `blocks` parsed). */
export interface SlackApiCall extends RecordedCall {
  args: Record<string, unknown>;
  ok?: boolean;
  error?: string;
}

/** An Events API delivery started by the emulator. */
export interface DeliveredEvent {
  type: string;
  eventId: string;
  envelopeId: string;
}

/** A message a person sends (see `SlackEmulator.sendMessage`). */
export interface SendMessageOptions {
  channel: string;
  user: string;
  text?: string;
  thread_ts?: string;
  /** Default: the `rich_text` block Slack clients derive from `text`. */
  blocks?: unknown[];
  attachments?: unknown[];
  reply_broadcast?: boolean;
  /** Files shared with the message: it becomes a `file_share` message carrying their `files`. */
  files?: SharedFile[];
  /** What `/me waves` posts in a Slack client: a `me_message` (with `text` "waves"). */
  me?: boolean;
  /** Store without delivering any event: history that predates the test. */
  silent?: boolean;
}

/** A message another app posts (see `SlackEmulator.postAs`). */
export interface PostAsOptions {
  channel: string;
  text?: string;
  attachments?: unknown[];
  blocks?: unknown[];
  /** `"bot_message"` for a classic integration post (then `username` names it and there is no `user`). */
  subtype?: string;
  username?: string;
  thread_ts?: string;
  metadata?: SlackMessageMetadata;
  /** Store without delivering any event: history that predates the test. */
  silent?: boolean;
}

/** The outcome of a message the emulator stored and announced. */
export interface PostedMessage {
  ts: string;
  /** The `message` event's id; absent when the bot is not in the channel (no event is sent). */
  eventId?: string;
  /** Every event delivered for it (`message`, and `app_mention` when the bot was mentioned). */
  events: DeliveredEvent[];
}

/** A slash command typed by a user (see `SlackEmulator.slashCommand`). */
export interface SlashCommandOptions {
  command: string;
  text?: string;
  user: string;
  channel: string;
}

/** What came back from an interaction the app had to acknowledge. */
export interface InteractionResult {
  /** The payload the app put in its ack (`{}` for a bare ack). */
  ack: Record<string, unknown>;
  responseUrl: string;
  responseUrlId: string;
  triggerId: string;
  envelopeId: string;
  /** The payload the app received. */
  payload: Record<string, unknown>;
}

/** A button click (see `SlackEmulator.clickButton`). */
export interface ClickButtonOptions {
  user: string;
  channel: string;
  /** The message holding the button (a channel message, or an ephemeral shown to `user`). */
  messageTs: string;
  actionId: string;
  /** Default: the button's own `value`. */
  value?: string;
  /** Needed only when several blocks hold the same action_id. */
  blockId?: string;
}

/** Wait for Web API calls: resolves with the matching calls once there are `count` (default 1). */
export interface WaitForCallsQuery {
  method: string;
  count?: number;
  where?: (call: SlackApiCall) => boolean;
}

/** A channel as `conversations.info` returns it, plus its members. */
export interface ChannelView {
  id: string;
  name: string;
  is_private: boolean;
  is_member: boolean;
  is_archived: boolean;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  num_members: number;
  members: string[];
  [field: string]: unknown;
}

/** A user as `users.info` returns them. */
export interface UserView {
  id: string;
  name: string;
  real_name: string;
  tz: string;
  is_bot: boolean;
  deleted: boolean;
  profile: { email?: string; display_name: string; real_name: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** A user group as the usergroups methods return it. */
export interface UsergroupView {
  id: string;
  handle: string;
  name: string;
  description: string;
  users: string[];
  user_count: number;
  /** Non-zero while the group is disabled. */
  date_delete: number;
  [field: string]: unknown;
}
