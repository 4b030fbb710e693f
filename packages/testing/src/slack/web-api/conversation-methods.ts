// conversations.*: channels, their history, members and topics.
import { joinChannel } from "../channel-changes.js";
import { apiError } from "../errors.js";
import { tsToMicros } from "../state.js";
import { type Method } from "./web-api-call.js";
import { memberChannel, visibleChannel } from "./channel-access.js";
import { decodeCursor, encodeCursor, historyView, pageLimit, timeWindow } from "./history-paging.js";

export const CONVERSATION_METHODS: Record<string, Method> = {
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
      ctx.publish(joinChannel(ctx.ws, channel, ctx.ws.identity.botUserId));
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
        return { channel: args.bool("return_im") ? { ...ctx.ws.apiChannel(channel), unread_count: 0, unread_count_display: 0 } : { id: channel.id } };
      }
      if (users.length === 0) throw apiError("users_list_not_supplied");
      if (users.length > 1) throw new Error("conversations.open with several users (a group DM) is not emulated");
      if (!ctx.ws.users.has(users[0]!)) throw apiError("user_not_found");
      const before = ctx.ws.channels.size;
      const channel = ctx.ws.openIm(users[0]!);
      const already = ctx.ws.channels.size === before;
      return {
        ...(already ? { no_op: true, already_open: true } : {}),
        channel: args.bool("return_im") ? { ...ctx.ws.apiChannel(channel), unread_count: 0, unread_count_display: 0 } : { id: channel.id },
      };
    },
  },

};
