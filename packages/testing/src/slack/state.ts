import { randomUUID } from "node:crypto";
import { apiError } from "./errors.js";

// ---------------------------------------------------------------------------------------------
// Public shapes. Everything the emulator hands back is in Slack's own wire shape (snake_case), so
// a test can compare what it reads from the emulator with what the bot read from the Web API.
// ---------------------------------------------------------------------------------------------

/** A reaction on a message, as `reactions.get` and `conversations.history` return it. */
export interface SlackReaction {
  name: string;
  users: string[];
  count: number;
}

/** The `bot_profile` Slack attaches to messages posted by apps. */
export interface SlackBotProfile {
  id: string;
  deleted: boolean;
  name: string;
  updated: number;
  app_id: string;
  /** The app's bot user. */
  user_id: string;
  icons: Record<string, string>;
  team_id: string;
}

/** Machine-readable data attached to a message (`chat.postMessage` `metadata`). */
export interface SlackMessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A stored message, in the shape `conversations.history` returns (plus `metadata`, always). */
export interface SlackMessage {
  type: "message";
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  bot_profile?: SlackBotProfile;
  username?: string;
  subtype?: string;
  team?: string;
  client_msg_id?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: SlackMessageMetadata;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users_count?: number;
  latest_reply?: string;
  reply_users?: string[];
  is_locked?: boolean;
  subscribed?: boolean;
  reactions?: SlackReaction[];
  edited?: { user: string; ts: string };
  hidden?: boolean;
  [field: string]: unknown;
}

/** A message only one user saw (`chat.postEphemeral`, an ephemeral `response_url` reply, a slash command ack). */
export interface EphemeralMessage {
  channel: string;
  /** The user who saw it. */
  user: string;
  message: SlackMessage;
  via: "chat.postEphemeral" | "response_url" | "ack";
  /** Set once a `response_url` reply deleted it (`delete_original`). */
  deleted?: boolean;
}

/** An identity another app posts as (e.g. the Datadog app); see `SlackEmulator.postAs`. */
export interface SlackBotIdentity {
  botId: string;
  userId: string;
  appId: string;
  name: string;
  icons: Record<string, string>;
}

/** Options for `SlackEmulator.addUser`. */
export interface AddUserOptions {
  id?: string;
  /** The handle (`name` in the API), e.g. `alice`. */
  name: string;
  realName?: string;
  displayName?: string;
  email?: string;
  /** IANA zone; defaults to `America/Los_Angeles`, a new workspace's default. */
  tz?: string;
  isBot?: boolean;
  isAdmin?: boolean;
  /** A guest account (`is_restricted`). */
  isRestricted?: boolean;
  deleted?: boolean;
}

/** Options for `SlackEmulator.createChannel`. */
export interface CreateChannelOptions {
  id?: string;
  /** Users in the channel besides the bot. */
  members?: string[];
  topic?: string;
  purpose?: string;
  isPrivate?: boolean;
  /** Whether the bot is in the channel (default true); `false` to exercise `not_in_channel`. */
  botMember?: boolean;
}

/** Options for `SlackEmulator.addUsergroup`. */
export interface AddUsergroupOptions {
  id?: string;
  handle: string;
  name: string;
  description?: string;
  users?: string[];
  /** Start disabled (`date_delete` set), as after `usergroups.disable`. */
  disabled?: boolean;
}

/**
 * A change in the workspace, for transcripts (`botyard demo`) and assertions. Emitted for changes
 * made through the Web API, `response_url`s and the emulator's acting methods alike.
 */
export type SlackActivity = (
  | { type: "message"; channel: string; message: SlackMessage }
  | { type: "message_changed"; channel: string; message: SlackMessage; previous: SlackMessage }
  | { type: "message_deleted"; channel: string; ts: string; previous: SlackMessage }
  | { type: "reaction_added" | "reaction_removed"; channel: string; ts: string; user: string; reaction: string; itemUser?: string }
  | { type: "ephemeral"; channel: string; user: string; message: SlackMessage }
  | { type: "topic_changed"; channel: string; topic: string; user: string }
  | { type: "member_joined"; channel: string; user: string; inviter?: string }
  | { type: "member_left"; channel: string; user: string }
  | { type: "usergroup_updated"; usergroup: string; handle: string; users: string[]; previousUsers: string[]; enabled: boolean }
) & { at?: number };

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

export interface UserRecord {
  id: string;
  name: string;
  realName: string;
  displayName: string;
  email?: string;
  tz: string;
  isBot: boolean;
  isAdmin: boolean;
  isRestricted: boolean;
  deleted: boolean;
  botId?: string;
  appId?: string;
  updated: number;
}

export interface ChannelRecord {
  id: string;
  name: string;
  kind: "public" | "private" | "im";
  /** The other party of a DM. */
  imUser?: string;
  created: number;
  creator: string;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  members: Set<string>;
  archived: boolean;
  /** Names it had before `renameChannel`, latest last. */
  previousNames?: string[];
  /** Every message, thread replies included, oldest first. */
  messages: SlackMessage[];
}

export interface UsergroupRecord {
  id: string;
  handle: string;
  name: string;
  description: string;
  users: string[];
  channels: string[];
  dateCreate: number;
  dateUpdate: number;
  dateDelete: number;
  createdBy: string;
  updatedBy: string;
  deletedBy: string | null;
}

export interface WorkspaceIdentity {
  teamId: string;
  teamName: string;
  teamDomain: string;
  appId: string;
  botId: string;
  botUserId: string;
  botName: string;
}

const DEFAULT_TZ = "America/Los_Angeles";
const MAX_TEXT = 40_000;
const REACTION_ALIASES: Record<string, string> = { thumbsup: "+1", thumbsdown: "-1", thumbs_up: "+1" };

/**
 * The workspace model: channels, users, groups and messages, with the rules Slack applies when they
 * change. Mutations return the activities they caused and never deliver anything themselves: the
 * emulator publishes them, so the Web API and the test-side acting methods share one path to Socket
 * Mode and to the transcript.
 */
export class Workspace {
  readonly channels = new Map<string, ChannelRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly usergroups = new Map<string, UsergroupRecord>();
  readonly bots = new Map<string, SlackBotIdentity>();
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly counters = new Map<string, number>();
  private lastTsMicros = 0;

  constructor(readonly identity: WorkspaceIdentity) {
    this.users.set(identity.botUserId, botUser(identity.botUserId, identity.botName, identity.botName, identity.botId, identity.appId));
    this.bots.set(identity.botId, {
      botId: identity.botId,
      userId: identity.botUserId,
      appId: identity.appId,
      name: identity.botName,
      icons: botIcons(identity.botId),
    });
  }

  // ---- ids and clocks ------------------------------------------------------------------------

  /** Next message timestamp: wall-clock based like Slack's, and strictly increasing within the workspace. */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return microsToTs(micros);
  }

  newId(prefix: string, taken: (id: string) => boolean): string {
    for (;;) {
      const n = (this.counters.get(prefix) ?? 0) + 1;
      this.counters.set(prefix, n);
      // Slack ids are a type letter and at least 8 more characters (C0123ABCD); its descriptions check that.
      const id = `${prefix}${String(n).padStart(8, "0")}`;
      if (!taken(id)) return id;
    }
  }

  // ---- setup (test side) ---------------------------------------------------------------------

  createChannel(name: string, options: CreateChannelOptions = {}): ChannelRecord {
    const clean = name.replace(/^#/, "");
    if (!/^[a-z0-9][a-z0-9._-]{0,79}$/.test(clean)) {
      throw new Error(`Invalid channel name "${name}": Slack allows lowercase letters, digits, "-", "_" and ".", up to 80 characters`);
    }
    if ([...this.channels.values()].some((c) => c.name === clean && c.kind !== "im")) {
      throw new Error(`A channel named #${clean} already exists`);
    }
    const id = options.id ?? this.newId("C", (i) => this.channels.has(i));
    if (this.channels.has(id)) throw new Error(`Channel id ${id} is already taken`);
    const created = nowSec();
    const creator = this.identity.botUserId;
    for (const member of options.members ?? []) this.userOrThrow(member, "createChannel members");
    const members = new Set(options.members ?? []);
    if (options.botMember !== false) members.add(this.identity.botUserId);
    const channel: ChannelRecord = {
      id,
      name: clean,
      kind: options.isPrivate ? "private" : "public",
      created,
      creator,
      topic: { value: options.topic ?? "", creator: options.topic ? creator : "", last_set: options.topic ? created : 0 },
      purpose: { value: options.purpose ?? "", creator: options.purpose ? creator : "", last_set: options.purpose ? created : 0 },
      members,
      archived: false,
      messages: [],
    };
    this.channels.set(id, channel);
    return channel;
  }

  addUser(options: AddUserOptions): UserRecord {
    const id = options.id ?? this.newId("U", (i) => this.users.has(i));
    if (this.users.has(id)) throw new Error(`User id ${id} is already taken`);
    const tz = options.tz ?? DEFAULT_TZ;
    tzInfo(tz); // throws RangeError on an unknown zone: better at setup than deep inside users.info
    const user: UserRecord = {
      id,
      name: options.name,
      realName: options.realName ?? options.name,
      displayName: options.displayName ?? "",
      tz,
      isBot: options.isBot ?? false,
      isAdmin: options.isAdmin ?? false,
      isRestricted: options.isRestricted ?? false,
      deleted: options.deleted ?? false,
      updated: nowSec(),
      ...(options.email ? { email: options.email } : {}),
    };
    this.users.set(id, user);
    return user;
  }

  addBot(options: { botId?: string; userId?: string; appId?: string; name: string; icons?: Record<string, string> }): SlackBotIdentity {
    const botId = options.botId ?? this.newId("B", (i) => this.bots.has(i));
    if (this.bots.has(botId)) throw new Error(`Bot id ${botId} is already taken`);
    const appId = options.appId ?? this.newId("A", () => false);
    const userId = options.userId ?? this.newId("U", (i) => this.users.has(i));
    if (!this.users.has(userId)) {
      this.users.set(userId, botUser(userId, options.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "_"), options.name, botId, appId));
    }
    const bot: SlackBotIdentity = { botId, userId, appId, name: options.name, icons: options.icons ?? botIcons(botId) };
    this.bots.set(botId, bot);
    return bot;
  }

  addUsergroup(options: AddUsergroupOptions, by = this.identity.botUserId): UsergroupRecord {
    const handle = options.handle.replace(/^@/, "");
    for (const g of this.usergroups.values()) {
      if (g.handle === handle) throw apiError("handle_already_exists");
      if (g.name === options.name) throw apiError("name_already_exists");
    }
    const id = options.id ?? this.newId("S", (i) => this.usergroups.has(i));
    if (this.usergroups.has(id)) throw new Error(`Usergroup id ${id} is already taken`);
    const now = nowSec();
    const group: UsergroupRecord = {
      id,
      handle,
      name: options.name,
      description: options.description ?? "",
      users: [...(options.users ?? [])],
      channels: [],
      dateCreate: now,
      dateUpdate: now,
      dateDelete: options.disabled ? now : 0,
      createdBy: by,
      updatedBy: by,
      deletedBy: options.disabled ? by : null,
    };
    this.usergroups.set(id, group);
    return group;
  }

  // ---- lookups -------------------------------------------------------------------------------

  /** By id, or by name for the methods that accept `#name` (chat.postMessage and friends). */
  findChannel(ref: string | undefined, { byName = false } = {}): ChannelRecord | undefined {
    if (!ref) return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    if (!byName) return undefined;
    const name = ref.replace(/^#/, "");
    return [...this.channels.values()].find((c) => c.kind !== "im" && c.name === name);
  }

  channelOrThrow(id: string, what = "channel"): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel) {
      const known = [...this.channels.values()].map((c) => `${c.id} (#${c.name})`).join(", ") || "none";
      throw new Error(`Unknown ${what} ${id}; known channels: ${known}. Create it with slack.createChannel()`);
    }
    return channel;
  }

  userOrThrow(id: string, what = "user"): UserRecord {
    const user = this.users.get(id);
    if (!user) throw new Error(`Unknown ${what} ${id}; add it with slack.addUser() first`);
    return user;
  }

  findUsergroup(idOrHandle: string): UsergroupRecord | undefined {
    const handle = idOrHandle.replace(/^@/, "");
    return this.usergroups.get(idOrHandle) ?? [...this.usergroups.values()].find((g) => g.handle === handle);
  }

  /** The bot's DM with a user, opened on first use as `conversations.open` does. */
  openIm(userId: string): ChannelRecord {
    const existing = [...this.channels.values()].find((c) => c.kind === "im" && c.imUser === userId);
    if (existing) return existing;
    const id = this.newId("D", (i) => this.channels.has(i));
    const channel: ChannelRecord = {
      id,
      name: userId,
      kind: "im",
      imUser: userId,
      created: nowSec(),
      creator: this.identity.botUserId,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "", creator: "", last_set: 0 },
      members: new Set([this.identity.botUserId, userId]),
      archived: false,
      messages: [],
    };
    this.channels.set(id, channel);
    return channel;
  }

  findMessage(channel: ChannelRecord, ts: string | undefined): SlackMessage | undefined {
    if (!ts) return undefined;
    return channel.messages.find((m) => m.ts === ts);
  }

  /** Top-level messages (and broadcast replies), oldest first, as the channel shows them. */
  topLevel(channel: ChannelRecord): SlackMessage[] {
    return channel.messages.filter(isTopLevel);
  }

  /** Replies in the thread under `threadTs`, parent excluded, oldest first. */
  replies(channel: ChannelRecord, threadTs: string): SlackMessage[] {
    return channel.messages.filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  isBotMember(channel: ChannelRecord): boolean {
    return channel.members.has(this.identity.botUserId);
  }

  // ---- mutations (each returns what happened) ------------------------------------------------

  /**
   * Store a message. `fields` carries the author (`user`, `bot_id`...) and content; threading is
   * resolved here so every path (Web API, response_url, test helpers) threads the same way.
   */
  post(channel: ChannelRecord, fields: Omit<SlackMessage, "type" | "ts">, options: { broadcast?: boolean } = {}): SlackActivity[] {
    const message: SlackMessage = { type: "message", ...stripUndefined(fields), ts: this.nextTs() } as SlackMessage;
    if (typeof message.text === "string" && message.text.length > MAX_TEXT) message.text = message.text.slice(0, MAX_TEXT);
    if (message.text === undefined) message.text = "";
    const activities: SlackActivity[] = [];
    const threadTs = message.thread_ts;
    if (threadTs) {
      const parent = this.findMessage(channel, threadTs);
      // A thread_ts that names no top-level message is accepted by Slack but the reply is never shown
      // in any thread. Store it the same way (reachable only via replies(channel, thatTs)) so a bot
      // that threads under a reply's ts or a made-up ts fails its assertions instead of passing here.
      if (parent && isThreadRoot(parent)) {
        // A user id, so absent under a classic integration's post (which has no user; a bot id is not one).
        if (parent.user) message.parent_user_id = parent.user;
        if (options.broadcast) message.subtype = "thread_broadcast";
        channel.messages.push(message);
        this.refreshThreadSummary(channel, parent);
      } else {
        if (parent?.user) message.parent_user_id = parent.user;
        channel.messages.push(message);
      }
    } else {
      channel.messages.push(message);
    }
    const author = message.user;
    if (author && channel.kind !== "im" && !channel.members.has(author) && this.users.get(author)?.isBot === false) {
      // A person posting in a public channel they were not in joins it, as in the Slack client.
      channel.members.add(author);
    }
    activities.push({ type: "message", channel: channel.id, message });
    return activities;
  }

  update(channel: ChannelRecord, ts: string, patch: Partial<SlackMessage>, by: string, { markEdited = true } = {}): SlackActivity[] {
    const message = this.findMessage(channel, ts);
    if (!message || message.subtype === "tombstone") throw apiError("message_not_found");
    const previous = structuredClone(message);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete message[key];
      else message[key] = value;
    }
    if (markEdited) message.edited = { user: by, ts: this.nextTs() };
    return [{ type: "message_changed", channel: channel.id, message, previous }];
  }

  delete(channel: ChannelRecord, ts: string): SlackActivity[] {
    const index = channel.messages.findIndex((m) => m.ts === ts);
    const message = channel.messages[index];
    if (!message || message.subtype === "tombstone") throw apiError("message_not_found");
    const previous = structuredClone(message);
    const hasReplies = isThreadRoot(message) && (message.reply_count ?? 0) > 0;
    if (hasReplies) {
      // Slack keeps a placeholder so the thread stays reachable.
      const tombstone: SlackMessage = {
        type: "message",
        subtype: "tombstone",
        text: "This message was deleted.",
        user: "USLACKBOT",
        hidden: true,
        ts: message.ts,
        thread_ts: message.ts,
        reply_count: message.reply_count,
        reply_users_count: message.reply_users_count,
        latest_reply: message.latest_reply,
        reply_users: message.reply_users,
        is_locked: false,
        subscribed: false,
      };
      channel.messages[index] = stripUndefined(tombstone) as SlackMessage;
    } else {
      channel.messages.splice(index, 1);
      if (message.thread_ts && message.thread_ts !== message.ts) {
        const parent = this.findMessage(channel, message.thread_ts);
        if (parent) this.refreshThreadSummary(channel, parent);
      }
    }
    return [{ type: "message_deleted", channel: channel.id, ts, previous }];
  }

  addReaction(channel: ChannelRecord, ts: string, user: string, rawName: string): SlackActivity[] {
    const name = normalizeReaction(rawName);
    const message = this.findMessage(channel, ts);
    if (!message || message.subtype === "tombstone") throw apiError("message_not_found");
    const reactions = (message.reactions ??= []);
    let reaction = reactions.find((r) => r.name === name);
    if (reaction?.users.includes(user)) throw apiError("already_reacted");
    if (!reaction) {
      if (reactions.length >= 23) throw apiError("too_many_emoji");
      reaction = { name, users: [], count: 0 };
      reactions.push(reaction);
    }
    reaction.users.push(user);
    reaction.count = reaction.users.length;
    return [{ type: "reaction_added", channel: channel.id, ts, user, reaction: name, itemUser: message.user }];
  }

  removeReaction(channel: ChannelRecord, ts: string, user: string, rawName: string): SlackActivity[] {
    const name = normalizeReaction(rawName);
    const message = this.findMessage(channel, ts);
    if (!message || message.subtype === "tombstone") throw apiError("message_not_found");
    const reaction = message.reactions?.find((r) => r.name === name);
    if (!reaction?.users.includes(user)) throw apiError("no_reaction");
    reaction.users = reaction.users.filter((u) => u !== user);
    reaction.count = reaction.users.length;
    if (reaction.count === 0) message.reactions = message.reactions!.filter((r) => r !== reaction);
    if (message.reactions?.length === 0) delete message.reactions;
    return [{ type: "reaction_removed", channel: channel.id, ts, user, reaction: name, itemUser: message.user }];
  }

  setTopic(channel: ChannelRecord, topic: string, by: string): SlackActivity[] {
    channel.topic = { value: topic, creator: by, last_set: nowSec() };
    // Slack announces the change with a channel_topic system message, which bots see as an event too.
    const posted = this.post(channel, {
      subtype: "channel_topic",
      user: by,
      text: topic ? `set the channel topic: ${topic}` : "cleared the channel topic",
      topic,
    });
    return [{ type: "topic_changed", channel: channel.id, topic, user: by }, ...posted];
  }

  addEphemeral(entry: EphemeralMessage): SlackActivity[] {
    this.ephemerals.push(entry);
    return [{ type: "ephemeral", channel: entry.channel, user: entry.user, message: entry.message }];
  }

  setUsergroupUsers(group: UsergroupRecord, users: string[], by: string): SlackActivity[] {
    const previousUsers = group.users;
    group.users = [...new Set(users)];
    group.dateUpdate = nowSec();
    group.updatedBy = by;
    return [usergroupActivity(group, previousUsers)];
  }

  setUsergroupEnabled(group: UsergroupRecord, enabled: boolean, by: string): SlackActivity[] {
    const now = nowSec();
    group.dateDelete = enabled ? 0 : now;
    group.deletedBy = enabled ? null : by;
    group.dateUpdate = now;
    group.updatedBy = by;
    return [usergroupActivity(group, group.users)];
  }

  private refreshThreadSummary(channel: ChannelRecord, parent: SlackMessage): void {
    const replies = this.replies(channel, parent.ts).filter((m) => m.subtype !== "tombstone");
    if (replies.length === 0) {
      for (const key of ["reply_count", "reply_users_count", "latest_reply", "reply_users", "is_locked", "subscribed"]) delete parent[key];
      delete parent.thread_ts;
      return;
    }
    const users = [...new Set(replies.map((r) => r.user ?? r.bot_id ?? "").filter(Boolean))];
    parent.thread_ts = parent.ts;
    parent.reply_count = replies.length;
    parent.reply_users_count = users.length;
    parent.latest_reply = replies[replies.length - 1]!.ts;
    parent.reply_users = users;
    parent.is_locked = false;
    parent.subscribed = false;
    // Replies broadcast to the channel carry their thread's parent, summary included, as `root`.
    for (const reply of replies) if (reply.subtype === "thread_broadcast") reply.root = threadRoot(parent);
  }

  // ---- Web API shapes ------------------------------------------------------------------------

  botProfile(bot: SlackBotIdentity): SlackBotProfile {
    return { id: bot.botId, deleted: false, name: bot.name, updated: 1_700_000_000, app_id: bot.appId, user_id: bot.userId, icons: bot.icons, team_id: this.identity.teamId };
  }

  /** `conversations.info` shape, as seen by the bot. */
  apiChannel(channel: ChannelRecord, { includeNumMembers = false } = {}): Record<string, unknown> {
    const { teamId } = this.identity;
    if (channel.kind === "im") {
      return {
        id: channel.id,
        created: channel.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: teamId,
        updated: channel.created * 1000,
        user: channel.imUser,
        is_user_deleted: false,
        priority: 0,
        last_read: lastRead(channel),
        is_open: true,
      };
    }
    return {
      id: channel.id,
      name: channel.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: channel.kind === "private",
      created: channel.created,
      is_archived: channel.archived,
      is_general: false,
      // Posting rules Slack reports on every channel: only admins may post, threads only, no threads.
      is_read_only: false,
      is_thread_only: false,
      is_non_threadable: false,
      unlinked: 0,
      name_normalized: channel.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: teamId,
      updated: channel.created * 1000,
      parent_conversation: null,
      creator: channel.creator,
      is_ext_shared: false,
      shared_team_ids: [teamId],
      pending_connected_team_ids: [],
      is_member: this.isBotMember(channel),
      topic: { ...channel.topic },
      purpose: { ...channel.purpose },
      previous_names: channel.previousNames ?? [],
      last_read: lastRead(channel),
      ...(includeNumMembers ? { num_members: channel.members.size } : {}),
    };
  }

  /** `users.info` shape. */
  apiUser(user: UserRecord): Record<string, unknown> {
    const { teamId } = this.identity;
    const tz = tzInfo(user.tz);
    const [first = "", ...rest] = user.realName.split(" ");
    const hash = hashOf(user.id);
    const images = Object.fromEntries(
      [24, 32, 48, 72, 192, 512].map((size) => [`image_${size}`, `https://secure.gravatar.com/avatar/${hash}.jpg?s=${size}&d=mm`]),
    );
    return {
      id: user.id,
      team_id: teamId,
      name: user.name,
      deleted: user.deleted,
      color: `${hash.slice(0, 6)}`,
      real_name: user.realName,
      tz: user.tz,
      tz_label: tz.label,
      tz_offset: tz.offsetSec,
      profile: {
        title: "",
        phone: "",
        skype: "",
        real_name: user.realName,
        real_name_normalized: user.realName,
        display_name: user.displayName,
        display_name_normalized: user.displayName,
        fields: null,
        status_text: "",
        status_emoji: "",
        status_emoji_display_info: [],
        status_expiration: 0,
        avatar_hash: hash.slice(0, 12),
        ...(user.email ? { email: user.email } : {}),
        first_name: first,
        last_name: rest.join(" "),
        ...images,
        status_text_canonical: "",
        team: teamId,
        ...(user.isBot ? { bot_id: user.botId, api_app_id: user.appId, always_active: true } : {}),
      },
      is_admin: user.isAdmin,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: user.isRestricted,
      is_ultra_restricted: false,
      is_bot: user.isBot,
      is_app_user: false,
      updated: user.updated,
      is_email_confirmed: !user.isBot,
      who_can_share_contact_card: "EVERYONE",
    };
  }

  /** `objs_subteam` shape. */
  apiUsergroup(group: UsergroupRecord, { includeUsers = true, includeCount = true } = {}): Record<string, unknown> {
    return {
      id: group.id,
      team_id: this.identity.teamId,
      is_usergroup: true,
      is_subteam: true,
      name: group.name,
      description: group.description,
      handle: group.handle,
      is_external: false,
      // A workspace group people manage by hand: not synced from an identity provider, not locked.
      is_section: false,
      is_idp_group: false,
      is_visible: true,
      is_editing_restricted: false,
      is_membership_locked: false,
      date_create: group.dateCreate,
      date_update: group.dateUpdate,
      date_delete: group.dateDelete,
      auto_type: null,
      auto_provision: false,
      enterprise_subteam_id: "",
      created_by: group.createdBy,
      updated_by: group.updatedBy,
      deleted_by: group.deletedBy,
      prefs: { channels: [...group.channels], groups: [] },
      ...(includeUsers ? { users: [...group.users] } : {}),
      ...(includeCount ? { user_count: group.users.length } : {}),
      channel_count: group.channels.length,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function microsToTs(micros: number): string {
  const sec = Math.floor(micros / 1_000_000);
  return `${sec}.${String(micros % 1_000_000).padStart(6, "0")}`;
}

/** A Slack ts ("1700000000.000100", or "1700000000") as integer microseconds, `undefined` when malformed. */
export function tsToMicros(ts: string): number | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return undefined;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

export function isThreadRoot(message: SlackMessage): boolean {
  return !message.thread_ts || message.thread_ts === message.ts;
}

function isTopLevel(message: SlackMessage): boolean {
  return isThreadRoot(message) || message.subtype === "thread_broadcast";
}

export function normalizeReaction(raw: string): string {
  const name = raw.trim();
  // Slack rejects the colon-wrapped form people copy from the client.
  if (!/^[a-z0-9_+'-]{1,100}(::skin-tone-[2-6])?$/.test(name)) throw apiError("invalid_name");
  const [base, tone] = name.split("::");
  const canonical = REACTION_ALIASES[base!] ?? base!;
  return tone ? `${canonical}::${tone}` : canonical;
}

export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A thread parent as a broadcast reply's `root` shows it: the message and its thread summary. */
function threadRoot(parent: SlackMessage): Record<string, unknown> {
  const { reactions: _r, blocks: _b, attachments: _a, metadata: _m, files: _f, root: _root, ...root } = structuredClone(parent);
  return root;
}

/** The bot's read position: the bot never marks a conversation read, so Slack reports the zero ts. */
function lastRead(_channel: ChannelRecord): string {
  return "0000000000.000000";
}

function usergroupActivity(group: UsergroupRecord, previousUsers: string[]): SlackActivity {
  return {
    type: "usergroup_updated",
    usergroup: group.id,
    handle: group.handle,
    users: [...group.users],
    previousUsers: [...previousUsers],
    enabled: group.dateDelete === 0,
  };
}

function botIcons(botId: string): Record<string, string> {
  const base = `https://avatars.slack-edge.com/${botId.toLowerCase()}`;
  return { image_36: `${base}_36.png`, image_48: `${base}_48.png`, image_72: `${base}_72.png` };
}

function hashOf(text: string): string {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0).toString(16).padStart(8, "0") + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6").slice(0, 32);
}

function tzInfo(tz: string): { label: string; offsetSec: number } {
  const date = new Date();
  const part = (style: "long" | "longOffset") =>
    new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: style }).formatToParts(date).find((p) => p.type === "timeZoneName")?.value ?? "";
  const offset = /GMT([+-])(\d{2}):(\d{2})/.exec(part("longOffset"));
  const offsetSec = offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 3600 + Number(offset[3]) * 60) : 0;
  return { label: part("long"), offsetSec };
}

/** Ids Slack-style clients attach to messages people type (`client_msg_id`). */
export function clientMsgId(): string {
  return randomUUID();
}

/** The user record Slack keeps for an app's bot (this app's, or another app's such as Datadog). */
function botUser(id: string, name: string, realName: string, botId: string, appId: string): UserRecord {
  return {
    id,
    name,
    realName,
    displayName: "",
    tz: DEFAULT_TZ,
    isBot: true,
    isAdmin: false,
    isRestricted: false,
    deleted: false,
    botId,
    appId,
    updated: nowSec(),
  };
}
