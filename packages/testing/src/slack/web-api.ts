import { apiError, invalidBlocks, SlackApiError } from "./errors.js";
import { alnum, eventMessage } from "./events.js";
import {
  type ChannelRecord,
  type SlackActivity,
  type SlackMessage,
  type SlackMessageMetadata,
  type UsergroupRecord,
  type Workspace,
  stripUndefined,
  tsToMicros,
} from "./state.js";

/** What the Web API handlers need from the emulator around them. */
export interface WebApiContext {
  ws: Workspace;
  botToken: string;
  appToken: string;
  teamUrl: string;
  /** Record activities: notify listeners and deliver the matching events over Socket Mode. */
  publish(activities: SlackActivity[]): void;
  /** A fresh single-use Socket Mode URL. */
  socketUrl(): string;
}

type TokenKind = "bot" | "app";
type Handler = (args: Args, ctx: WebApiContext) => Record<string, unknown>;

interface Method {
  token: TokenKind;
  handle: Handler;
}

/** Method arguments from a form, a query string or a JSON body, read the way Slack coerces them. */
export class Args {
  constructor(readonly raw: Record<string, unknown>) {}

  str(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  bool(name: string): boolean {
    const value = this.str(name);
    return value === "true" || value === "1";
  }

  int(name: string, fallback: number): number {
    const value = this.str(name);
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n)) throw apiError("invalid_arguments", missingField(`${name} must be an integer`, name));
    return n;
  }

  /** A JSON argument: the WebClient sends it as a JSON string in a form, a JSON body sends it inline. */
  json(name: string, error: string): unknown {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      throw apiError(error);
    }
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }
}

/** Run one Web API call; returns the JSON body (HTTP 200, as Slack answers errors too). */
export function callWebApi(method: string, args: Args, token: string | undefined, ctx: WebApiContext): Record<string, unknown> {
  const entry = METHODS[method];
  if (!entry) return { ok: false, error: "unknown_method", req_method: method };
  try {
    if (!token) throw apiError("not_authed");
    if (token !== ctx.botToken && token !== ctx.appToken) throw apiError("invalid_auth");
    const kind: TokenKind = token === ctx.appToken ? "app" : "bot";
    if (kind !== entry.token) throw apiError("not_allowed_token_type");
    return { ok: true, ...entry.handle(args, ctx) };
  } catch (error) {
    if (error instanceof SlackApiError) return { ok: false, error: error.error, ...error.extra };
    throw error;
  }
}

function missingField(message: string, field: string): Record<string, unknown> {
  return { response_metadata: { messages: [`[ERROR] ${message} [json-pointer:/${field}]`] } };
}

function required(args: Args, name: string): string {
  const value = args.str(name);
  if (!value) throw apiError("invalid_arguments", missingField(`missing required field: ${name}`, name));
  return value;
}

// ---- channel resolution -----------------------------------------------------------------------

/** Channel for reading or managing: by id only; private channels the bot is not in do not exist for it. */
function visibleChannel(ctx: WebApiContext, id: string | undefined): ChannelRecord {
  const channel = ctx.ws.findChannel(id);
  if (!channel || (channel.kind !== "public" && !ctx.ws.isBotMember(channel))) throw apiError("channel_not_found");
  return channel;
}

function memberChannel(ctx: WebApiContext, id: string | undefined): ChannelRecord {
  const channel = visibleChannel(ctx, id);
  if (!ctx.ws.isBotMember(channel)) throw apiError("not_in_channel");
  return channel;
}

/** Channel for posting: an id, a `#name`, or a user id (which posts to the bot's DM with that user). */
function postableChannel(ctx: WebApiContext, ref: string | undefined): ChannelRecord {
  if (ref && /^[UW]/.test(ref) && ctx.ws.users.has(ref)) return ctx.ws.openIm(ref);
  const channel = ctx.ws.findChannel(ref, { byName: true });
  if (!channel || (channel.kind !== "public" && !ctx.ws.isBotMember(channel))) throw apiError("channel_not_found");
  if (channel.archived) throw apiError("is_archived");
  if (!ctx.ws.isBotMember(channel)) throw apiError("not_in_channel");
  return channel;
}

function ownedByBot(ctx: WebApiContext, message: SlackMessage): boolean {
  return message.user === ctx.ws.identity.botUserId || message.bot_id === ctx.ws.identity.botId;
}

// ---- message content --------------------------------------------------------------------------

interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: SlackMessageMetadata;
}

/** Parse and check text/blocks/attachments/metadata; `undefined` fields were not sent. */
export function readContent(args: Args): Content {
  const content: Content = {};
  const text = args.str("text");
  if (text !== undefined) content.text = text;
  const blocks = args.json("blocks", "invalid_blocks_format");
  if (blocks !== undefined) content.blocks = normalizeBlocks(blocks);
  const attachments = args.json("attachments", "invalid_attachments");
  if (attachments !== undefined) {
    if (!Array.isArray(attachments) || attachments.some((a) => typeof a !== "object" || a === null)) throw apiError("invalid_attachments");
    if (attachments.length > 100) throw apiError("too_many_attachments");
    // Slack numbers attachments; readers of history see these ids.
    content.attachments = attachments.map((a, i) => ({ id: i + 1, ...(a as object) }));
  }
  const metadata = args.json("metadata", "invalid_metadata_format");
  if (metadata !== undefined) {
    const m = metadata as Partial<SlackMessageMetadata>;
    if (typeof m !== "object" || typeof m.event_type !== "string" || !m.event_type || (m.event_payload !== undefined && (typeof m.event_payload !== "object" || m.event_payload === null))) {
      throw apiError("invalid_metadata_format");
    }
    content.metadata = { event_type: m.event_type, event_payload: m.event_payload ?? {} };
  }
  return content;
}

function hasContent(content: Content): boolean {
  return Boolean(content.text) || Boolean(content.blocks?.length) || Boolean(content.attachments?.length);
}

const KNOWN_TEXT_TYPES = new Set(["plain_text", "mrkdwn"]);

/**
 * Check the Block Kit rules bots most often trip over (limits, required fields, text types) and
 * fill in the ids Slack generates (`block_id`, `action_id`). Block types not checked here pass.
 */
export function normalizeBlocks(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw apiError("invalid_blocks_format");
  const problems: { message: string; pointer: string }[] = [];
  const fail = (message: string, pointer: string) => problems.push({ message, pointer });
  if (value.length > 50) fail("must contain no more than 50 items", "/blocks");
  const blockIds = new Set<string>();
  const blocks = value.map((raw, i) => {
    const at = `/blocks/${i}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      fail("must be an object", at);
      return raw;
    }
    const block = { ...(raw as Record<string, unknown>) };
    if (typeof block.type !== "string") {
      fail("missing required field: type", at);
      return block;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== "string" || block.block_id.length > 255) fail("must be a string of at most 255 characters", `${at}/block_id`);
      else if (blockIds.has(block.block_id)) fail(`duplicate block_id: ${block.block_id}`, `${at}/block_id`);
      else blockIds.add(block.block_id);
    } else {
      block.block_id = alnum(5);
    }
    const text = block.text as Record<string, unknown> | undefined;
    const checkText = (t: unknown, pointer: string, max: number, plainOnly = false) => {
      const obj = t as Record<string, unknown> | undefined;
      if (!obj || typeof obj !== "object") return fail("must be a text object", pointer);
      if (typeof obj.type !== "string" || !KNOWN_TEXT_TYPES.has(obj.type)) fail("must be plain_text or mrkdwn", `${pointer}/type`);
      else if (plainOnly && obj.type !== "plain_text") fail("must be plain_text", `${pointer}/type`);
      if (typeof obj.text !== "string" || obj.text.length === 0) fail("must be at least 1 character", `${pointer}/text`);
      else if (obj.text.length > max) fail(`must be less than ${max + 1} characters`, `${pointer}/text`);
    };
    const actionIds = new Set<string>();
    const checkElement = (el: unknown, pointer: string) => {
      if (typeof el !== "object" || el === null) return fail("must be an object", pointer);
      const element = el as Record<string, unknown>;
      if (typeof element.type !== "string") return fail("missing required field: type", pointer);
      if (element.action_id === undefined && element.type !== "image") element.action_id = alnum(5);
      if (typeof element.action_id === "string") {
        if (actionIds.has(element.action_id)) fail(`duplicate action_id: ${element.action_id}`, `${pointer}/action_id`);
        actionIds.add(element.action_id);
      }
      if (element.type === "button") {
        checkText(element.text, `${pointer}/text`, 75, true);
        if (typeof element.value === "string" && element.value.length > 2000) fail("must be less than 2001 characters", `${pointer}/value`);
        if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") fail("must be primary or danger", `${pointer}/style`);
      }
    };
    switch (block.type) {
      case "section":
        if (text === undefined && block.fields === undefined) fail("must provide text or fields", at);
        if (text !== undefined) checkText(text, `${at}/text`, 3000);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) fail("must be an array of at most 10 items", `${at}/fields`);
          else block.fields.forEach((f, j) => checkText(f, `${at}/fields/${j}`, 2000));
        }
        if (block.accessory !== undefined) {
          const accessory = { ...(block.accessory as Record<string, unknown>) };
          checkElement(accessory, `${at}/accessory`);
          block.accessory = accessory;
        }
        break;
      case "header":
        checkText(text, `${at}/text`, 150, true);
        break;
      case "actions":
      case "context": {
        const max = block.type === "actions" ? 25 : 10;
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > max) {
          fail(`must be an array of 1 to ${max} items`, `${at}/elements`);
        } else {
          block.elements = block.elements.map((el, j) => {
            const copy = typeof el === "object" && el !== null ? { ...(el as object) } : el;
            if (block.type === "actions") checkElement(copy, `${at}/elements/${j}`);
            return copy;
          });
        }
        break;
      }
      default:
        break;
    }
    return block;
  });
  if (problems.length) throw invalidBlocks(problems);
  return blocks;
}

// ---- history reading --------------------------------------------------------------------------

function encodeCursor(prefix: string, value: string): string {
  return Buffer.from(`${prefix}:${value}`).toString("base64");
}

function decodeCursor(cursor: string | undefined, prefix: string): string | undefined {
  if (!cursor) return undefined;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  if (!decoded.startsWith(`${prefix}:`)) throw apiError("invalid_cursor");
  return decoded.slice(prefix.length + 1);
}

/** `oldest`/`latest` window (exclusive unless `inclusive`), as microsecond bounds. */
function timeWindow(args: Args): (ts: string) => boolean {
  const parse = (name: "oldest" | "latest", error: string) => {
    const raw = args.str(name);
    if (raw === undefined || raw === "") return undefined;
    const micros = tsToMicros(raw);
    if (micros === undefined) throw apiError(error);
    return micros;
  };
  const oldest = parse("oldest", "invalid_ts_oldest");
  const latest = parse("latest", "invalid_ts_latest");
  const inclusive = args.bool("inclusive");
  return (ts) => {
    const t = tsToMicros(ts)!;
    if (oldest !== undefined && (inclusive ? t < oldest : t <= oldest)) return false;
    if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
    return true;
  };
}

function pageLimit(args: Args, max: number): number {
  const limit = args.int("limit", 100);
  return limit <= 0 ? 100 : Math.min(limit, max);
}

function historyView(message: SlackMessage, withMetadata: boolean): SlackMessage {
  const copy = structuredClone(message);
  if (!withMetadata) delete copy.metadata;
  return copy;
}

// ---- the methods ------------------------------------------------------------------------------

function botAuthor(ctx: WebApiContext): Omit<SlackMessage, "type" | "ts" | "text"> {
  const { ws } = ctx;
  const bot = ws.bots.get(ws.identity.botId)!;
  return { user: ws.identity.botUserId, bot_id: bot.botId, app_id: bot.appId, team: ws.identity.teamId, bot_profile: ws.botProfile(bot) };
}

function usergroupOrThrow(ctx: WebApiContext, id: string | undefined): UsergroupRecord {
  const group = id ? ctx.ws.usergroups.get(id) : undefined;
  if (!group) throw apiError("no_such_subteam");
  return group;
}

const METHODS: Record<string, Method> = {
  "auth.test": {
    token: "bot",
    handle: (_args, { ws, teamUrl }) => ({
      url: teamUrl,
      team: ws.identity.teamName,
      user: ws.identity.botName,
      team_id: ws.identity.teamId,
      user_id: ws.identity.botUserId,
      bot_id: ws.identity.botId,
      is_enterprise_install: false,
    }),
  },

  "team.info": {
    token: "bot",
    handle: (_args, { ws }) => ({
      team: {
        id: ws.identity.teamId,
        name: ws.identity.teamName,
        url: `https://${ws.identity.teamDomain}.slack.com/`,
        domain: ws.identity.teamDomain,
        email_domain: "",
        icon: { image_default: true },
        avatar_base_url: "https://ca.slack-edge.com/",
        is_verified: false,
      },
    }),
  },

  "bots.info": {
    token: "bot",
    handle: (args, { ws }) => {
      const bot = ws.bots.get(args.str("bot") ?? "");
      if (!bot) throw apiError("bot_not_found");
      const { team_id: _team, ...profile } = ws.botProfile(bot);
      return { bot: { ...profile, user_id: bot.userId } };
    },
  },

  "apps.connections.open": {
    token: "app",
    handle: (_args, ctx) => ({ url: ctx.socketUrl() }),
  },

  "chat.postMessage": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = postableChannel(ctx, args.str("channel"));
      const content = readContent(args);
      if (!hasContent(content)) throw apiError("no_text");
      const username = args.str("username");
      const author = botAuthor(ctx);
      const fields: Omit<SlackMessage, "type" | "ts"> = {
        // A custom username (chat:write.customize) makes Slack store a classic bot_message: no
        // user, so bots must recognise their own posts by bot_id.
        ...(username ? { bot_id: author.bot_id, app_id: author.app_id, username, subtype: "bot_message" } : author),
        text: content.text ?? "",
        blocks: content.blocks,
        attachments: content.attachments,
        metadata: content.metadata,
        thread_ts: args.str("thread_ts") || undefined,
      };
      const activities = ctx.ws.post(channel, fields, { broadcast: args.bool("reply_broadcast") });
      ctx.publish(activities);
      const message = (activities[0] as { message: SlackMessage }).message;
      return {
        channel: channel.id,
        ts: message.ts,
        message: stripUndefined({ ...eventMessage(message), metadata: message.metadata }),
      };
    },
  },

  "chat.update": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      const ts = args.str("ts");
      const message = ctx.ws.findMessage(channel, ts);
      if (!ts || !message) throw apiError("message_not_found");
      if (!ownedByBot(ctx, message)) throw apiError("cant_update_message");
      const content = readContent(args);
      // Omitted blocks/attachments keep the old ones; an empty array removes them (Slack's documented rule).
      const patch: Partial<SlackMessage> = {};
      if (content.text !== undefined) patch.text = content.text;
      if (content.blocks !== undefined) patch.blocks = content.blocks.length ? content.blocks : undefined;
      if (content.attachments !== undefined) patch.attachments = content.attachments.length ? content.attachments : undefined;
      if (content.metadata !== undefined) patch.metadata = content.metadata;
      if (!hasContent({ ...message, ...patch } as Content)) throw apiError("no_text");
      const activities = ctx.ws.update(channel, ts, patch, ctx.ws.identity.botUserId);
      ctx.publish(activities);
      const updated = ctx.ws.findMessage(channel, ts)!;
      const { ts: _ts, ...shown } = eventMessage(updated);
      return { channel: channel.id, ts, text: updated.text, message: shown };
    },
  },

  "chat.delete": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      const ts = args.str("ts");
      const message = ctx.ws.findMessage(channel, ts);
      if (!ts || !message || message.subtype === "tombstone") throw apiError("message_not_found");
      if (!ownedByBot(ctx, message)) throw apiError("cant_delete_message");
      ctx.publish(ctx.ws.delete(channel, ts));
      return { channel: channel.id, ts };
    },
  },

  "chat.postEphemeral": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = postableChannel(ctx, args.str("channel"));
      const userId = args.str("user");
      if (!userId || !ctx.ws.users.has(userId)) throw apiError("user_not_found");
      if (!channel.members.has(userId)) throw apiError("user_not_in_channel");
      const content = readContent(args);
      if (!hasContent(content)) throw apiError("no_text");
      const message: SlackMessage = stripUndefined({
        type: "message" as const,
        ...botAuthor(ctx),
        text: content.text ?? "",
        blocks: content.blocks,
        attachments: content.attachments,
        thread_ts: args.str("thread_ts") || undefined,
        ts: ctx.ws.nextTs(),
      });
      ctx.publish(ctx.ws.addEphemeral({ channel: channel.id, user: userId, message, via: "chat.postEphemeral" }));
      return { message_ts: message.ts };
    },
  },

  "chat.getPermalink": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      const message = ctx.ws.findMessage(channel, args.str("message_ts"));
      if (!message) throw apiError("message_not_found");
      return { channel: channel.id, permalink: permalink(ctx, channel, message) };
    },
  },

  "reactions.add": {
    token: "bot",
    handle: (args, ctx) => {
      const { channel, ts } = reactionTarget(args, ctx);
      ctx.publish(ctx.ws.addReaction(channel, ts, ctx.ws.identity.botUserId, args.str("name") ?? ""));
      return {};
    },
  },

  "reactions.remove": {
    token: "bot",
    handle: (args, ctx) => {
      const { channel, ts } = reactionTarget(args, ctx);
      ctx.publish(ctx.ws.removeReaction(channel, ts, ctx.ws.identity.botUserId, args.str("name") ?? ""));
      return {};
    },
  },

  "reactions.get": {
    token: "bot",
    handle: (args, ctx) => {
      const { channel, ts } = reactionTarget(args, ctx);
      const message = ctx.ws.findMessage(channel, ts)!;
      return {
        type: "message",
        channel: channel.id,
        message: { ...historyView(message, false), permalink: permalink(ctx, channel, message) },
      };
    },
  },

  "conversations.history": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = memberChannel(ctx, args.str("channel"));
      const inWindow = timeWindow(args);
      const limit = pageLimit(args, 999);
      const from = decodeCursor(args.str("cursor"), "next_ts");
      const fromMicros = from === undefined ? undefined : tsToMicros(from);
      const newestFirst = ctx.ws
        .topLevel(channel)
        .filter((m) => inWindow(m.ts))
        .filter((m) => fromMicros === undefined || tsToMicros(m.ts)! <= fromMicros)
        .reverse();
      const page = newestFirst.slice(0, limit);
      const next = newestFirst[limit];
      const withMetadata = args.bool("include_all_metadata");
      return {
        messages: page.map((m) => historyView(m, withMetadata)),
        has_more: next !== undefined,
        pin_count: 0,
        channel_actions_ts: null,
        channel_actions_count: 0,
        ...(next ? { response_metadata: { next_cursor: encodeCursor("next_ts", next.ts) } } : {}),
      };
    },
  },

  "conversations.replies": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = memberChannel(ctx, args.str("channel"));
      const target = ctx.ws.findMessage(channel, args.str("ts"));
      if (!target) throw apiError("thread_not_found");
      // Any message of a thread names the thread.
      const parent = target.thread_ts && target.thread_ts !== target.ts ? ctx.ws.findMessage(channel, target.thread_ts) : target;
      if (!parent) throw apiError("thread_not_found");
      const inWindow = timeWindow(args);
      const limit = pageLimit(args, 1000);
      const from = decodeCursor(args.str("cursor"), "next_ts");
      const fromMicros = from === undefined ? undefined : tsToMicros(from);
      const replies = ctx.ws
        .replies(channel, parent.ts)
        .filter((m) => inWindow(m.ts))
        .filter((m) => fromMicros === undefined || tsToMicros(m.ts)! >= fromMicros);
      // Slack repeats the parent at the top of every page.
      const page = replies.slice(0, limit);
      const next = replies[limit];
      const withMetadata = args.bool("include_all_metadata");
      return {
        messages: [parent, ...page].map((m) => historyView(m, withMetadata)),
        has_more: next !== undefined,
        ...(next ? { response_metadata: { next_cursor: encodeCursor("next_ts", next.ts) } } : {}),
      };
    },
  },

  "conversations.info": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      return { channel: ctx.ws.apiChannel(channel, { includeNumMembers: args.bool("include_num_members") }) };
    },
  },

  "conversations.setTopic": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      if (channel.kind === "im") throw apiError("method_not_supported_for_channel_type");
      if (!ctx.ws.isBotMember(channel)) throw apiError("not_in_channel");
      if (channel.archived) throw apiError("is_archived");
      const topic = args.str("topic") ?? "";
      if (topic.length > 250) throw apiError("too_long");
      ctx.publish(ctx.ws.setTopic(channel, topic, ctx.ws.identity.botUserId));
      return { channel: ctx.ws.apiChannel(channel) };
    },
  },

  "conversations.list": {
    token: "bot",
    handle: (args, ctx) => {
      const types = new Set((args.str("types") || "public_channel").split(",").map((t) => t.trim()));
      const excludeArchived = args.bool("exclude_archived");
      const limit = pageLimit(args, 1000);
      const all = [...ctx.ws.channels.values()].filter((c) => {
        if (excludeArchived && c.archived) return false;
        if (c.kind === "public") return types.has("public_channel");
        if (c.kind === "private") return types.has("private_channel") && ctx.ws.isBotMember(c);
        return types.has("im");
      });
      const from = decodeCursor(args.str("cursor"), "team");
      const start = from === undefined ? 0 : Math.max(0, all.findIndex((c) => c.id === from));
      const page = all.slice(start, start + limit);
      const next = all[start + limit];
      return {
        channels: page.map((c) => ctx.ws.apiChannel(c, { includeNumMembers: c.kind !== "im" })),
        response_metadata: { next_cursor: next ? encodeCursor("team", next.id) : "" },
      };
    },
  },

  "conversations.members": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      const members = [...channel.members];
      const limit = pageLimit(args, 1000);
      const from = decodeCursor(args.str("cursor"), "member");
      const start = from === undefined ? 0 : Math.max(0, members.indexOf(from));
      const next = members[start + limit];
      return { members: members.slice(start, start + limit), response_metadata: { next_cursor: next ? encodeCursor("member", next) : "" } };
    },
  },

  "conversations.join": {
    token: "bot",
    handle: (args, ctx) => {
      const channel = visibleChannel(ctx, args.str("channel"));
      if (channel.kind !== "public") throw apiError("method_not_supported_for_channel_type");
      if (channel.archived) throw apiError("is_archived");
      const already = ctx.ws.isBotMember(channel);
      ctx.publish(ctx.ws.join(channel, ctx.ws.identity.botUserId));
      return {
        channel: ctx.ws.apiChannel(channel),
        ...(already ? { warning: "already_in_channel", response_metadata: { warnings: ["already_in_channel"] } } : {}),
      };
    },
  },

  "conversations.open": {
    token: "bot",
    handle: (args, ctx) => {
      const users = (args.str("users") ?? "").split(",").map((u) => u.trim()).filter(Boolean);
      const existing = args.str("channel");
      if (existing) {
        const channel = visibleChannel(ctx, existing);
        return { channel: args.bool("return_im") ? ctx.ws.apiChannel(channel) : { id: channel.id } };
      }
      if (users.length === 0) throw apiError("users_list_not_supplied");
      if (users.length > 1) throw new Error("conversations.open with several users (a group DM) is not emulated");
      if (!ctx.ws.users.has(users[0]!)) throw apiError("user_not_found");
      const before = ctx.ws.channels.size;
      const channel = ctx.ws.openIm(users[0]!);
      const already = ctx.ws.channels.size === before;
      return {
        ...(already ? { no_op: true, already_open: true } : {}),
        channel: args.bool("return_im") ? ctx.ws.apiChannel(channel) : { id: channel.id },
      };
    },
  },

  "users.info": {
    token: "bot",
    handle: (args, ctx) => {
      const user = ctx.ws.users.get(args.str("user") ?? "");
      if (!user) throw apiError("user_not_found");
      return { user: ctx.ws.apiUser(user) };
    },
  },

  "users.lookupByEmail": {
    token: "bot",
    handle: (args, ctx) => {
      const email = (args.str("email") ?? "").toLowerCase();
      const user = [...ctx.ws.users.values()].find((u) => u.email?.toLowerCase() === email && !u.deleted);
      if (!email || !user) throw apiError("users_not_found");
      return { user: ctx.ws.apiUser(user) };
    },
  },

  "users.list": {
    token: "bot",
    handle: (args, ctx) => {
      const users = [...ctx.ws.users.values()];
      const limit = pageLimit(args, 1000);
      const from = decodeCursor(args.str("cursor"), "users");
      const start = from === undefined ? 0 : Math.max(0, users.findIndex((u) => u.id === from));
      const next = users[start + limit];
      return {
        members: users.slice(start, start + limit).map((u) => ctx.ws.apiUser(u)),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: next ? encodeCursor("users", next.id) : "" },
      };
    },
  },

  "usergroups.list": {
    token: "bot",
    handle: (args, ctx) => {
      const includeDisabled = args.bool("include_disabled");
      const includeUsers = args.bool("include_users");
      const includeCount = args.bool("include_count");
      return {
        usergroups: [...ctx.ws.usergroups.values()]
          .filter((g) => includeDisabled || g.dateDelete === 0)
          .map((g) => ctx.ws.apiUsergroup(g, { includeUsers, includeCount })),
      };
    },
  },

  "usergroups.users.list": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      // A disabled group is invisible unless asked for, like in usergroups.list.
      if (group.dateDelete !== 0 && !args.bool("include_disabled")) throw apiError("no_such_subteam");
      return { users: [...group.users] };
    },
  },

  "usergroups.users.update": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      const users = (args.str("users") ?? "").split(",").map((u) => u.trim()).filter(Boolean);
      // A group can never be emptied through the API; disable it instead.
      if (users.length === 0) throw apiError("no_users_provided");
      const unknown = users.filter((u) => !ctx.ws.users.get(u) || ctx.ws.users.get(u)!.deleted);
      if (unknown.length) throw apiError("invalid_users");
      if (users.some((u) => ctx.ws.users.get(u)!.isBot || ctx.ws.users.get(u)!.isRestricted)) throw apiError("invalid_user");
      ctx.publish(ctx.ws.setUsergroupUsers(group, users, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.enable": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      ctx.publish(ctx.ws.setUsergroupEnabled(group, true, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.disable": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      ctx.publish(ctx.ws.setUsergroupEnabled(group, false, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.create": {
    token: "bot",
    handle: (args, ctx) => {
      const name = required(args, "name");
      const handle = args.str("handle") || name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-");
      const group = ctx.ws.addUsergroup({ name, handle, description: args.str("description") ?? "" });
      const channels = (args.str("channels") ?? "").split(",").map((c) => c.trim()).filter(Boolean);
      group.channels = channels;
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },
};

/** Methods the emulator implements, for error messages and docs. */
export const WEB_API_METHODS: readonly string[] = Object.keys(METHODS);

function reactionTarget(args: Args, ctx: WebApiContext): { channel: ChannelRecord; ts: string } {
  const channelId = args.str("channel");
  const ts = args.str("timestamp");
  if (!channelId || !ts) throw apiError("no_item_specified");
  if (tsToMicros(ts) === undefined) throw apiError("bad_timestamp");
  const channel = memberChannel(ctx, channelId);
  const message = ctx.ws.findMessage(channel, ts);
  if (!message || message.subtype === "tombstone") throw apiError("message_not_found");
  return { channel, ts };
}

export function permalink(ctx: Pick<WebApiContext, "teamUrl">, channel: ChannelRecord, message: SlackMessage): string {
  const base = `${ctx.teamUrl}archives/${channel.id}/p${message.ts.replace(".", "")}`;
  const isReply = message.thread_ts && message.thread_ts !== message.ts;
  return isReply ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}` : base;
}
