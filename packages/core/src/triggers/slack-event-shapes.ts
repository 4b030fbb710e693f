import type { AppMentionEvent, BlockAction, BlockActionPayload, MessageEvent, ReactionAddedEvent, SlashCommand } from "../slack/slack-types.js";

/**
 * Whether what came over the socket has the shape a handler's type promises. Slack sends these
 * shapes, but an envelope is input like any other: a handler typed to receive `text: string` must
 * never be called with a number there, nor a trigger crash reading it. An envelope that does not
 * fit is ignored by the trigger, as one for another channel is.
 */

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);
const optionalString = (value: unknown) => value === undefined || typeof value === "string";

/** A `message` event: channel and ts strings; text, user, thread, subtype, bot and team strings when present. */
export function isMessageEvent(event: Fields): event is MessageEvent {
  return (
    event.type === "message" &&
    typeof event.channel === "string" &&
    typeof event.ts === "string" &&
    optionalString(event.text) &&
    optionalString(event.user) &&
    optionalString(event.thread_ts) &&
    optionalString(event.subtype) &&
    optionalString(event.bot_id) &&
    optionalString(event.team)
  );
}

/** An `app_mention` event: channel, text and ts strings; user (absent when an app mentions), thread and team when present. */
export function isAppMentionEvent(event: Fields): event is AppMentionEvent {
  return (
    event.type === "app_mention" &&
    typeof event.channel === "string" &&
    optionalString(event.user) &&
    typeof event.text === "string" &&
    typeof event.ts === "string" &&
    optionalString(event.thread_ts) &&
    optionalString(event.team)
  );
}

/** A `reaction_added` event: user and reaction strings, an item, its channel and ts strings when present (a file's has none). */
export function isReactionAddedEvent(event: Fields): event is ReactionAddedEvent {
  const item = event.item;
  return (
    event.type === "reaction_added" &&
    typeof event.user === "string" &&
    typeof event.reaction === "string" &&
    isObject(item) &&
    optionalString(item.channel) &&
    optionalString(item.ts)
  );
}

const COMMAND_FIELDS = ["text", "user_name", "channel_name", "team_id", "team_domain", "response_url", "trigger_id", "api_app_id", "enterprise_id"];

/**
 * A slash command: command, user and channel strings, and the other fields a handler reads strings
 * when present. Fields Slack may add are not checked: refusing every command over a new one would
 * be worse than a handler meeting a field it does not know.
 */
export function isSlashCommand(payload: Fields): payload is SlashCommand {
  return (
    typeof payload.command === "string" &&
    typeof payload.user_id === "string" &&
    typeof payload.channel_id === "string" &&
    COMMAND_FIELDS.every((field) => optionalString(payload[field]))
  );
}

/** A `block_actions` payload: a user with an id, actions with string ids, and the optional parts in their shapes. */
export function isBlockActionPayload(payload: Fields): payload is BlockActionPayload {
  const { user, channel, message, actions } = payload;
  return (
    payload.type === "block_actions" &&
    isObject(user) &&
    typeof user.id === "string" &&
    optionalString(user.username) &&
    (channel === undefined || (isObject(channel) && typeof channel.id === "string")) &&
    (message === undefined || (isObject(message) && optionalString(message.thread_ts))) &&
    optionalString(payload.response_url) &&
    Array.isArray(actions) &&
    actions.every(isBlockAction)
  );
}

function isBlockAction(action: unknown): action is BlockAction {
  return isObject(action) && typeof action.action_id === "string";
}
