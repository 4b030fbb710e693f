import type { WebClient } from "@slack/web-api";
import type { ActionRecord } from "../actions/action.js";
import type { Container } from "../di/container.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { scopedSlackClient } from "../slack/scoped-client.js";
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
  log: Logger;
  signal: AbortSignal;
  container: Container;
  onAction: (record: ActionRecord) => void;
}

export function createContext<E>(p: ContextParts<E>): BaseContext<E> {
  const dryRun = p.bot.dryRun || p.hostDryRun;

  const act = async <T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }): Promise<T> => {
    const started = performance.now();
    const base = { bot: p.bot.id, trigger: p.trigger.name, runId: p.runId, name, args };
    if (dryRun) {
      p.log.info({ action: name, args }, "dry run: action skipped");
      p.onAction({ ...base, dryRun: true, ok: true, durationMs: 0 });
      return options?.dryRunResult as T;
    }
    try {
      const value = await perform();
      const durationMs = performance.now() - started;
      p.log.info({ action: name, ms: Math.round(durationMs) }, "action");
      p.onAction({ ...base, dryRun: false, ok: true, durationMs });
      return value;
    } catch (error) {
      const durationMs = performance.now() - started;
      p.onAction({ ...base, dryRun: false, ok: false, error: (error as Error)?.message ?? String(error), durationMs });
      throw error;
    }
  };

  const say = async (message: string | SayMessage) => {
    const m: SayMessage = typeof message === "string" ? { text: message } : message;
    const channel = m.channel ?? p.extras.channel;
    if (!channel) {
      throw new BotyardError(ErrorCodes.NO_CHANNEL, `ctx.say has no channel to post to in a ${p.trigger.kind} trigger.`, {
        hint: "Pass one: ctx.say({ channel: 'C123', text }), or use ctx.slack.chat.postMessage.",
      });
    }
    const thread = m.thread_ts ?? p.extras.threadTs;
    const result = await ctx.slack.chat.postMessage({ ...m, channel, ...(thread ? { thread_ts: thread } : {}) } as never);
    return { channel: (result.channel as string | undefined) ?? channel, ts: result.ts as string };
  };

  const respond = async (message: string | RespondMessage) => {
    const url = p.extras.responseUrl;
    if (!url) {
      throw new BotyardError(ErrorCodes.NO_RESPONSE_URL, `ctx.respond needs a response_url, which a ${p.trigger.kind} trigger does not have.`, {
        hint: "Use ctx.respond in slash commands and block actions; elsewhere use ctx.say.",
      });
    }
    const body: RespondMessage = typeof message === "string" ? { text: message } : message;
    await act("slack.respond", body, async () => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ response_type: "ephemeral", ...body }),
        signal: p.signal,
      });
      if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
    });
  };

  const once = async <T>(key: string, effect: () => Promise<T>, options?: { ttlMs?: number }): Promise<OnceResult<T>> => {
    const doneKey = `once/${key}`;
    if ((await p.store.get(doneKey)) !== undefined) return { ran: false, reason: "done" };
    // The lease keeps two concurrent runs (two replicas, a retry racing the original) from both acting.
    const lease = `once/${key}`;
    if (!(await p.store.acquireLease(lease, p.runId, 60_000))) return { ran: false, reason: "busy" };
    try {
      if ((await p.store.get(doneKey)) !== undefined) return { ran: false, reason: "done" };
      const value = await effect();
      await p.store.set(doneKey, { at: Date.now(), run: p.runId }, options?.ttlMs ? { ttlMs: options.ttlMs } : undefined);
      return { ran: true, value };
    } finally {
      await p.store.releaseLease(lease, p.runId).catch(() => false);
    }
  };

  let slack: WebClient | undefined;
  const ctx: BaseContext<E> = {
    bot: p.bot,
    trigger: p.trigger,
    runId: p.runId,
    event: p.event,
    get slack() {
      return (slack ??= scopedSlackClient(p.slack, act));
    },
    store: p.store,
    log: p.log,
    actor: p.extras.actor,
    channel: p.extras.channel,
    signal: p.signal,
    container: p.container,
    say,
    respond,
    act,
    once,
  };
  // Inside a defineAction, Slack calls are part of that action, not actions of their own.
  // Enumerable, so that triggers' `{ ...ctx, match }` keep it.
  Object.defineProperty(ctx, UNRECORDED, { value: () => ({ ...ctx, slack: p.slack }), enumerable: true });
  return ctx;
}

const UNRECORDED = Symbol.for("botyard:context.unrecorded");

/** The context an action's body runs with: the same, but its Slack calls are not separate actions. */
export function actionContext<C extends BaseContext<unknown>>(ctx: C): C {
  const make = (ctx as unknown as Record<symbol, (() => C) | undefined>)[UNRECORDED];
  return make ? make() : ctx;
}
