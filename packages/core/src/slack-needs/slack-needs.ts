import type { SlackBotScope } from "./bot-scopes.js";

/** A slash command as the Slack app manifest declares it. */
export interface SlashCommandNeed {
  command: string;
  /** Shown in Slack's command picker; defaults to the plugin's description when the trigger gives none. */
  description?: string;
  usageHint?: string;
}

/**
 * What a trigger needs from the Slack app: the Events API subscriptions that deliver it, the
 * scopes those subscriptions imply, a slash command, interactivity. Read by `botyard manifest`
 * and by the host's start-time scope check, so a plugin declares only the scopes of the Web API
 * methods it calls.
 */
export interface TriggerSlackNeeds {
  events?: readonly string[];
  scopes?: readonly string[];
  command?: SlashCommandNeed;
  interactivity?: boolean;
}

/** Everything one bot (or a whole config) needs from the Slack app, each list sorted and without repeats. */
export interface SlackNeeds {
  scopes: string[];
  events: string[];
  commands: SlashCommandNeed[];
  interactivity: boolean;
}

/**
 * What a plugin declares beside its triggers: the scopes of the Web API methods it calls, or a
 * function of the bot's config when some calls depend on it (a topic set only when
 * `topicChannel` is), so that a bot asks for no more than it uses.
 */
export interface PluginSlackNeeds<C = unknown> {
  scopes?: readonly SlackBotScope[] | ScopesOfConfig<C>;
}

// Checked bivariantly, as a method is (like `setup`): a plugin of a given config is still a
// `Plugin` that the host holds without knowing the config's type.
type ScopesOfConfig<C> = { of(config: C): readonly SlackBotScope[] }["of"];

/**
 * The scopes Slack requires for an Events API subscription (docs.slack.dev/reference/events).
 * An event not listed here needs no scope, or one the plugin declares itself.
 */
const EVENT_SCOPES: Record<string, readonly string[]> = {
  "message.channels": ["channels:history"],
  "message.groups": ["groups:history"],
  "message.im": ["im:history"],
  "message.mpim": ["mpim:history"],
  app_mention: ["app_mentions:read"],
  reaction_added: ["reactions:read"],
  reaction_removed: ["reactions:read"],
  member_joined_channel: ["channels:read", "groups:read"],
  member_left_channel: ["channels:read", "groups:read"],
  channel_created: ["channels:read"],
  channel_archive: ["channels:read"],
  channel_rename: ["channels:read"],
  group_archive: ["groups:read"],
  group_rename: ["groups:read"],
  team_join: ["users:read"],
  user_change: ["users:read"],
  subteam_created: ["usergroups:read"],
  subteam_updated: ["usergroups:read"],
  subteam_members_changed: ["usergroups:read"],
  pin_added: ["pins:read"],
  pin_removed: ["pins:read"],
  emoji_changed: ["emoji:read"],
  file_shared: ["files:read"],
};

/**
 * The subscriptions (and their scopes) that deliver an Events API event type to the app. A
 * `message` arrives per kind of conversation: public and private channels always, direct
 * messages only when asked (`directMessages`), since reading DMs is a scope of its own.
 */
export function eventNeeds(type: string, options: { directMessages?: boolean } = {}): TriggerSlackNeeds {
  const events =
    type === "message" ? ["message.channels", "message.groups", ...(options.directMessages ? ["message.im", "message.mpim"] : [])] : [type];
  return { events, scopes: events.flatMap((event) => EVENT_SCOPES[event] ?? []) };
}

/** Adds up the needs of triggers and a plugin's own scopes. */
export function combineSlackNeeds(parts: ReadonlyArray<TriggerSlackNeeds | SlackNeeds | undefined>): SlackNeeds {
  const scopes = new Set<string>();
  const events = new Set<string>();
  const commands = new Map<string, SlashCommandNeed>();
  let interactivity = false;
  for (const part of parts) {
    if (!part) continue;
    for (const scope of part.scopes ?? []) scopes.add(scope);
    if ("events" in part) for (const event of part.events ?? []) events.add(event);
    if ("command" in part && part.command && !commands.has(part.command.command.toLowerCase())) commands.set(part.command.command.toLowerCase(), part.command);
    if ("commands" in part) for (const c of part.commands) if (!commands.has(c.command.toLowerCase())) commands.set(c.command.toLowerCase(), c);
    if ("interactivity" in part && part.interactivity) interactivity = true;
  }
  return {
    scopes: [...scopes].sort(),
    events: [...events].sort(),
    commands: [...commands.values()].sort((a, b) => a.command.localeCompare(b.command)),
    interactivity,
  };
}

/**
 * One bot's needs: its plugin's declared scopes and what each of its triggers implies. A slash
 * command without a description takes the plugin's (Slack's manifest requires one).
 */
export function botSlackNeeds(
  plugin: { name: string; description?: string; slack?: PluginSlackNeeds<never> },
  config: unknown,
  triggers: ReadonlyArray<{ slackNeeds?(): TriggerSlackNeeds }>,
): SlackNeeds {
  const declared = plugin.slack?.scopes;
  const scopes = typeof declared === "function" ? (declared as (config: unknown) => readonly string[])(config) : declared;
  const fromTriggers = triggers.map((trigger) => {
    const needs = trigger.slackNeeds?.();
    if (!needs?.command || needs.command.description) return needs;
    return { ...needs, command: { ...needs.command, description: plugin.description ?? `The ${plugin.name} bot` } };
  });
  return combineSlackNeeds([{ scopes: scopes ?? [] }, ...fromTriggers]);
}
