import { randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import type { ActionRecord } from "../actions/action.js";
import type { BaseContext, ContextExtras } from "../context/context.js";
import { createContext, type RunControl } from "../context/create-context.js";
import type { RunOptions, RunOutcome } from "../triggers/trigger.js";
import type { BotEntry, TriggerStats } from "./bot-entry.js";
import type { RunInfo } from "./observer.js";
import type { Observers } from "./observers.js";

export interface RunPipelineOptions {
  slack: WebClient;
  hostDryRun: boolean;
  /** Aborted at the shutdown deadline: every run's `ctx.signal` follows it. */
  hostSignal: AbortSignal;
  observers: Observers;
  /** Whether the engine is stopping: runs are then refused, except the stop hooks'. */
  stopping: () => boolean;
}

/**
 * Runs every handler the same way, whatever triggered it: a context, counting, logging, error
 * isolation (a handler that throws is an outcome, not an exception), observers told before and
 * after. It keeps what is in flight, so that the engine can wait for it or abort it at shutdown.
 */
export class RunPipeline {
  /** Runs (and Slack dispatches) still going on, for `idle()` and the shutdown wait. */
  private readonly inflight = new Set<Promise<unknown>>();
  /** Runs going on, to abort at the shutdown deadline (each run's `ctx.signal` is its own). */
  private readonly live = new Set<RunControl>();
  private runSeq = 0;
  private readonly runPrefix = `${randomUUID().slice(0, 6)}-`;
  private readonly onAction = (record: ActionRecord) => this.options.observers.emit((o) => o.action?.(record));

  constructor(private readonly options: RunPipelineOptions) {}

  /** How many runs and dispatches are still going on. */
  get pending(): number {
    return this.inflight.size;
  }

  /** Counts `promise` as in flight until it settles. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => {});
    return promise;
  }

  /** Resolves once everything in flight now has settled. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.inflight]);
  }

  /** Aborts every run going on (`ctx.signal`): the shutdown deadline has passed. */
  abortAll(reason: unknown): void {
    for (const run of this.live) run.abort(reason);
  }

  run<E, R>(
    entry: BotEntry,
    trigger: { kind: string; name: string },
    event: E,
    handler: (ctx: BaseContext<E>) => R | Promise<R>,
    extras: ContextExtras,
    duringShutdown = false,
    options?: RunOptions,
  ): Promise<RunOutcome<R>> {
    const prepared = entry.prepared;
    // Unique per process (the owner) and cheap: this runs on every event.
    const runId = `${this.runPrefix}${(++this.runSeq).toString(36)}`;
    if ((this.options.stopping() && !duringShutdown) || !prepared) {
      return Promise.resolve({ ok: false, error: new Error("host is stopping"), runId });
    }
    const ctx = createContext<E>({
      bot: prepared.info,
      hostDryRun: this.options.hostDryRun,
      trigger,
      runId,
      event,
      extras,
      slack: this.options.slack,
      store: entry.store,
      botLog: prepared.log,
      hostSignal: this.options.hostSignal,
      work: options?.work,
      container: prepared.container,
      metrics: entry.metrics,
      onAction: this.onAction,
    });
    let stats = entry.stats.get(trigger.name);
    if (!stats) entry.stats.set(trigger.name, (stats = { runs: 0, errors: 0 }));
    const info: RunInfo = { bot: entry.id, plugin: prepared.info.plugin, trigger: trigger.name, kind: trigger.kind, runId };
    if (this.options.observers.size > 0) this.options.observers.emit((o) => o.runStarted?.(info));
    this.live.add(ctx);
    const promise = this.execute(entry, stats, info, ctx, handler);
    this.inflight.add(promise);
    entry.inflight.add(promise);
    promise.then(() => {
      this.inflight.delete(promise);
      entry.inflight.delete(promise);
      this.live.delete(ctx);
      ctx.end();
    });
    return promise;
  }

  private async execute<E, R>(
    entry: BotEntry,
    stats: TriggerStats,
    info: RunInfo,
    ctx: BaseContext<E>,
    handler: (ctx: BaseContext<E>) => R | Promise<R>,
  ): Promise<RunOutcome<R>> {
    const started = performance.now();
    let outcome: RunOutcome<R>;
    try {
      outcome = { ok: true, value: await handler(ctx), runId: info.runId };
      stats.runs++;
      stats.lastRun = entry.lastRun = Date.now();
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      stats.runs++;
      stats.errors++;
      stats.lastRun = entry.lastRun = Date.now();
      stats.lastError = entry.lastError = message;
      ctx.log.error({ err: error }, `handler failed: ${message}`);
      outcome = { ok: false, error, runId: info.runId };
    }
    // Outside the try: an observer (metrics, logs) that throws neither turns a successful run into
    // a failure nor hears of the run twice.
    if (this.options.observers.size > 0) {
      const durationMs = performance.now() - started;
      const finished = { bot: info.bot, plugin: info.plugin, trigger: info.trigger, kind: info.kind, runId: info.runId, ok: outcome.ok, durationMs, ...(outcome.ok ? {} : { error: outcome.error }) };
      this.options.observers.emit((o) => o.runFinished?.(finished));
    }
    return outcome;
  }
}
