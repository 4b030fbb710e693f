import type { BaseContext } from "../context/context.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { SlashCommand } from "../slack/slack-types.js";
import { isSlashCommand } from "./slack-event-shapes.js";
import type { SlashCommandNeed, TriggerSlackNeeds } from "../slack-needs/slack-needs.js";
import type { ActiveTrigger, Trigger, TriggerClaim, TriggerRuntime } from "./trigger.js";

/** How Slack's command picker presents a slash command (the app manifest's `slash_commands`). */
export interface CommandOptions {
  /** What the command does, in a line (the app manifest requires one: the plugin's description otherwise). */
  description?: string;
  /** The arguments it takes (`[repo] [branch]`). */
  usageHint?: string;
  name?: string;
}

export type CommandContext = BaseContext<SlashCommand> & {
  /** The text after the command. */
  text: string;
  /** `text` split on whitespace. */
  args: string[];
};

/**
 * `bot.command("/release", handler)`. The envelope is acked at once (Slack allows 3 s); the
 * handler answers with `ctx.respond` (ephemeral by default) or `ctx.say`.
 */
export class SlashCommandTrigger implements Trigger {
  readonly kind = "slack.command";
  readonly name: string;

  constructor(
    readonly command: string,
    private readonly handler: (ctx: CommandContext) => unknown,
    private readonly options: CommandOptions = {},
  ) {
    if (!/^\/[\w-]+$/.test(command)) {
      throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Invalid slash command ${JSON.stringify(command)}.`, {
        hint: 'A slash command starts with "/" followed by letters, digits, "-" or "_" (e.g. "/release").',
      });
    }
    this.name = options.name ?? `command:${command}`;
  }

  slackNeeds(): TriggerSlackNeeds {
    const command: SlashCommandNeed = {
      command: this.command,
      ...(this.options.description ? { description: this.options.description } : {}),
      ...(this.options.usageHint ? { usageHint: this.options.usageHint } : {}),
    };
    return { scopes: ["commands"], command };
  }

  describe(): string {
    return `slash command ${this.command}`;
  }

  claims(): TriggerClaim[] {
    return [{ what: "slash command", value: this.command.toLowerCase() }];
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const off = rt.slack.onCommand(this.command, (command) => {
      if (!isSlashCommand(command)) return undefined;
      const text = (command.text ?? "").trim();
      return () =>
        void rt.run(command, (ctx) => this.handler(Object.assign(ctx, { text, args: text.split(/\s+/).filter(Boolean) })), {
          channel: command.channel_id,
          actor: { slackUserId: command.user_id, ...(command.user_name ? { slackUserName: command.user_name } : {}), teamId: command.team_id },
          responseUrl: command.response_url,
        });
    });
    return { stop: off };
  }
}
