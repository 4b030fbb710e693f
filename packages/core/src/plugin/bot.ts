import type { TSchema } from "typebox";
import type { BaseContext, BotInfo } from "../context/context.js";
import type { Container, Provider } from "../di/container.js";
import type { Token } from "../di/tokens.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { BlockActionTrigger, type BlockActionContext } from "../triggers/block-action.js";
import { ScheduleTrigger, type ScheduleHandler, type ScheduleOptions } from "../triggers/schedule.js";
import {
  EventTrigger,
  MentionTrigger,
  MessageTrigger,
  ReactionTrigger,
  type EventContext,
  type MentionContext,
  type MessageContext,
  type MessageOptions,
  type Pattern,
  type ReactionContext,
  type SlackEventOptions,
  type MentionOptions,
} from "../triggers/slack-event.js";
import { SlashCommandTrigger, type CommandContext, type CommandOptions } from "../triggers/slash-command.js";
import type { Trigger } from "../triggers/trigger.js";
import { WebhookTrigger, type WebhookHandler, type WebhookOptions } from "../triggers/webhook.js";
import type { WebhookBodyReader, WebhookSchemaBody } from "../triggers/webhook-body-spec.js";

/** A start or stop hook: runs with a context of its own (no event). */
export type LifecycleHook = (ctx: BaseContext<undefined>) => unknown | Promise<unknown>;

/** A one-shot timer whose time is set at run time (e.g. "when this on-call shift ends"). */
export interface Timer {
  /** Fires once at `at` (replacing any earlier setting). Dates far ahead are fine. */
  set(at: Date): void;
  clear(): void;
  /** When it will fire, if set. */
  readonly next: Date | undefined;
}

/**
 * What `setup(bot, config)` receives: the vocabulary for registering triggers and services.
 * Registering does no I/O; everything starts when the host does.
 */
export interface Bot<C = unknown> {
  readonly info: BotInfo;
  readonly config: C;
  /** For setup-time notes; handlers use `ctx.log`. */
  readonly log: Logger;

  /** A cron schedule (seconds allowed: `*\/10 * * * * *`) read in `timezone`. */
  schedule(cron: string, handler: ScheduleHandler): void;
  schedule(cron: string, options: ScheduleOptions, handler: ScheduleHandler): void;
  /** Runs once at a fixed date (weeks ahead is fine). */
  at(when: Date, handler: ScheduleHandler, options?: ScheduleOptions): void;
  /** A one-shot timer set from handlers (`timer.set(date)`), claimed once across replicas like a schedule tick. */
  timer(name: string, handler: ScheduleHandler): Timer;

  /** Messages whose text contains `pattern` (case-insensitive) or matches the regex; all messages without one. */
  message(pattern: Pattern | undefined, handler: (ctx: MessageContext) => unknown, options?: MessageOptions): void;
  /** `@app keyword ...` (a keyword is exclusive across bots) or a mention matching a regex. */
  mention(pattern: Pattern, handler: (ctx: MentionContext) => unknown, options?: MentionOptions): void;
  /** A reaction added to a message (`white_check_mark`), or any reaction. */
  reaction(name: string | undefined, handler: (ctx: ReactionContext) => unknown, options?: SlackEventOptions): void;
  /** Any Events API event type (`channel_created`, `member_joined_channel`...), typed as Slack publishes it where it does. */
  event<T extends string>(type: T, handler: (ctx: EventContext<T>) => unknown, options?: SlackEventOptions): void;
  /** A slash command (`/release`), exclusive across bots; `description` is what Slack's command picker shows. */
  command(command: string, handler: (ctx: CommandContext) => unknown): void;
  command(command: string, options: CommandOptions, handler: (ctx: CommandContext) => unknown): void;
  /** A block button or menu by `action_id` (or a regex over it). */
  blockAction(actionId: string | RegExp, handler: (ctx: BlockActionContext) => unknown): void;
  /** `POST /hooks/<bot id><path>`. */
  webhook(path: string, handler: WebhookHandler): void;
  webhook(path: string, options: WebhookOptions & { body?: undefined }, handler: WebhookHandler): void;
  /** With `body`, `ctx.event.body` (and what `verify`, `dedupeKey` and the ordering key get) is the checked body: the reader's value, or `Static<Schema>`. */
  webhook<B>(path: string, options: WebhookOptions<B> & { body: WebhookBodyReader<B> }, handler: WebhookHandler<B>): void;
  // The schema is inferred from `body` alone: inferring it back through `Static` from the
  // callbacks (tried for every call, even one without a body) costs over a million type
  // instantiations (type-cost.test.ts).
  webhook<S extends TSchema>(path: string, options: WebhookOptions<NoInfer<WebhookSchemaBody<S>>> & { body: S }, handler: WebhookHandler<NoInfer<WebhookSchemaBody<S>>>): void;
  /** A trigger of any kind, including a third party's. */
  on(trigger: Trigger): void;

  /** Runs when the host starts (after Slack is connected): the place for start-up I/O. */
  onStart(hook: LifecycleHook): void;
  /** Runs at shutdown, before the store closes. */
  onStop(hook: LifecycleHook): void;
  /**
   * Registers this bot's default for a service (a value, or a factory called once): unless one is
   * registered already, by the host or a test in the engine's container (a fake client, a fixed
   * clock), or by an earlier `provide` of this bot. Handlers resolve it with `ctx.container`.
   */
  provide<T>(token: Token<T>, provider: Provider<T> | ((container: Container) => T)): void;
}

/** What setup produced: read by the engine and by `validate`/`list`. */
export interface Registrations {
  triggers: Trigger[];
  onStart: LifecycleHook[];
  onStop: LifecycleHook[];
  timers: Map<string, ScheduleTrigger>;
}

/** Builds the `bot` object handed to setup and collects what it registers. */
export function createBotBuilder<C>(info: BotInfo, config: C, log: Logger, container: Container): { bot: Bot<C>; registrations: Registrations } {
  const registrations: Registrations = { triggers: [], onStart: [], onStop: [], timers: new Map() };
  const names = new Set<string>();
  const add = (trigger: Trigger) => {
    if (names.has(trigger.name)) {
      throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Bot "${info.id}" registers two triggers named "${trigger.name}".`, {
        hint: "Give one of them a distinct `name` option.",
      });
    }
    names.add(trigger.name);
    registrations.triggers.push(trigger);
  };

  const bot: Bot<C> = {
    info,
    config,
    log,
    schedule(cron: string, a: ScheduleOptions | ScheduleHandler, b?: ScheduleHandler) {
      const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
      add(new ScheduleTrigger(cron, handler, options));
    },
    at(when, handler, options = {}) {
      add(new ScheduleTrigger(when, handler, options));
    },
    timer(name, handler) {
      const trigger = new ScheduleTrigger(undefined, handler, {}, `timer:${name}`);
      add(trigger);
      registrations.timers.set(name, trigger);
      return {
        set: (at: Date) => trigger.setWhen(at),
        clear: () => trigger.setWhen(undefined),
        get next() {
          return trigger.pending;
        },
      };
    },
    message(pattern, handler, options = {}) {
      add(new MessageTrigger(options.name ?? `message:${pattern === undefined ? "*" : String(pattern)}${options.channel ? `@${options.channel}` : ""}`, pattern, handler, options));
    },
    mention(pattern, handler, options = {}) {
      add(new MentionTrigger(options.name ?? `mention:${String(pattern)}`, pattern, handler, options));
    },
    reaction(name, handler, options = {}) {
      add(new ReactionTrigger(options.name ?? `reaction:${name ?? "*"}${options.channel ? `@${options.channel}` : ""}`, name, handler, options));
    },
    event(type, handler, options = {}) {
      // The trigger hands on the event as Slack sent it; its type is the caller's to narrow.
      add(new EventTrigger(options.name ?? `event:${type}${options.channel ? `@${options.channel}` : ""}`, type, handler as (ctx: EventContext) => unknown, options));
    },
    command(command: string, a: CommandOptions | ((ctx: CommandContext) => unknown), b?: (ctx: CommandContext) => unknown) {
      const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
      add(new SlashCommandTrigger(command, handler, options));
    },
    blockAction(actionId, handler) {
      add(new BlockActionTrigger(actionId, handler));
    },
    webhook(path: string, a: WebhookOptions<never> | WebhookHandler<never>, b?: WebhookHandler<never>) {
      const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
      add(new WebhookTrigger<never>(path, handler, options));
    },
    on(trigger) {
      add(trigger);
    },
    onStart(hook) {
      registrations.onStart.push(hook);
    },
    onStop(hook) {
      registrations.onStop.push(hook);
    },
    provide(token, provider) {
      if (container.isRegistered(token)) return;
      container.register(token, typeof provider === "function" ? { useFactory: provider } : provider);
    },
  };
  return { bot, registrations };
}
