import type { WebClient } from "@slack/web-api";
import type { ActionRecord } from "../actions/action.js";
import type { Container } from "../di/container.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import type { PluginMetrics } from "../metrics/plugin-metrics.js";
import { scopedSlackClient } from "../slack/scoped-client.js";
import type { Actor } from "../slack/slack-types.js";
import type { Store } from "../store/store.js";
import type { RunOptions } from "../triggers/trigger.js";
import { once, type OnceOptions } from "./once.js";
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
  /** Aborted when the host shuts down. */
  hostSignal: AbortSignal;
  /** What the run is doing, when it can be redelivered (see `RunOptions.work`). */
  work: RunOptions["work"];
  container: Container;
  metrics: PluginMetrics;
  onAction: (record: ActionRecord) => void;
}

const RAW_SLACK = Symbol.for("botyard:context.rawSlack");

/** What the engine does with a run's context besides handing it to the handler. */
export interface RunControl {
  /** Aborts `ctx.signal` (shutdown deadline). */
  abort(reason: unknown): void;
  /** The run is over: its signal's links to longer-lived signals are removed. */
  end(): void;
}

/**
 * One run's context. A class with its behaviour on the prototype and its logger and Slack client
 * made on first use: a host runs thousands of these a second, most of them touching neither.
 * Triggers add their fields with `Object.assign(ctx, ...)` (a spread would drop the prototype).
 */
class RunContext<E> implements BaseContext<E>, RunControl {
  readonly bot: BotInfo;
  readonly trigger: { readonly kind: string; readonly name: string };
  readonly runId: string;
  readonly dryRun: boolean;
  readonly event: E;
  readonly store: Store;
  readonly actor: Actor | undefined;
  readonly channel: string | undefined;
  readonly container: Container;
  readonly metrics: PluginMetrics;
  private scopedSlack: WebClient | undefined;
  private runLog: Logger | undefined;
  /**
   * The run's own signal, made when first asked for: it lives as long as the run, so what a
   * handler hangs on it (fetch adds a listener per request) goes away with the run, not with the host.
   */
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;
  private readonly onWorkLost = () => this.abort(this.p.work?.signal.reason);

  constructor(private readonly p: ContextParts<E>) {
    this.bot = p.bot;
    this.trigger = p.trigger;
    this.runId = p.runId;
    this.dryRun = p.bot.dryRun || p.hostDryRun;
    this.event = p.event;
    this.store = p.store;
    this.actor = p.extras.actor;
    this.channel = p.extras.channel;
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

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    this.controller = new AbortController();
    const work = this.p.work?.signal;
    if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    else if (this.p.hostSignal.aborted) this.controller.abort(this.p.hostSignal.reason);
    else if (work?.aborted) this.controller.abort(work.reason);
    // One listener on the work's signal while the run goes on; the host's shutdown reaches the run through `abort`.
    else work?.addEventListener("abort", this.onWorkLost, { once: true });
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.abortedWith ??= { reason };
    this.controller?.abort(reason);
  }

  end(): void {
    // Only a run that asked for its signal is linked (and asking the work for its signal makes one).
    if (this.controller) this.p.work?.signal.removeEventListener("abort", this.onWorkLost);
  }

  /** The Slack client without action recording: for the body of an action, which is recorded itself. */
  [RAW_SLACK](): WebClient {
    return this.p.slack;
  }

  async act<T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }): Promise<T> {
    const p = this.p;
    const started = performance.now();
    const base = { bot: p.bot.id, trigger: p.trigger.name, runId: p.runId, name, args };
    if (this.dryRun) {
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

  once<T>(key: string, effect: () => Promise<T>, options?: OnceOptions): Promise<OnceResult<T>> {
    const work = this.p.work;
    return once({ store: this.store, owner: work ? `work/${work.queue}/${work.id}` : `run/${this.runId}`, runId: this.runId, signal: this.signal, log: () => this.log }, key, effect, options);
  }
}

export function createContext<E>(parts: ContextParts<E>): BaseContext<E> & RunControl {
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
