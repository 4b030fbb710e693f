// chat.* and reactions.*: what the app posts, edits and reacts with.
import { apiError } from "../errors.js";
import { eventMessage } from "../events.js";
import { type SlackMessage, stripUndefined } from "../state.js";
import { type Method } from "./web-api-call.js";
import { botAuthor, ownedByBot, permalink, postableChannel, reactionTarget, visibleChannel } from "./channel-access.js";
import { type Content, hasContent, readContent } from "./message-content.js";
import { historyView } from "./history-paging.js";

export const CHAT_METHODS: Record<string, Method> = {
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
        icons: customIcons(args.str("icon_emoji"), args.str("icon_url")),
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

};

/** The `icons` Slack stores for a post with a custom bot identity (`icon_emoji` or `icon_url`, chat:write.customize). */
function customIcons(emoji: string | undefined, url: string | undefined): Record<string, string> | undefined {
  if (emoji) {
    const name = emoji.replace(/^:|:$/g, "");
    return { emoji: `:${name}:`, image_64: `https://a.slack-edge.com/production-standard-emoji-assets/15.0/apple-large/${name}.png` };
  }
  if (url) return { image_36: url, image_48: url, image_64: url, image_72: url };
  return undefined;
}
