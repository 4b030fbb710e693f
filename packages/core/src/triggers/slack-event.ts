import type { SlackEvent } from "@slack/types";
import type { BaseContext, ContextExtras } from "../context/context.js";
import type { AppMentionEvent, MessageEvent, ReactionAddedEvent } from "../slack/slack-types.js";
import { ErrorCodes, isBotyardError } from "../errors/botyard-error.js";
import { retry } from "../retry/retry.js";
import { mentionText } from "../slack/mention-text.js";
import { durableQueue } from "./durable.js";
import { isAppMentionEvent, isMessageEvent, isReactionAddedEvent } from "./slack-event-shapes.js";
import { eventNeeds, type TriggerSlackNeeds } from "../slack-needs/slack-needs.js";
import type { ActiveTrigger, RunOptions, SlackSubscriptions, Trigger, TriggerClaim, TriggerRuntime } from "./trigger.js";

export type Pattern = string | RegExp;

export type MessageContext = BaseContext<MessageEvent> & {
  /** The regex match (or, for a string pattern, the matched text as `[0]`). */
  match: RegExpMatchArray;
};
export type MentionContext = BaseContext<AppMentionEvent> & {
  /** The message text with the leading mention of the app removed. */
  text: string;
  /** Words after the keyword (for keyword mentions) or after the mention. */
  args: string[];
  match: RegExpMatchArray;
};
export type ReactionContext = BaseContext<ReactionAddedEvent>;
/** The Events API event types Slack publishes types for (`@slack/types`). */
export type SlackEventType = SlackEvent["type"];
/**
 * `bot.event(type, ...)`'s context: for a type Slack publishes (`member_joined_channel`,
 * `channel_created`...), the event as `@slack/types` describes it; for any other, a plain record.
 */
export type EventContext<T extends string = string> = BaseContext<T extends SlackEventType ? Extract<SlackEvent, { type: T }> : Record<string, unknown>>;

export interface SlackEventOptions {
  /** Only this channel (id). Routed by channel, so it costs nothing for events elsewhere. */
  channel?: string;
  name?: string;
  /**
   * Persist each matching event to the store's work queue before handling it: a crash after the
   * ack then loses nothing that reached the queue, and a failing handler is retried with backoff.
   * (Slack needs its ack within 3 s, so the ack itself always comes first.)
   */
  durable?: boolean;
}

export interface MentionOptions extends SlackEventOptions {
  /**
   * Also run when Slack delivers the mention again because the person edited the message (the
   * event then carries \`edited\`). Off by default: the message was answered already, and a bot
   * that acts on mentions (opens a release, pages someone) must not act twice for one message.
   */
  edits?: boolean;
}

export interface MessageOptions extends SlackEventOptions {
  /** Also see this app's own messages (off by default, so a bot cannot answer itself forever). */
  includeSelf?: boolean;
  /** Also see messages posted by other apps and bots (on by default). */
  includeBots?: boolean;
  /**
   * Direct messages to the app too: the app manifest then subscribes to `message.im` and
   * `message.mpim` (with their `im:history` and `mpim:history` scopes). Off by default: a bot
   * listening in channels should not ask to read DMs.
   */
  directMessages?: boolean;
}

// Subtypes that are a new message someone wrote; edits, deletions and joins are not.
const CONTENT_SUBTYPES = new Set([undefined, "bot_message", "thread_broadcast", "file_share", "me_message"]);

function matchText(pattern: Pattern | undefined, text: string): RegExpMatchArray | null {
  if (pattern === undefined) return Object.assign([text], { index: 0, input: text }) as RegExpMatchArray;
  if (typeof pattern === "string") {
    const at = text.toLowerCase().indexOf(pattern.toLowerCase());
    return at < 0 ? null : (Object.assign([text.slice(at, at + pattern.length)], { index: at, input: text }) as RegExpMatchArray);
  }
  pattern.lastIndex = 0;
  return pattern.exec(text);
}

function messageExtras(event: { channel?: unknown; user?: unknown; thread_ts?: unknown; team?: unknown }): ContextExtras {
  return {
    ...(typeof event.channel === "string" ? { channel: event.channel } : {}),
    ...(typeof event.thread_ts === "string" ? { threadTs: event.thread_ts } : {}),
    ...(typeof event.user === "string" ? { actor: { slackUserId: event.user, ...(typeof event.team === "string" ? { teamId: event.team } : {}) } } : {}),
  };
}

/**
 * Runs a trigger's handler at once, or through the durable queue when the trigger asks for it;
 * either way the handler gets the same event and context. `prepared` is what the listener worked
 * out while deciding (a match, a parsed mention), handed on as is; a queued event goes through
 * the store as JSON, so its handling works it out again with `prepare`.
 */
function deliveryFor<E, P = undefined>(
  rt: TriggerRuntime,
  name: string,
  durable: boolean | undefined,
  prepare: (event: E) => P,
  handle: (event: E, prepared: P, extras: ContextExtras, options?: RunOptions) => Promise<unknown>,
): { deliver(event: E, prepared: P, extras: ContextExtras): void; stop(): void } {
  if (!durable) return { deliver: (event, prepared, extras) => void handle(event, prepared, extras), stop: () => {} };
  const queue = durableQueue<E>(rt, name, async (d, job) => (await handle(d.event, prepare(d.event), d.extras, { work: job })) as { ok: boolean; error?: unknown });
  return {
    deliver: (event, _prepared, extras) => {
      // The event is acked and claimed: while the store does not answer, it waits here, in this
      // process, until it can be queued. (No abort signal on the waits: hundreds of held events
      // would each hang a listener on the host's.)
      retry(() => queue.deliver({ event, extras }), {
        retries: Number.POSITIVE_INFINITY,
        minDelayMs: 100,
        maxDelayMs: 5_000,
        retryable: (error) => isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE) && !rt.signal.aborted,
        onRetry: ({ error, retry: n }) => {
          if (n === 1) rt.log.warn({ err: error }, "the store does not answer: holding a Slack event until it can be queued");
        },
      }).catch((error: unknown) => rt.log.error({ err: error }, "could not queue a Slack event; it is lost"));
    },
    stop: queue.stop,
  };
}

function isSelf(event: Record<string, unknown>, self: SlackSubscriptions["self"]): boolean {
  return (self.botId !== undefined && event.bot_id === self.botId) || (self.userId !== undefined && event.user === self.userId);
}

/** `bot.message(pattern, handler)`: messages in channels the app is in, matched on text. */
export class MessageTrigger implements Trigger {
  readonly kind = "slack.message";
  constructor(
    readonly name: string,
    private readonly pattern: Pattern | undefined,
    private readonly handler: (ctx: MessageContext) => unknown,
    private readonly options: MessageOptions = {},
  ) {}

  describe(): string {
    return `message ${this.pattern === undefined ? "(any)" : String(this.pattern)}${this.options.channel ? ` in ${this.options.channel}` : ""}`;
  }

  slackNeeds(): TriggerSlackNeeds {
    return eventNeeds("message", { directMessages: this.options.directMessages ?? false });
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const match = (event: MessageEvent) => matchText(this.pattern, event.text ?? "") ?? ([] as unknown as RegExpMatchArray);
    const delivery = deliveryFor<MessageEvent, RegExpMatchArray>(rt, this.name, this.options.durable, match, (event, match, extras, options) =>
      rt.run(event, (ctx) => this.handler(Object.assign(ctx, { match })), extras, options),
    );
    const off = rt.slack.onEvent("message", this.options.channel, (event) => {
      if (!isMessageEvent(event)) return undefined;
      if (!CONTENT_SUBTYPES.has(event.subtype)) return undefined;
      if (!this.options.includeSelf && isSelf(event, rt.slack.self)) return undefined;
      if (this.options.includeBots === false && (event.bot_id || event.subtype === "bot_message")) return undefined;
      const matched = matchText(this.pattern, event.text ?? "");
      return matched ? () => delivery.deliver(event, matched, messageExtras(event)) : undefined;
    });
    return { stop: () => (off(), delivery.stop()) };
  }
}

/**
 * `bot.mention(keyword | regex, handler)`: `@app keyword args...`. A keyword is the first word
 * after the mention and is claimed exclusively (two bots cannot both answer `@app release`).
 */
export class MentionTrigger implements Trigger {
  readonly kind = "slack.mention";
  constructor(
    readonly name: string,
    private readonly pattern: Pattern,
    private readonly handler: (ctx: MentionContext) => unknown,
    private readonly options: MentionOptions = {},
  ) {}

  describe(): string {
    return `mention ${typeof this.pattern === "string" ? `"${this.pattern}"` : String(this.pattern)}`;
  }

  claims(): TriggerClaim[] {
    return typeof this.pattern === "string" ? [{ what: "mention keyword", value: this.pattern.toLowerCase() }] : [];
  }

  slackNeeds(): TriggerSlackNeeds {
    return eventNeeds("app_mention");
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const parse = (event: AppMentionEvent) => {
      const text = mentionText(event);
      if (typeof this.pattern === "string") {
        const words = text.split(/\s+/).filter(Boolean);
        return { text, args: words.slice(1), match: Object.assign([words[0] ?? ""], { index: 0, input: text }) as RegExpMatchArray };
      }
      const match = matchText(this.pattern, text);
      return match ? { text, args: text.split(/\s+/).filter(Boolean), match } : undefined;
    };
    type Parsed = NonNullable<ReturnType<typeof parse>>;
    const unmatched = (event: AppMentionEvent): Parsed => ({ text: mentionText(event), args: [], match: [] as unknown as RegExpMatchArray });
    const delivery = deliveryFor<AppMentionEvent, Parsed>(rt, this.name, this.options.durable, (event) => parse(event) ?? unmatched(event), (event, parsed, extras, options) =>
      rt.run(event, (ctx) => this.handler(Object.assign(ctx, parsed)), extras, options),
    );
    const listener = (event: Record<string, unknown>) => {
      if (!isAppMentionEvent(event)) return undefined;
      if (this.options.channel && event.channel !== this.options.channel) return undefined;
      if (event.edited && !this.options.edits) return undefined;
      const parsed = parse(event);
      return parsed ? () => delivery.deliver(event, parsed, messageExtras(event)) : undefined;
    };
    const off =
      typeof this.pattern === "string"
        ? rt.slack.onMentionKeyword(this.pattern, listener)
        : rt.slack.onEvent("app_mention", this.options.channel, listener);
    return { stop: () => (off(), delivery.stop()) };
  }
}

/** `bot.reaction(name, handler)`: a reaction added to a message. */
export class ReactionTrigger implements Trigger {
  readonly kind = "slack.reaction";
  constructor(
    readonly name: string,
    private readonly reaction: string | undefined,
    private readonly handler: (ctx: ReactionContext) => unknown,
    private readonly options: SlackEventOptions = {},
  ) {}

  describe(): string {
    return `reaction ${this.reaction ? `:${this.reaction}:` : "(any)"}`;
  }

  slackNeeds(): TriggerSlackNeeds {
    return eventNeeds("reaction_added");
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const delivery = deliveryFor<ReactionAddedEvent>(rt, this.name, this.options.durable, () => undefined, (event, _, extras, options) => rt.run(event, this.handler, extras, options));
    const off = rt.slack.onEvent("reaction_added", this.options.channel, (event) => {
      if (!isReactionAddedEvent(event)) return undefined;
      if (this.reaction && event.reaction !== this.reaction) return undefined;
      if (isSelf(event, rt.slack.self)) return undefined;
      // A reaction to a file has no channel.
      return () => delivery.deliver(event, undefined, { ...(typeof event.item.channel === "string" ? { channel: event.item.channel } : {}), actor: { slackUserId: event.user } });
    });
    return { stop: () => (off(), delivery.stop()) };
  }
}

/** `bot.event(type, handler)`: any Events API event type. */
export class EventTrigger implements Trigger {
  readonly kind = "slack.event";
  constructor(
    readonly name: string,
    private readonly type: string,
    private readonly handler: (ctx: EventContext) => unknown,
    private readonly options: SlackEventOptions & { includeSelf?: boolean } = {},
  ) {}

  describe(): string {
    return `event ${this.type}${this.options.channel ? ` in ${this.options.channel}` : ""}`;
  }

  slackNeeds(): TriggerSlackNeeds {
    return eventNeeds(this.type);
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const delivery = deliveryFor<Record<string, unknown>>(rt, this.name, this.options.durable, () => undefined, (event, _, extras, options) => rt.run(event, this.handler, extras, options));
    const off = rt.slack.onEvent(this.type, this.options.channel, (event: Record<string, unknown>) => {
      if (!this.options.includeSelf && isSelf(event, rt.slack.self)) return undefined;
      return () => delivery.deliver(event, undefined, messageExtras(event));
    });
    return { stop: () => (off(), delivery.stop()) };
  }
}
