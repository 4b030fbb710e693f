import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import type { WebClient } from "@slack/web-api";
import type { ActionRecord } from "../actions/action.js";
import type { BaseContext, ContextExtras } from "../context/context.js";
import { createContext, type RunControl } from "../context/create-context.js";
import { createContainer, type Container } from "../di/container.js";
import { Tokens } from "../di/builtin-tokens.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { pluginMetrics, type MetricSample, type PluginMetrics } from "../metrics/plugin-metrics.js";
import type { SlackEnvelope } from "../slack/slack-types.js";
import { namespaced } from "../store/namespaced-store.js";
import type { Store, StoreBackend } from "../store/store.js";
import type { ActiveTrigger, RunOptions, RunOutcome, Trigger, TriggerRuntime, WebhookRequest, WebhookResponse } from "../triggers/trigger.js";
import type { BotState, EngineObserver, RunInfo } from "./observer.js";
import { prepareBot, triggerConflictErrors, type BotSpec, type PreparedBot } from "./prepare-bot.js";
import { QueueWorker, type QueueWorkerOptions } from "./queue-worker.js";
import { SlackRouter } from "./slack-router.js";
import { DEFAULT_START_TIMEOUT_MS, runStartHooks } from "./start-deadline.js";

export interface EngineOptions {
  slack: WebClient;
  store: StoreBackend;
  logger: Logger;
  /** Run every bot dry (actions logged, none run). */
  dryRun?: boolean;
  /** Identifies this process in leases; random by default. */
  owner?: string;
  observers?: EngineObserver[];
  container?: Container;
  queue?: QueueWorkerOptions;
  /** How long a Slack event id is remembered for dedupe (default one hour; Slack retries within minutes). */
  eventDedupeTtlMs?: number;
  /** Takes secrets out of text the engine keeps in the store (dead letters' errors): the host's scrubber. */
  redact?: (text: string) => string;
  /** How long each bot's start hooks may run, all told, before the bot is failed and they are aborted (default 30 s). */
  startTimeoutMs?: number;
}

export interface TriggerStatus {
  name: string;
  kind: string;
  description: string;
  nextRun?: string;
  lastRun?: string;
  lastError?: string;
  runs: number;
  errors: number;
}

export interface BotStatus {
  id: string;
  plugin: string;
  source?: string;
  version?: string;
  state: BotState;
  dryRun: boolean;
  /** Why the bot failed, and the error code (`BOTYARD_ERR_*`) when it had one. */
  reason?: string;
  code?: string;
  /** The config value the failure is about, when the error names one (an unknown timezone...): the host points at its line. */
  value?: string;
  triggers: TriggerStatus[];
  lastRun?: string;
  lastError?: string;
}

interface BotEntry {
  id: string;
  spec: BotSpec;
  prepared: PreparedBot | undefined;
  state: BotState;
  reason?: string;
  code?: string;
  value?: string;
  store: Store;
  /** The bot's `ctx.metrics`. */
  metrics: PluginMetrics;
  active: Map<string, ActiveTrigger>;
  stats: Map<string, { runs: number; errors: number; lastRun?: number; lastError?: string }>;
  lastRun?: number;
  lastError?: string;
}

/**
 * Runs prepared bots: activates their triggers, routes Slack envelopes and webhook requests to
 * them, and runs every handler through one pipeline (context, logging, counting, error isolation,
 * dry-run). The host wires it to a Socket Mode connection and an HTTP server; @botyard/testing
 * wires the same engine to the emulator, so tests exercise what production runs.
 */
export class Engine {
  readonly owner: string;
  readonly hostStore: Store;
  readonly router = new SlackRouter();
  private readonly bots = new Map<string, BotEntry>();
  private readonly routes = new Map<string, Map<string, (req: WebhookRequest) => Promise<WebhookResponse>>>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Runs going on, to abort at the shutdown deadline (each run's `ctx.signal` is its own). */
  private readonly live = new Set<RunControl>();
  private readonly observers: EngineObserver[];
  /** Aborted at the shutdown deadline: for triggers' own waits, and runs started after it (stop hooks). */
  private readonly abort = new AbortController();
  private readonly container: Container;
  readonly queues: QueueWorker;
  private started = false;
  private stopping = false;
  private runSeq = 0;
  private readonly runPrefix: string;
  private readonly onAction = (record: ActionRecord) => this.emit((o) => o.action?.(record));
  private readonly onMetric = (sample: MetricSample) => this.emit((o) => o.metric?.(sample));

  constructor(private readonly options: EngineOptions) {
    this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.runPrefix = `${randomUUID().slice(0, 6)}-`;
    this.hostStore = namespaced(options.store, "host");
    this.observers = [...(options.observers ?? [])];
    this.container = options.container ?? createContainer();
    this.queues = new QueueWorker(this.hostStore, options.logger.child({ component: "queue" }), {
      ...options.queue,
      onDeadLetter: (letter) => this.emit((o) => o.deadLetter?.(letter)),
      ...(options.redact ? { redact: options.redact } : {}),
    });
  }

  get log(): Logger {
    return this.options.logger;
  }

  get slack(): WebClient {
    return this.options.slack;
  }

  /**
   * Listeners on the engine's shutdown signal. Runs and triggers add theirs and remove them when
   * they end, so the count follows what is in flight: one that keeps growing is a leak (the
   * `/metrics` gauge `botyard_process_listeners`, which `pnpm soak` watches).
   */
  get shutdownListeners(): number {
    return getEventListeners(this.abort.signal, "abort").length;
  }

  observe(observer: EngineObserver): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /**
   * Validates and sets up bots. A bot whose config is invalid or whose setup throws is recorded as
   * failed (with the reason) and the rest go on; a trigger conflict fails every bot involved but the first.
   * `prepared` holds bots already prepared (or failed) by the caller with this engine's container
   * (the host does so before it opens the store): they are not validated nor set up a second time.
   */
  load(specs: BotSpec[], prepared?: ReadonlyMap<string, PreparedBot | Error>): BotStatus[] {
    const ready: PreparedBot[] = [];
    for (const spec of specs) {
      if (this.bots.has(spec.id)) {
        throw new BotyardError(ErrorCodes.DUPLICATE_BOT_ID, `Two bots have the id "${spec.id}".`, { hint: "Give every bot a unique id." });
      }
      const entry: BotEntry = {
        id: spec.id,
        spec,
        prepared: undefined,
        state: "loaded",
        store: namespaced(this.options.store, `bot/${spec.id}`),
        metrics: pluginMetrics({ id: spec.id, plugin: spec.plugin.name }, this.onMetric),
        active: new Map(),
        stats: new Map(),
      };
      this.bots.set(spec.id, entry);
      try {
        const given = prepared?.get(spec.id);
        if (given instanceof Error) throw given;
        entry.prepared = given ?? prepareBot(spec, { logger: this.options.logger, container: this.container });
        this.registerBuiltins(entry, entry.prepared);
        ready.push(entry.prepared);
      } catch (error) {
        this.fail(entry, error);
      }
    }
    for (const [id, error] of triggerConflictErrors(ready)) this.fail(this.bots.get(id)!, error);
    return this.status();
  }

  /** Tells the router who "self" is (from auth.test), so bots do not see their own messages. */
  setIdentity(identity: { userId?: string; botId?: string }): void {
    Object.assign(this.router.self, identity);
  }

  /**
   * Activates every loaded bot's triggers, then runs their start hooks, each bot's within
   * `startTimeoutMs`: a bot whose hook throws or overruns is failed (and its hook aborted), the
   * others start.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const entry of this.bots.values()) {
      if (entry.state !== "loaded" || !entry.prepared) continue;
      try {
        for (const trigger of entry.prepared.registrations.triggers) {
          entry.active.set(trigger.name, await trigger.activate(this.runtimeFor(entry, trigger)));
        }
        entry.state = "running";
        this.emit((o) => o.botState?.(entry.id, "running"));
      } catch (error) {
        await this.deactivate(entry);
        this.fail(entry, error);
      }
    }
    const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    await Promise.all(
      [...this.bots.values()].filter((e) => e.state === "running").map(async (entry) => {
        const started = await runStartHooks(entry.id, entry.prepared!.registrations.onStart, timeoutMs, (hook) =>
          this.run(entry, { kind: "lifecycle", name: "onStart" }, undefined, hook, {}),
        );
        if (!started.ok) {
          await this.deactivate(entry);
          this.fail(entry, started.error);
        }
      }),
    );
  }

  /**
   * Takes a Slack envelope (already acked by the receiver). Events are deduplicated by `event_id`
   * in the host store, so a redelivery, or the same event on another replica's socket, runs once.
   * Rejects, having run nothing, when the store cannot claim the event
   * (`BOTYARD_ERR_STORE_UNAVAILABLE`): the caller keeps the envelope and dispatches it again once
   * the store answers. The claim is this envelope's own, so a dispatch retried after a claim whose
   * answer was lost (it had been written) still runs, once.
   */
  dispatch(envelope: SlackEnvelope): Promise<void> {
    // Tracked like a run, so that idle() also waits for an envelope still being deduplicated.
    const promise = this.route(envelope);
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => {});
    return promise;
  }

  private async route(envelope: SlackEnvelope): Promise<void> {
    if (this.stopping) return;
    const payload = envelope.payload ?? {};
    const type = envelope.type === "events_api" ? String((payload.event as { type?: unknown } | undefined)?.type ?? "unknown") : envelope.type;
    this.received("slack", type);
    const targets = this.router.route(envelope);
    if (targets.length === 0) return;
    const eventId = typeof payload.event_id === "string" ? payload.event_id : undefined;
    if (eventId) {
      const key = `event/${eventId}`;
      // Slack's envelope ids are strings; anything else (a malformed envelope) gets a claim of its own.
      const claim = `${this.owner}/${typeof envelope.envelope_id === "string" ? envelope.envelope_id : randomUUID()}`;
      const first = await this.hostStore.setIfAbsent(key, claim, { ttlMs: this.options.eventDedupeTtlMs ?? 3_600_000 });
      if (!first && (await this.hostStore.get(key)) !== claim) {
        this.log.debug({ eventId, retry: envelope.retry_attempt }, "duplicate Slack event ignored");
        return;
      }
    }
    for (const deliver of targets) deliver();
  }

  /** Takes a webhook request for `/hooks/<botId><path>`. Unknown bot or path: 404, handler never called. */
  handleWebhook(botId: string, path: string, req: Omit<WebhookRequest, "path">): Promise<WebhookResponse> {
    if (this.stopping) return Promise.resolve({ status: 503, body: { ok: false, error: "shutting_down" } });
    const normal = normalisePath(path);
    const route = this.routes.get(botId)?.get(normal);
    if (!route) return Promise.resolve({ status: 404, body: { ok: false, error: "unknown_hook", hint: `No webhook at /hooks/${botId}${path}.` } });
    this.received("webhook", botId);
    // Spelled out rather than spread: this runs for every request, and a spread plus a property
    // gives each request's object a shape of its own.
    return route({ method: req.method, path: normal, headers: req.headers, query: req.query, rawBody: req.rawBody, body: req.body });
  }

  /** Whether `/hooks/<botId><path>` has a handler (checked before the body is read). */
  hasWebhook(botId: string, path: string): boolean {
    return this.routes.get(botId)?.has(normalisePath(path)) ?? false;
  }

  /** Fires a trigger by hand (tests, `botyard` on-demand runs). */
  async fire(botId: string, triggerName?: string, input?: unknown): Promise<unknown> {
    const entry = this.bots.get(botId);
    if (!entry) throw new Error(`No bot "${botId}".`);
    const names = [...entry.active.keys()];
    const name = triggerName ?? names.find((n) => entry.prepared?.registrations.triggers.find((t) => t.name === n)?.kind === "schedule");
    const active = name === undefined ? undefined : entry.active.get(name);
    if (!active?.fire) throw new Error(`Bot "${botId}" has no firable trigger ${triggerName ? `"${triggerName}"` : "(schedule)"}; it has: ${names.join(", ") || "none"}.`);
    return active.fire(input);
  }

  /** Resolves once no handler runs and every durable queue is empty (retries in backoff included). */
  async drain(timeoutMs = 10_000): Promise<void> {
    await this.idle();
    await this.queues.drain(timeoutMs);
    await this.idle();
  }

  /** Resolves once no handler is running (and no queued job is in hand). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queues.idle();
      if (this.inflight.size === 0) return;
      await Promise.allSettled([...this.inflight]);
    }
  }

  /**
   * Stops intake, lets in-flight handlers finish within `timeoutMs`, then aborts what is left
   * (`ctx.signal`) and runs stop hooks. The caller closes the socket and the store afterwards.
   */
  async stop(timeoutMs = 10_000): Promise<{ unfinished: number }> {
    if (this.stopping) return { unfinished: 0 };
    this.stopping = true;
    for (const entry of this.bots.values()) await this.deactivate(entry);
    const drained = Promise.all([this.queues.stop(), Promise.allSettled([...this.inflight])]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    const unfinished = timedOut ? this.inflight.size : 0;
    if (timedOut) this.log.warn({ unfinished }, "handlers still running at the shutdown deadline; aborting them");
    const reason = new Error("the host is shutting down");
    this.abort.abort(reason);
    for (const run of this.live) run.abort(reason);
    for (const entry of this.bots.values()) {
      if (entry.state !== "running" || !entry.prepared) continue;
      for (const hook of entry.prepared.registrations.onStop) {
        await this.run(entry, { kind: "lifecycle", name: "onStop" }, undefined, hook, {}, true);
      }
      entry.state = "stopped";
    }
    return { unfinished };
  }

  status(): BotStatus[] {
    return [...this.bots.values()].map((entry) => {
      const triggers = (entry.prepared?.registrations.triggers ?? []).map((t): TriggerStatus => {
        const stats = entry.stats.get(t.name);
        const next = entry.active.get(t.name)?.nextRun?.() ?? (entry.active.size === 0 ? t.nextRun?.() : undefined);
        return {
          name: t.name,
          kind: t.kind,
          description: t.describe(),
          ...(next ? { nextRun: next.toISOString() } : {}),
          ...(stats?.lastRun ? { lastRun: new Date(stats.lastRun).toISOString() } : {}),
          ...(stats?.lastError ? { lastError: stats.lastError } : {}),
          runs: stats?.runs ?? 0,
          errors: stats?.errors ?? 0,
        };
      });
      return {
        id: entry.id,
        plugin: entry.spec.plugin.name,
        ...(entry.spec.source ? { source: entry.spec.source } : {}),
        ...(entry.spec.version ?? entry.spec.plugin.version ? { version: entry.spec.version ?? entry.spec.plugin.version } : {}),
        state: entry.state,
        dryRun: (entry.spec.dryRun ?? false) || (this.options.dryRun ?? false),
        ...(entry.reason ? { reason: entry.reason } : {}),
        ...(entry.value !== undefined ? { value: entry.value } : {}),
        ...(entry.code ? { code: entry.code } : {}),
        triggers,
        ...(entry.lastRun ? { lastRun: new Date(entry.lastRun).toISOString() } : {}),
        ...(entry.lastError ? { lastError: entry.lastError } : {}),
      };
    });
  }

  private registerBuiltins(entry: BotEntry, prepared: PreparedBot): void {
    const c = prepared.container;
    c.register(Tokens.Slack, { useValue: this.options.slack });
    c.register(Tokens.Store, { useValue: entry.store });
    c.register(Tokens.Logger, { useValue: prepared.log });
    c.register(Tokens.Config, { useValue: prepared.config });
    c.register(Tokens.Bot, { useValue: prepared.info });
  }

  private runtimeFor(entry: BotEntry, trigger: Trigger): TriggerRuntime {
    const prepared = entry.prepared!;
    return {
      botId: entry.id,
      log: prepared.log.child({ trigger: trigger.name }),
      hostStore: this.hostStore,
      owner: this.owner,
      signal: this.abort.signal,
      run: (event, handler, extras, options) => this.run(entry, trigger, event, handler, extras ?? {}, false, options),
      slack: this.router,
      http: {
        route: (path, handler) => {
          let byPath = this.routes.get(entry.id);
          if (!byPath) this.routes.set(entry.id, (byPath = new Map()));
          const key = normalisePath(path);
          if (byPath.has(key)) {
            throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Bot "${entry.id}" registers two webhooks at "${key}".`);
          }
          byPath.set(key, handler);
          return () => byPath!.delete(key);
        },
      },
      // The bot's consumers are its own: their dead letters say whose they are.
      queues: {
        consume: (queue, handler, options) => this.queues.consume(queue, handler, options, entry.id),
        notify: (queue) => this.queues.notify(queue),
        enqueue: (queue, payload, options) => this.queues.enqueue(queue, payload, options),
      },
      scheduleSucceeded: (name, at) => this.emit((o) => o.scheduleSucceeded?.(entry.id, name, at)),
    };
  }

  private run<E, R>(
    entry: BotEntry,
    trigger: { kind: string; name: string },
    event: E,
    handler: (ctx: BaseContext<E>) => R | Promise<R>,
    extras: ContextExtras,
    duringShutdown = false,
    options?: RunOptions,
  ): Promise<RunOutcome<R>> {
    const prepared = entry.prepared!;
    // Unique per process (the owner) and cheap: this runs on every event.
    const runId = `${this.runPrefix}${(++this.runSeq).toString(36)}`;
    if ((this.stopping && !duringShutdown) || !prepared) {
      return Promise.resolve({ ok: false, error: new Error("host is stopping"), runId });
    }
    const ctx = createContext<E>({
      bot: prepared.info,
      hostDryRun: this.options.dryRun ?? false,
      trigger,
      runId,
      event,
      extras,
      slack: this.options.slack,
      store: entry.store,
      botLog: prepared.log,
      hostSignal: this.abort.signal,
      work: options?.work,
      container: prepared.container,
      metrics: entry.metrics,
      onAction: this.onAction,
    });
    let stats = entry.stats.get(trigger.name);
    if (!stats) entry.stats.set(trigger.name, (stats = { runs: 0, errors: 0 }));
    const info: RunInfo = { bot: entry.id, plugin: prepared.info.plugin, trigger: trigger.name, kind: trigger.kind, runId };
    if (this.observers.length > 0) this.emit((o) => o.runStarted?.(info));
    this.live.add(ctx);
    const promise = this.execute(entry, stats, info, ctx, handler);
    this.inflight.add(promise);
    promise.then(() => {
      this.inflight.delete(promise);
      this.live.delete(ctx);
      ctx.end();
    });
    return promise;
  }

  private async execute<E, R>(
    entry: BotEntry,
    stats: { runs: number; errors: number; lastRun?: number; lastError?: string },
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
    if (this.observers.length > 0) {
      const durationMs = performance.now() - started;
      const finished = { bot: info.bot, plugin: info.plugin, trigger: info.trigger, kind: info.kind, runId: info.runId, ok: outcome.ok, durationMs, ...(outcome.ok ? {} : { error: outcome.error }) };
      this.emit((o) => o.runFinished?.(finished));
    }
    return outcome;
  }

  private async deactivate(entry: BotEntry): Promise<void> {
    for (const [name, active] of entry.active) {
      try {
        await active.stop();
      } catch (error) {
        this.log.warn({ err: error, bot: entry.id, trigger: name }, "trigger did not stop cleanly");
      }
    }
    entry.active.clear();
  }

  private fail(entry: BotEntry, error: unknown): void {
    entry.state = "failed";
    entry.reason = (error as Error)?.message ?? String(error);
    const code = (error as { code?: unknown })?.code;
    if (typeof code === "string") entry.code = code;
    const value = (error as { details?: { value?: unknown } })?.details?.value;
    if (typeof value === "string") entry.value = value;
    this.log.error({ err: error, bot: entry.id, code: (error as { code?: string }).code }, `bot "${entry.id}" failed: ${entry.reason}`);
    this.emit((o) => o.botState?.(entry.id, "failed", entry.reason));
  }

  /** `emit` for the busiest notification, without a closure per call. */
  private received(source: "slack" | "webhook", type: string): void {
    for (const observer of this.observers) {
      if (!observer.received) continue;
      try {
        observer.received(source, type);
      } catch (error) {
        this.log.warn({ err: error }, "an engine observer threw");
      }
    }
  }

  private emit(call: (observer: EngineObserver) => void): void {
    for (const observer of this.observers) {
      try {
        call(observer);
      } catch (error) {
        this.log.warn({ err: error }, "an engine observer threw");
      }
    }
  }
}

function normalisePath(path: string): string {
  if (!path || path === "/") return "/";
  // The common case, already normal, costs no regex: this runs for every webhook request.
  if (path.charCodeAt(0) === 47 && path.charCodeAt(path.length - 1) !== 47) return path;
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.replace(/\/+$/, "") || "/";
}
