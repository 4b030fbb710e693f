// Which channel, message or group a call may touch, with the errors Slack gives when it may not.
import { apiError } from "../errors.js";
import { type ChannelRecord, type SlackMessage, tsToMicros, type UsergroupRecord } from "../state.js";
import { Args, type WebApiContext } from "./web-api-call.js";

/** Channel for reading or managing: by id only; private channels the bot is not in do not exist for it. */
export function visibleChannel(ctx: WebApiContext, id: string | undefined): ChannelRecord {
  const channel = ctx.ws.findChannel(id);
  if (!channel || (channel.kind !== "public" && !ctx.ws.isBotMember(channel))) throw apiError("channel_not_found");
  return channel;
}

export function memberChannel(ctx: WebApiContext, id: string | undefined): ChannelRecord {
  const channel = visibleChannel(ctx, id);
  if (!ctx.ws.isBotMember(channel)) throw apiError("not_in_channel");
  return channel;
}

/** Channel for posting: an id, a `#name`, or a user id (which posts to the bot's DM with that user). */
export function postableChannel(ctx: WebApiContext, ref: string | undefined): ChannelRecord {
  if (ref && /^[UW]/.test(ref) && ctx.ws.users.has(ref)) return ctx.ws.openIm(ref);
  const channel = ctx.ws.findChannel(ref, { byName: true });
  if (!channel || (channel.kind !== "public" && !ctx.ws.isBotMember(channel))) throw apiError("channel_not_found");
  if (channel.archived) throw apiError("is_archived");
  if (!ctx.ws.isBotMember(channel)) throw apiError("not_in_channel");
  return channel;
}

export function ownedByBot(ctx: WebApiContext, message: SlackMessage): boolean {
  return message.user === ctx.ws.identity.botUserId || message.bot_id === ctx.ws.identity.botId;
}



export function botAuthor(ctx: WebApiContext): Omit<SlackMessage, "type" | "ts" | "text"> {
  const { ws } = ctx;
  const bot = ws.bots.get(ws.identity.botId)!;
  return { user: ws.identity.botUserId, bot_id: bot.botId, app_id: bot.appId, team: ws.identity.teamId, bot_profile: ws.botProfile(bot) };
}

export function usergroupOrThrow(ctx: WebApiContext, id: string | undefined): UsergroupRecord {
  const group = id ? ctx.ws.usergroups.get(id) : undefined;
  if (!group) throw apiError("no_such_subteam");
  return group;
}


export function reactionTarget(args: Args, ctx: WebApiContext): { channel: ChannelRecord; ts: string } {
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
