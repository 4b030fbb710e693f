import { Counter, Gauge, Registry, collectDefaultMetrics } from "../vendor/prom-client.js";
import type { EngineObserver, MetricSample, RunInfo, StoreBackend } from "@botyard/core";
import { REFUSAL_REASONS, type RefusalReason } from "../intake/http-intake.js";
import { FastCounter, FastHistogram } from "./fast-metrics.js";

export const RELOAD_OUTCOMES = ["applied", "refused", "failed"] as const;
export type ReloadOutcome = (typeof RELOAD_OUTCOMES)[number];

interface RunKeys {
  trigger: string;
  ok: string;
  error: string;
  kind: string;
}

/** What is timed: every operation of the Store contract, and ping. */
const STORE_OPERATIONS = new Set<string>([
  "get", "set", "delete", "setIfAbsent", "compareAndSet", "list", "enqueue", "claim", "ack", "release", "extend", "queueSize", "nextReadyAt",
  "acquireLease", "renewLease", "releaseLease", "ping",
] satisfies Array<keyof StoreBackend>);

/**
 * Prometheus metrics for the host. Label sets stay bounded with thousands of bots: counters carry
 * `bot` and `trigger` (one series per trigger a config declares), but histograms, which cost a
 * dozen series each, carry only the plugin and the trigger kind; nothing is labelled by channel,
 * user, path or run.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly received: FastCounter;
  private readonly runs: FastCounter;
  private readonly errors: FastCounter;
  private readonly duration: FastHistogram;
  private readonly actions: Counter<"bot" | "action" | "outcome">;
  private readonly slackCalls: Counter<"method" | "outcome">;
  private readonly slackRateLimited: Counter<"method">;
  private readonly storeLatency: FastHistogram;
  private readonly storeErrors: Counter<"backend" | "op">;
  private readonly lastSuccess: Gauge<"bot" | "trigger">;
  private readonly ticksSkipped: Counter<"bot" | "trigger" | "reason">;
  private readonly deadLetters: Counter<"bot" | "queue">;
  private readonly bots: Gauge<"state">;
  private readonly httpRefusals: Counter<"reason">;
  private readonly reloads: Counter<"outcome">;
  private deadLettersStale: () => void = () => {};
  readonly slackConnected: Gauge;
  readonly storeUp: Gauge;
  private readonly botStates = new Map<string, string>();
  private readonly keys = new Map<string, Map<string, RunKeys>>();
  /** What plugins report (`ctx.metrics`), by full metric name. */
  private readonly pluginSeries = new Map<string, { kind: MetricSample["kind"]; plugin: string; labels: string; metric: Gauge<string> | Counter<string> }>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "botyard_process_" });
    this.dropMisnamedTotals();
    // The per-event metrics avoid prom-client's per-call label hashing (see fast-metrics.ts).
    this.received = new FastCounter("botyard_events_received_total", "Slack envelopes and webhook requests received, before routing.", ["source", "type"], this.registry);
    this.runs = new FastCounter("botyard_runs_total", "Handler runs by bot, trigger and outcome (ok, error).", ["bot", "trigger", "outcome"], this.registry);
    this.errors = new FastCounter("botyard_handler_errors_total", "Handler runs that threw.", ["bot", "trigger"], this.registry);
    this.duration = new FastHistogram(
      "botyard_run_duration_seconds",
      "Handler run duration by plugin and trigger kind.",
      ["plugin", "kind"],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      this.registry,
    );
    this.actions = new Counter({ name: "botyard_actions_total", help: "Side effects run through actions, by outcome (ok, error, dry_run).", labelNames: ["bot", "action", "outcome"], registers });
    this.slackCalls = new Counter({ name: "botyard_slack_api_calls_total", help: "Slack Web API calls by method and outcome (ok, error, rate_limited).", labelNames: ["method", "outcome"], registers });
    this.slackRateLimited = new Counter({ name: "botyard_slack_rate_limited_total", help: "Slack 429 answers by method.", labelNames: ["method"], registers });
    this.storeLatency = new FastHistogram(
      "botyard_store_operation_seconds",
      "Store operation latency by backend and operation.",
      ["backend", "op"],
      [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      this.registry,
    );
    this.storeErrors = new Counter({ name: "botyard_store_errors_total", help: "Store operations that failed.", labelNames: ["backend", "op"], registers });
    this.lastSuccess = new Gauge({
      name: "botyard_schedule_last_success_timestamp_seconds",
      help: "When each schedule last completed a run without error (alert on time() minus this).",
      labelNames: ["bot", "trigger"],
      registers,
    });
    this.ticksSkipped = new Counter({
      name: "botyard_schedule_ticks_skipped_total",
      help: "Schedule ticks that did not run on this replica, by reason: store_unavailable (the tick could not be claimed), overrun (the previous run still held the trigger). Ticks another replica ran are not counted.",
      labelNames: ["bot", "trigger", "reason"],
      registers,
    });
    this.deadLetters = new Counter({
      name: "botyard_dead_letters_total",
      help: "Durable jobs that failed for the last time and were kept as dead letters (for queue.deadLetterTtlMs), by bot and queue.",
      labelNames: ["bot", "queue"],
      registers,
    });
    this.bots = new Gauge({ name: "botyard_bots", help: "Bots by state (running, failed, loaded, stopped).", labelNames: ["state"], registers });
    this.slackConnected = new Gauge({ name: "botyard_slack_connected", help: "1 while the Socket Mode connection is up.", registers });
    this.storeUp = new Gauge({ name: "botyard_store_up", help: "1 while the store answers.", registers });
    this.httpRefusals = new Counter({
      name: "botyard_http_refused_total",
      help: "HTTP requests (and connections) refused before any handler ran, by reason: not_found, method_not_allowed, invalid_request, invalid_body, body_too_large, headers_too_large, timeout, too_many_connections, too_many_requests, bot_busy, unavailable.",
      labelNames: ["reason"],
      registers,
    });
    this.reloads = new Counter({
      name: "botyard_reloads_total",
      help: "Reloads of bots.yaml (SIGHUP or botyard reload) by outcome: applied, refused (the new config did not validate; nothing changed), failed (an unexpected error while applying).",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of RELOAD_OUTCOMES) this.reloads.inc({ outcome }, 0);
    // Every reason from the start, at 0: an alert on the rate of one fires at its first refusal.
    for (const reason of REFUSAL_REASONS) this.httpRefusals.inc({ reason }, 0);
  }

  /**
   * `botyard_process_listeners`: listeners on the engine's shutdown signal and on `process`, read
   * at each scrape. Both follow what is in flight and come back down; a count that only grows is
   * a leak (every request a handler made with a host-wide signal once added one for good).
   */
  watchListeners(shutdownListeners: () => number): void {
    new Gauge({
      name: "botyard_process_listeners",
      help: "Event listeners on the engine's shutdown signal (emitter=shutdown_signal) and on process (emitter=process); a count that only grows is a leak.",
      labelNames: ["emitter"],
      registers: [this.registry],
      collect() {
        this.set({ emitter: "shutdown_signal" }, shutdownListeners());
        this.set({ emitter: "process" }, process.eventNames().reduce((n, name) => n + process.listenerCount(name), 0));
      },
    });
  }

  /**
   * `botyard_slack_missing_scopes{bot}`: how many scopes each bot needs that the bot token lacks,
   * read at each scrape from the start-time check (bots lacking none have no series).
   */
  watchScopes(report: () => { missing: Record<string, string[]> }): void {
    new Gauge({
      name: "botyard_slack_missing_scopes",
      help: "Slack scopes a bot needs that the bot token lacks (checked at start from x-oauth-scopes); fix by reinstalling the app from `botyard manifest`.",
      labelNames: ["bot"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [bot, scopes] of Object.entries(report().missing)) this.set({ bot }, scopes.length);
      },
    });
  }

  /**
   * What is read from the running host at each scrape: `botyard_ready` (what /readyz answers),
   * each schedule's next planned run (a time left in the past means its timer did not fire: the
   * tick was missed), and each durable queue's backlog and how long its oldest claimable job has
   * waited for a worker.
   */
  watchHost(host: {
    ready: () => boolean;
    schedules: () => Array<{ bot: string; trigger: string; nextRun: Date }>;
    queues: () => Promise<Array<{ queue: string; bot?: string; jobs: number; readyWaitMs?: number }>>;
  }): void {
    const registers = [this.registry];
    new Gauge({
      name: "botyard_ready",
      help: "1 while the host is ready (what /readyz answers with 200: Socket Mode connected, taking events, store answering), else 0.",
      registers,
      collect() {
        this.set(host.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: "botyard_schedule_next_run_timestamp_seconds",
      help: "When each active schedule plans to run next (alert when time() is well past it: the tick was missed).",
      labelNames: ["bot", "trigger"],
      registers,
      collect() {
        this.reset();
        for (const s of host.schedules()) this.set({ bot: s.bot, trigger: s.trigger }, Math.floor(s.nextRun.getTime() / 1000));
      },
    });
    // One read of the queues per scrape serves both gauges (prom-client collects them in order).
    let backlog: ReturnType<typeof host.queues> | undefined;
    const readBacklog = () => (backlog ??= host.queues().finally(() => setImmediate(() => (backlog = undefined))));
    new Gauge({
      name: "botyard_queue_jobs",
      help: "Jobs in each durable queue, waiting or in hand.",
      labelNames: ["bot", "queue"],
      registers,
      async collect() {
        this.reset();
        for (const q of await readBacklog().catch(() => [])) this.set({ bot: q.bot ?? "", queue: q.queue }, q.jobs);
      },
    });
    new Gauge({
      name: "botyard_queue_oldest_ready_age_seconds",
      help: "How long the oldest claimable job of each durable queue has waited for a worker (0 when none is waiting).",
      labelNames: ["bot", "queue"],
      registers,
      async collect() {
        this.reset();
        for (const q of await readBacklog().catch(() => [])) if (q.readyWaitMs !== undefined) this.set({ bot: q.bot ?? "", queue: q.queue }, q.readyWaitMs / 1000);
      },
    });
  }

  /**
   * `botyard_dead_letters{bot}`: the dead letters each bot has now in the store (every replica
   * sharing it reports the same count). Counting lists every letter, payloads included (about half
   * a second for 10,000 letters of 1 KB, on SQLite or Redis), so a scrape recounts only when this
   * process made, replayed or dropped one (`deadLettersChanged`) or after `cacheMs` (changes made
   * through another replica). A scrape while the store is down keeps the last counts
   * (`botyard_store_up` says the store is down). Bots known to the host are reported at 0 too, so
   * that an alert on the series sees it appear.
   */
  watchDeadLetters(count: () => Promise<Map<string, number>>, bots: () => string[], cacheMs = 60_000): void {
    let last: { at: number; counts: Map<string, number> } | undefined;
    this.deadLettersStale = () => (last = undefined);
    new Gauge({
      name: "botyard_dead_letters",
      help: "Dead letters kept in the store now (until replayed, dropped or past queue.deadLetterTtlMs), by bot; botyard deadletters list shows them.",
      labelNames: ["bot"],
      registers: [this.registry],
      async collect() {
        if (!last || Date.now() - last.at >= cacheMs) {
          const counts = await count().catch(() => last?.counts);
          if (counts) last = { at: Date.now(), counts };
        }
        this.reset();
        for (const bot of bots()) this.set({ bot }, 0);
        for (const [bot, n] of last?.counts ?? []) this.set({ bot }, n);
      },
    });
  }

  /**
   * prom-client also exports three gauges named `..._total` (the sums of its per-type
   * `nodejs_active_handles{type}`, `_requests`, `_resources`), a suffix Prometheus keeps for
   * counters: `promtool check metrics` reports them. The per-type gauges stay; sum them.
   */
  private dropMisnamedTotals(): void {
    for (const name of ["nodejs_active_handles", "nodejs_active_requests", "nodejs_active_resources"]) this.registry.removeSingleMetric(`botyard_process_${name}_total`);
  }

  /** Makes the next scrape recount `botyard_dead_letters`. */
  deadLettersChanged(): void {
    this.deadLettersStale();
  }

  /** Counts a request the HTTP server refused before any handler ran. */
  httpRefused(reason: RefusalReason): void {
    this.httpRefusals.inc({ reason });
  }

  /** The engine observer that feeds these metrics. */
  observer(): EngineObserver {
    return {
      received: (source, type) => this.received.inc(`${source}\u0000${type}`, () => [source, type]),
      runFinished: (run) => {
        const keys = this.runKeys(run);
        if (run.ok) this.runs.inc(keys.ok, () => [run.bot, run.trigger, "ok"]);
        else {
          this.runs.inc(keys.error, () => [run.bot, run.trigger, "error"]);
          this.errors.inc(keys.trigger, () => [run.bot, run.trigger]);
        }
        this.duration.observe(keys.kind, () => [run.plugin, run.kind], run.durationMs / 1000);
      },
      action: (a) => this.actions.inc({ bot: a.bot, action: a.name, outcome: a.dryRun ? "dry_run" : a.ok ? "ok" : "error" }),
      slackCall: (method, outcome) => {
        this.slackCalls.inc({ method, outcome });
        if (outcome === "rate_limited") this.slackRateLimited.inc({ method });
      },
      scheduleSkipped: (bot, trigger, _at, reason) => this.ticksSkipped.inc({ bot, trigger, reason }),
      scheduleSucceeded: (bot, trigger, at) => this.lastSuccess.set({ bot, trigger }, Math.floor(Math.max(at.getTime(), Date.now()) / 1000)),
      metric: (sample) => this.pluginMetric(sample),
      deadLetter: (letter) => {
        this.deadLetters.inc({ bot: letter.bot ?? "", queue: letter.queue });
        this.deadLettersStale();
      },
      botState: (bot, state) => {
        this.botStates.set(bot, state);
        this.countBots();
      },
      botRemoved: (bot) => {
        this.botStates.delete(bot);
        this.countBots();
      },
    };
  }

  private countBots(): void {
    this.bots.reset();
    const counts = new Map<string, number>();
    for (const s of this.botStates.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [s, n] of counts) this.bots.set({ state: s }, n);
  }

  /** Counts a reload of bots.yaml (SIGHUP or `botyard reload`) by outcome. */
  reloaded(outcome: ReloadOutcome): void {
    this.reloads.inc({ outcome });
  }

  /**
   * A plugin's gauge or counter, registered on first report. Its label names are fixed by that
   * first report (Prometheus wants one set per metric): a later report with other labels, or the
   * same name as the other kind, is refused with an error the engine logs as the observer's.
   */
  private pluginMetric(sample: MetricSample): void {
    const name = sample.kind === "counter" ? `botyard_plugin_${sample.name}_total` : `botyard_plugin_${sample.name}`;
    const labelNames = Object.keys(sample.labels).sort();
    const labels = labelNames.join(",");
    let series = this.pluginSeries.get(name);
    if (!series) {
      const help = `Reported by the ${sample.plugin} plugin (ctx.metrics.${sample.kind === "gauge" ? "gauge" : "count"}).`;
      const options = { name, help, labelNames: ["bot", ...labelNames], registers: [this.registry] };
      series = { kind: sample.kind, plugin: sample.plugin, labels, metric: sample.kind === "gauge" ? new Gauge(options) : new Counter(options) };
      this.pluginSeries.set(name, series);
    } else if (series.kind !== sample.kind || series.labels !== labels) {
      throw new Error(`metric ${name} was first reported by the ${series.plugin} plugin as a ${series.kind} with labels [${series.labels}]; bot ${sample.bot} reports a ${sample.kind} with labels [${labels}]: not recorded`);
    }
    const values = { bot: sample.bot, ...sample.labels };
    if (series.metric instanceof Gauge) series.metric.set(values, sample.value);
    else series.metric.inc(values, sample.value);
  }

  /**
   * The series keys of one bot's trigger, made once: building them per run would allocate and hash
   * new strings on every event.
   */
  private runKeys(run: RunInfo): RunKeys {
    let byTrigger = this.keys.get(run.bot);
    if (!byTrigger) this.keys.set(run.bot, (byTrigger = new Map()));
    let keys = byTrigger.get(run.trigger);
    if (!keys) {
      const trigger = `${run.bot}\u0000${run.trigger}`;
      byTrigger.set(run.trigger, (keys = { trigger, ok: `${trigger}\u0000ok`, error: `${trigger}\u0000error`, kind: `${run.plugin}\u0000${run.kind}` }));
    }
    return keys;
  }

  /**
   * Wraps a store so each operation's latency (and failure) is measured, and `onFailure` hears of
   * every failed operation as it happens (the host's store health, which must not wait for its
   * next ping to pause intake). Every webhook and event makes several store calls, so each
   * operation's wrapper is made once, on first use, and times with a FastHistogram keyed by the
   * operation's name.
   */
  instrument(store: StoreBackend, onFailure: (error: unknown, op: string) => void = () => {}): StoreBackend {
    const latency = this.storeLatency;
    const errors = this.storeErrors;
    const backend = store.kind;
    const wrappers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    const wrap = (op: string, method: (...a: unknown[]) => Promise<unknown>) => {
      const labels = () => [backend, op];
      const failed = (error: unknown) => {
        errors.inc({ backend, op });
        onFailure(error, op);
        throw error;
      };
      return (...args: unknown[]) => {
        const started = performance.now();
        const observe = () => latency.observe(op, labels, (performance.now() - started) / 1000);
        let result: Promise<unknown>;
        try {
          result = method.apply(store, args);
        } catch (error) {
          observe();
          errors.inc({ backend, op });
          onFailure(error, op);
          return Promise.reject(error as Error);
        }
        return result.then(
          (value) => {
            observe();
            return value;
          },
          (error: unknown) => {
            observe();
            return failed(error);
          },
        );
      };
    };
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        // Only the Store contract's operations: a backend's own methods, called on the proxy as
        // `this`, pass through untouched.
        if (typeof value !== "function" || typeof prop !== "string" || !STORE_OPERATIONS.has(prop)) return value;
        let wrapper = wrappers.get(prop);
        if (!wrapper) wrappers.set(prop, (wrapper = wrap(prop, value as (...a: unknown[]) => Promise<unknown>)));
        return wrapper;
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

