import { botSlackNeeds, combineSlackNeeds, type PreparedBot, type SlackNeeds } from "@botyard/core";

/** A Slack app manifest (version 1, the kind the "From an app manifest" dialog takes), as `botyard manifest` writes it. */
export interface AppManifest {
  display_information: { name: string; description?: string };
  features: {
    bot_user: { display_name: string; always_online: boolean };
    slash_commands?: Array<{ command: string; description: string; usage_hint?: string; should_escape: boolean }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions?: { bot_events: string[] };
    interactivity?: { is_enabled: boolean };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** The manifest schema's limits (slackapi/manifest-schema, 1.0.0): longer values are refused by Slack. */
const NAME_MAX = 35;
const DESCRIPTION_MAX = 140;
const COMMAND_DESCRIPTION_MAX = 2000;
const USAGE_HINT_MAX = 1000;

/** What each prepared bot needs from the Slack app, by bot id. */
export function slackNeedsByBot(prepared: ReadonlyMap<string, PreparedBot | Error>): Map<string, SlackNeeds> {
  const needs = new Map<string, SlackNeeds>();
  for (const [id, bot] of prepared) {
    if (bot instanceof Error) continue;
    needs.set(id, botSlackNeeds(bot.spec.plugin, bot.config, bot.registrations.triggers));
  }
  return needs;
}

/**
 * The manifest of one Slack app serving exactly these bots: Socket Mode on (so no request URLs),
 * the union of their scopes, events and slash commands, and interactivity only when some bot
 * has a block action.
 */
export function appManifest(byBot: ReadonlyMap<string, SlackNeeds>, options: { name?: string } = {}): AppManifest {
  const needs = combineSlackNeeds([...byBot.values()]);
  const name = clip(options.name ?? "botyard", NAME_MAX);
  const ids = [...byBot.keys()];
  const description = clip(`Botyard: ${ids.length} bot${ids.length === 1 ? "" : "s"} (${ids.join(", ")})`, DESCRIPTION_MAX);
  return {
    display_information: { name, description },
    features: {
      bot_user: { display_name: name, always_online: true },
      ...(needs.commands.length > 0
        ? {
            slash_commands: needs.commands.map((c) => ({
              command: c.command,
              description: clip(c.description ?? name, COMMAND_DESCRIPTION_MAX),
              ...(c.usageHint ? { usage_hint: clip(c.usageHint, USAGE_HINT_MAX) } : {}),
              should_escape: false,
            })),
          }
        : {}),
    },
    oauth_config: { scopes: { bot: needs.scopes } },
    settings: {
      ...(needs.events.length > 0 ? { event_subscriptions: { bot_events: needs.events } } : {}),
      ...(needs.interactivity ? { interactivity: { is_enabled: true } } : {}),
      org_deploy_enabled: false,
      socket_mode_enabled: true,
      token_rotation_enabled: false,
    },
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
