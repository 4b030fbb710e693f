import type { WebClient } from "@slack/web-api";
import type { ActionRecord } from "../actions/action.js";
import type { Container } from "../di/container.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import type { PluginMetrics } from "../metrics/plugin-metrics.js";
import { scopedSlackClient } from "../slack/scoped-client.js";
import type { Actor } from "../slack/slack-types.js";
import type { Store } from "../store/store.js";
import type { BaseContext, BotInfo, ContextExtras, OnceResult, RespondMessage, SayMessage } from "./context.js";

export interface ContextParts<E> {
  bot: BotInfo;
  /** The host runs dry: every bot's actions are skipped. */
  hostDryRun: boolean;
  trigger: { kind: string; name: string };
  runId: string;
  event: E;
  extras: ContextExtras;
  slack: WebClient;
  store: Store;
  /** The bot's logger; the run's child (with trigger and run id) is made on first use. */
  botLog: Logger;
  signal: AbortSignal;
  container: Container;
  metrics: PluginMetrics;
  onAction: (record: ActionRecord) => void;
}

const RAW_SLACK = Symbol.for("botyard:context.rawSlack");

/**
 * One run's context. A class with its behaviour on the prototype and its logger and Slack client
 * made on first use: a host runs thousands of these a second, most of them touching neither.
 * Triggers add their fields with `Object.assign(ctx, ...)` (a spread would drop the prototype).
 */
class RunContext<E> implements BaseContext<E> {
  readonly bot: BotInfo;
  readonly trigger: { readonly kind: string; readonly name: string };
  readonly runId: string;
  readonly event: E;
  readonly store: Store;
  readonly actor: Actor | undefined;
  readonly channel: string | undefined;
  readonly signal: AbortSignal;
  readonly container: Container;
  readonly metrics: PluginMetrics;
  private scopedSlack: WebClient | undefined;
  private runLog: Logger | undefined;

  constructor(private readonly p: ContextParts<E>) {
    this.bot = p.bot;
    this.trigger = p.trigger;
    this.runId = p.runId;
    this.event = p.event;
    this.store = p.store;
    this.actor = p.extras.actor;
    this.channel = p.extras.channel;
    this.signal = p.signal;
    this.container = p.container;
    this.metrics = p.metrics;
    // Handlers pass methods around (`.then(ctx.say)`): keep them bound.
    this.act = this.act.bind(this);
    this.say = this.say.bind(this);
  }

  get slack(): WebClient {
    return (this.scopedSlack ??= scopedSlackClient(this.p.slack, this.act));
  }

  get log(): Logger {
    return (this.runLog ??= this.p.botLog.child({ trigger: this.trigger.name, run: this.runId }));
  }

  /** The Slack client without action recording: for the body of an action, which is recorded itself. */
  [RAW_SLACK](): WebClient {
    return this.p.slack;
  }

  async act<T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }): Promise<T> {
    const p = this.p;
    const started = performance.now();
    const base = { bot: p.bot.id, trigger: p.trigger.name, runId: p.runId, name, args };
    if (p.bot.dryRun || p.hostDryRun) {
      this.log.info({ action: name, args }, "dry run: action skipped");
      p.onAction({ ...base, dryRun: true, ok: true, durationMs: 0 });
      return options?.dryRunResult as T;
    }
    try {
      const value = await perform();
      const durationMs = performance.now() - started;
      this.log.info({ action: name, ms: Math.round(durationMs) }, "action");
      p.onAction({ ...base, dryRun: false, ok: true, durationMs });
      return value;
    } catch (error) {
      const durationMs = performance.now() - started;
      p.onAction({ ...base, dryRun: false, ok: false, error: (error as Error)?.message ?? String(error), durationMs });
      throw error;
    }
  }

  async say(message: string | SayMessage): Promise<{ channel: string; ts: string }> {
    const m: SayMessage = typeof message === "string" ? { text: message } : message;
    const channel = m.channel ?? this.p.extras.channel;
    if (!channel) {
      throw new BotyardError(ErrorCodes.NO_CHANNEL, `ctx.say has no channel to post to in a ${this.trigger.kind} trigger.`, {
        hint: "Pass one: ctx.say({ channel: 'C123', text }), or use ctx.slack.chat.postMessage.",
      });
    }
    const thread = m.thread_ts ?? this.p.extras.threadTs;
    const result = await this.slack.chat.postMessage({ ...m, channel, ...(thread ? { thread_ts: thread } : {}) } as never);
    return { channel: (result.channel as string | undefined) ?? channel, ts: result.ts as string };
  }

  async respond(message: string | RespondMessage): Promise<void> {
    const url = this.p.extras.responseUrl;
    if (!url) {
      throw new BotyardError(ErrorCodes.NO_RESPONSE_URL, `ctx.respond needs a response_url, which a ${this.trigger.kind} trigger does not have.`, {
        hint: "Use ctx.respond in slash commands and block actions; elsewhere use ctx.say.",
      });
    }
    const body: RespondMessage = typeof message === "string" ? { text: message } : message;
    await this.act("slack.respond", body, async () => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ response_type: "ephemeral", ...body }),
        signal: this.signal,
      });
      if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
    });
  }

  async once<T>(key: string, effect: () => Promise<T>, options?: { ttlMs?: number }): Promise<OnceResult<T>> {
    const doneKey = `once/${key}`;
    if ((await this.store.get(doneKey)) !== undefined) return { ran: false, reason: "done" };
    // The lease keeps two concurrent runs (two replicas, a retry racing the original) from both acting.
    const lease = `once/${key}`;
    if (!(await this.store.acquireLease(lease, this.runId, 60_000))) return { ran: false, reason: "busy" };
    try {
      if ((await this.store.get(doneKey)) !== undefined) return { ran: false, reason: "done" };
      const value = await effect();
      await this.store.set(doneKey, { at: Date.now(), run: this.runId }, options?.ttlMs ? { ttlMs: options.ttlMs } : undefined);
      return { ran: true, value };
    } finally {
      await this.store.releaseLease(lease, this.runId).catch(() => false);
    }
  }
}

export function createContext<E>(parts: ContextParts<E>): BaseContext<E> {
  return new RunContext(parts);
}

/** The context an action's body runs with: the same, but its Slack calls are not separate actions. */
export function actionContext<C extends BaseContext<unknown>>(ctx: C): C {
  const raw = (ctx as unknown as Record<symbol, (() => WebClient) | undefined>)[RAW_SLACK];
  if (typeof raw !== "function") return ctx;
  const inner = Object.create(ctx) as C;
  Object.defineProperty(inner, "slack", { value: raw.call(ctx) });
  return inner;
}
