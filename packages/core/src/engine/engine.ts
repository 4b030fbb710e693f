import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import type { WebClient } from "@slack/web-api";
import { createContainer, type Container } from "../di/container.js";
import { Tokens } from "../di/builtin-tokens.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { pluginMetrics, type MetricSample } from "../metrics/plugin-metrics.js";
import type { SlackEnvelope } from "../slack/slack-types.js";
import { namespaced } from "../store/namespaced-store.js";
import type { Store, StoreBackend } from "../store/store.js";
import type { Trigger, TriggerRuntime, WebhookRequest, WebhookResponse } from "../triggers/trigger.js";
import type { BotEntry } from "./bot-entry.js";
import { botStatus, type BotStatus } from "./bot-status.js";
import type { EngineObserver } from "./observer.js";
import { Observers } from "./observers.js";
import { prepareBot, triggerConflictErrors, type BotSpec, type PreparedBot } from "./prepare-bot.js";
import { QueueWorker, type QueueWorkerOptions } from "./queue-worker.js";
import { RunPipeline } from "./run-pipeline.js";
import { SlackRouter } from "./slack-router.js";
import { DEFAULT_START_TIMEOUT_MS, runStartHooks } from "./start-deadline.js";
import { WebhookRouter } from "./webhook-router.js";

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

export type { BotStatus, TriggerStatus } from "./bot-status.js";

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
  private readonly webhooks = new WebhookRouter();
  private readonly observers: Observers;
  private readonly runs: RunPipeline;
  /** Aborted at the shutdown deadline: for triggers' own waits, and runs started after it (stop hooks). */
  private readonly abort = new AbortController();
  private readonly container: Container;
  readonly queues: QueueWorker;
  private started = false;
  private stopping = false;
  private readonly onMetric = (sample: MetricSample) => this.observers.emit((o) => o.metric?.(sample));

  constructor(private readonly options: EngineOptions) {
    this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.hostStore = namespaced(options.store, "host");
    this.observers = new Observers(options.observers ?? [], () => this.log);
    this.container = options.container ?? createContainer();
    this.runs = new RunPipeline({
      slack: options.slack,
      hostDryRun: options.dryRun ?? false,
      hostSignal: this.abort.signal,
      observers: this.observers,
      stopping: () => this.stopping,
    });
    this.queues = new QueueWorker(this.hostStore, options.logger.child({ component: "queue" }), {
      ...options.queue,
      onDeadLetter: (letter) => this.observers.emit((o) => o.deadLetter?.(letter)),
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
    return this.observers.add(observer);
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
        inflight: new Set(),
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
    await this.startEntries([...this.bots.values()]);
  }

  /**
   * Adds bots to a running engine (a reload of bots.yaml): loaded as `load` loads them, then
   * started as `start` starts them. Trigger conflicts with the bots already running are the
   * caller's to rule out (the host checks the whole new config before it changes anything).
   */
  async add(specs: BotSpec[], prepared?: ReadonlyMap<string, PreparedBot | Error>): Promise<BotStatus[]> {
    // A reload racing the shutdown must not start bots the shutdown has already passed by.
    if (this.stopping) throw new Error("the engine is stopping: no bot can be added");
    const ids = new Set(specs.map((s) => s.id));
    this.load(specs, prepared);
    if (this.started) await this.startEntries([...this.bots.values()].filter((e) => ids.has(e.id)));
    return this.status().filter((b) => ids.has(b.id));
  }

  /**
   * Takes a bot out of a running engine (a reload of bots.yaml without it, or with it changed):
   * its triggers stop taking work (its durable queue stays in the store: what was acknowledged
   * waits there for the bot's return), its in-flight runs finish within `timeoutMs` (those still
   * running then are left to finish on their own and counted in `unfinished`), its stop hooks
   * run, and it is forgotten. False when there is no such bot.
   */
  async remove(id: string, timeoutMs = 10_000): Promise<{ removed: boolean; unfinished: number }> {
    const entry = this.bots.get(id);
    if (!entry) return { removed: false, unfinished: 0 };
    const wasRunning = entry.state === "running";
    await this.deactivate(entry);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled([...entry.inflight]).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    const unfinished = timedOut ? entry.inflight.size : 0;
    if (timedOut) this.log.warn({ bot: id, unfinished }, "runs of a removed bot still going at the deadline; left to finish on their own");
    if (wasRunning && entry.prepared) {
      for (const hook of entry.prepared.registrations.onStop) {
        await this.runs.run(entry, { kind: "lifecycle", name: "onStop" }, undefined, hook, {}, true);
      }
    }
    this.bots.delete(id);
    this.observers.emit((o) => o.botRemoved?.(id));
    return { removed: true, unfinished };
  }

  private async startEntries(entries: BotEntry[]): Promise<void> {
    for (const entry of entries) {
      if (entry.state !== "loaded" || !entry.prepared) continue;
      try {
        for (const trigger of entry.prepared.registrations.triggers) {
          entry.active.set(trigger.name, await trigger.activate(this.runtimeFor(entry, trigger)));
        }
        entry.state = "running";
        this.observers.emit((o) => o.botState?.(entry.id, "running"));
      } catch (error) {
        await this.deactivate(entry);
        this.fail(entry, error);
      }
    }
    const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    await Promise.all(
      entries.filter((e) => e.state === "running").map(async (entry) => {
        const started = await runStartHooks(entry.id, entry.prepared!.registrations.onStart, timeoutMs, (hook) =>
          this.runs.run(entry, { kind: "lifecycle", name: "onStart" }, undefined, hook, {}),
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
    return this.runs.track(this.route(envelope));
  }

  private async route(envelope: SlackEnvelope): Promise<void> {
    if (this.stopping) return;
    const payload = envelope.payload ?? {};
    const type = envelope.type === "events_api" ? String((payload.event as { type?: unknown } | undefined)?.type ?? "unknown") : envelope.type;
    this.observers.received("slack", type);
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
    const found = this.webhooks.find(botId, path);
    if (!found) return Promise.resolve({ status: 404, body: { ok: false, error: "unknown_hook", hint: `No webhook at /hooks/${botId}${path}.` } });
    this.observers.received("webhook", botId);
    // Spelled out rather than spread: this runs for every request, and a spread plus a property
    // gives each request's object a shape of its own.
    return found.route({ method: req.method, path: found.path, headers: req.headers, query: req.query, rawBody: req.rawBody, body: req.body });
  }

  /** Whether `/hooks/<botId><path>` has a handler (checked before the body is read). */
  hasWebhook(botId: string, path: string): boolean {
    return this.webhooks.has(botId, path);
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
      if (this.runs.pending === 0) return;
      await this.runs.settled();
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
    const drained = Promise.all([this.queues.stop(), this.runs.settled()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    const unfinished = timedOut ? this.runs.pending : 0;
    if (timedOut) this.log.warn({ unfinished }, "handlers still running at the shutdown deadline; aborting them");
    const reason = new Error("the host is shutting down");
    this.abort.abort(reason);
    this.runs.abortAll(reason);
    for (const entry of this.bots.values()) {
      if (entry.state !== "running" || !entry.prepared) continue;
      for (const hook of entry.prepared.registrations.onStop) {
        await this.runs.run(entry, { kind: "lifecycle", name: "onStop" }, undefined, hook, {}, true);
      }
      entry.state = "stopped";
    }
    return { unfinished };
  }

  status(): BotStatus[] {
    const hostDryRun = this.options.dryRun ?? false;
    return [...this.bots.values()].map((entry) => botStatus(entry, hostDryRun));
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
      run: (event, handler, extras, options) => this.runs.run(entry, trigger, event, handler, extras ?? {}, false, options),
      slack: this.router,
      http: {
        route: (path, handler) => this.webhooks.add(entry.id, path, handler),
      },
      // The bot's consumers are its own: their dead letters say whose they are.
      queues: {
        consume: (queue, handler, options) => this.queues.consume(queue, handler, options, entry.id, trigger.name),
        notify: (queue) => this.queues.notify(queue),
        enqueue: (queue, payload, options) => this.queues.enqueue(queue, payload, options),
      },
      scheduleSucceeded: (name, at) => this.observers.emit((o) => o.scheduleSucceeded?.(entry.id, name, at)),
      scheduleSkipped: (name, at, reason) => this.observers.emit((o) => o.scheduleSkipped?.(entry.id, name, at, reason)),
    };
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
    this.observers.emit((o) => o.botState?.(entry.id, "failed", entry.reason));
  }
}
