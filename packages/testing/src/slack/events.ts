import { randomBytes } from "node:crypto";
import type { ChannelRecord, SlackActivity, SlackMessage, Workspace } from "./state.js";

/** Fields of a stored message that belong to history views only, never to the event that created it. */
const HISTORY_ONLY = new Set([
  "reply_count",
  "reply_users_count",
  "latest_reply",
  "reply_users",
  "is_locked",
  "subscribed",
  "reactions",
]);

export function channelType(channel: ChannelRecord): "channel" | "group" | "im" {
  return channel.kind === "public" ? "channel" : channel.kind === "private" ? "group" : "im";
}

/** The message as a `message` event carries it (no thread summary or reactions; `metadata` is kept, as Slack does). */
export function eventMessage(message: SlackMessage): SlackMessage {
  const copy = structuredClone(message);
  for (const key of HISTORY_ONLY) delete copy[key];
  // A thread parent's thread_ts only appears once it has replies; at post time it had none.
  if (copy.thread_ts === copy.ts) delete copy.thread_ts;
  return copy;
}

/**
 * The message as `message_changed` and `message_deleted` carry it (`message`, `previous_message`):
 * a thread parent keeps its thread summary (`reply_count`, `reply_users`, `latest_reply`...).
 */
export function changedMessage(message: SlackMessage): SlackMessage {
  const copy = structuredClone(message);
  delete copy.reactions;
  return copy;
}

/**
 * The Events API events an activity produces for our app, in the order Slack sends them. Channel
 * events reach a bot only in conversations it is a member of, as with Slack's `message.channels`
 * and `reaction_added` subscriptions for bot tokens.
 */
export function eventsFor(activity: SlackActivity, ws: Workspace): Record<string, unknown>[] {
  const { botUserId, teamId } = ws.identity;
  if (activity.type === "usergroup_updated") {
    const added = activity.users.filter((u) => !activity.previousUsers.includes(u));
    const removed = activity.previousUsers.filter((u) => !activity.users.includes(u));
    const group = ws.usergroups.get(activity.usergroup);
    const eventTs = ws.nextTs();
    if (added.length === 0 && removed.length === 0) {
      return group ? [{ type: "subteam_updated", subteam: ws.apiUsergroup(group), event_ts: eventTs }] : [];
    }
    return [
      {
        type: "subteam_members_changed",
        subteam_id: activity.usergroup,
        team_id: teamId,
        date_previous_update: group ? group.dateUpdate : 0,
        date_update: group ? group.dateUpdate : 0,
        added_users: added,
        added_users_count: added.length,
        removed_users: removed,
        removed_users_count: removed.length,
        event_ts: eventTs,
      },
    ];
  }
  if (activity.type === "ephemeral" || activity.type === "topic_changed") return [];

  const channel = ws.channels.get(activity.channel);
  if (!channel || !ws.isBotMember(channel)) return [];
  const type = channelType(channel);

  switch (activity.type) {
    case "message": {
      const message = eventMessage(activity.message);
      const events: Record<string, unknown>[] = [{ ...message, channel: channel.id, event_ts: message.ts, channel_type: type }];
      const fromUs = message.user === botUserId;
      if (!fromUs && !message.subtype?.startsWith("channel_") && mentions(message, botUserId)) {
        const { channel_type: _ignored, ...mention } = { ...message, type: "app_mention", channel: channel.id, event_ts: message.ts, channel_type: type };
        events.push(mention);
      }
      return events;
    }
    case "message_changed": {
      const eventTs = ws.nextTs();
      const events: Record<string, unknown>[] = [
        {
          type: "message",
          subtype: "message_changed",
          message: changedMessage(activity.message),
          previous_message: changedMessage(activity.previous),
          channel: channel.id,
          hidden: true,
          ts: eventTs,
          event_ts: eventTs,
          channel_type: type,
        },
      ];
      // An edited message that (still) mentions the app is delivered again as app_mention, with `edited`.
      const edited = activity.message;
      if (edited.edited && edited.user !== botUserId && !edited.subtype && mentions(edited, botUserId)) {
        events.push({ ...eventMessage(edited), type: "app_mention", channel: channel.id, event_ts: eventTs });
      }
      return events;
    }
    case "message_deleted": {
      const eventTs = ws.nextTs();
      return [
        {
          type: "message",
          subtype: "message_deleted",
          previous_message: changedMessage(activity.previous),
          channel: channel.id,
          hidden: true,
          deleted_ts: activity.ts,
          ts: eventTs,
          event_ts: eventTs,
          channel_type: type,
        },
      ];
    }
    case "reaction_added":
    case "reaction_removed":
      return [
        {
          type: activity.type,
          user: activity.user,
          reaction: activity.reaction,
          item: { type: "message", channel: channel.id, ts: activity.ts },
          ...(activity.itemUser ? { item_user: activity.itemUser } : {}),
          event_ts: ws.nextTs(),
        },
      ];
    case "member_joined":
    case "member_left":
      return [
        {
          type: activity.type === "member_joined" ? "member_joined_channel" : "member_left_channel",
          user: activity.user,
          channel: channel.id,
          // These events alone use the legacy one-letter channel types.
          channel_type: channel.kind === "private" ? "G" : "C",
          team: teamId,
          ...(activity.type === "member_joined" && activity.inviter ? { inviter: activity.inviter } : {}),
          event_ts: ws.nextTs(),
        },
      ];
  }
}

function mentions(message: SlackMessage, userId: string): boolean {
  const needle = `<@${userId}`;
  if (message.text?.includes(needle)) return true;
  // Mentions that live only in blocks (rich_text user elements) count too.
  return JSON.stringify(message.blocks ?? []).includes(`"user_id":"${userId}"`);
}

/** The `event_callback` wrapper around one event, as delivered over Socket Mode. */
export function eventCallback(ws: Workspace, event: Record<string, unknown>, eventId: string, eventTime: number): Record<string, unknown> {
  const { teamId, appId, botUserId } = ws.identity;
  return {
    token: verificationToken(teamId),
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: appId,
    event,
    type: "event_callback",
    event_id: eventId,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ event_type: event.type, team_id: teamId, app_id: appId })).toString("base64url")}`,
    // Deprecated (truncated to one entry) but still part of the documented wrapper schema.
    authed_users: [botUserId],
  };
}

/** The legacy verification token Slack still puts in payloads; stable per team so tests can assert it. */
export function verificationToken(teamId: string): string {
  return `vt${teamId.toLowerCase().replace(/[^a-z0-9]/g, "")}emulator`.slice(0, 24);
}

export function newEventId(): string {
  return `Ev${alnum(10)}`;
}

export function triggerId(): string {
  const n = () => String(Date.now()).slice(-10) + String(Math.floor(Math.random() * 1000)).padStart(3, "0");
  return `${n()}.${n()}.${randomBytes(16).toString("hex")}`;
}

export function alnum(length: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => chars[b % chars.length]).join("");
}

/**
 * The `rich_text` block Slack clients attach to what people type, so handlers that read blocks
 * instead of `text` see realistic input. Understands the mrkdwn references Slack encodes:
 * `<@U123>`, `<#C123|name>`, `<!subteam^S123>`, `<!here>`, `<https://x|label>`.
 */
export function richTextBlock(text: string): Record<string, unknown> {
  const elements: Record<string, unknown>[] = [];
  const pattern = /<([@#!])?([^>|]+)(?:\|([^>]*))?>/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) elements.push({ type: "text", text: unescape(text.slice(last, match.index)) });
    const [, sigil, target = "", label] = match;
    if (sigil === "@") elements.push({ type: "user", user_id: target });
    else if (sigil === "#") elements.push({ type: "channel", channel_id: target });
    else if (sigil === "!" && target.startsWith("subteam^")) elements.push({ type: "usergroup", usergroup_id: target.slice(8) });
    else if (sigil === "!") elements.push({ type: "broadcast", range: target });
    else elements.push({ type: "link", url: target, ...(label ? { text: label } : {}) });
    last = match.index + match[0].length;
  }
  if (last < text.length) elements.push({ type: "text", text: unescape(text.slice(last)) });
  return { type: "rich_text", block_id: alnum(5).toLowerCase(), elements: [{ type: "rich_text_section", elements }] };
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
