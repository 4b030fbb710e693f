import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EngineObserver, StoreBackend } from "@botyard/core";

/**
 * Prometheus metrics for the host. Label sets stay bounded with thousands of bots: counters carry
 * `bot` and `trigger` (one series per trigger a config declares), but histograms, which cost a
 * dozen series each, carry only the plugin and the trigger kind; nothing is labelled by channel,
 * user, path or run.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly received: Counter<"source" | "type">;
  private readonly runs: Counter<"bot" | "trigger" | "outcome">;
  private readonly errors: Counter<"bot" | "trigger">;
  private readonly duration: Histogram<"plugin" | "kind">;
  private readonly actions: Counter<"bot" | "action" | "outcome">;
  private readonly slackCalls: Counter<"method" | "outcome">;
  private readonly slackRateLimited: Counter<"method">;
  private readonly storeLatency: Histogram<"backend" | "op">;
  private readonly storeErrors: Counter<"backend" | "op">;
  private readonly lastSuccess: Gauge<"bot" | "trigger">;
  private readonly bots: Gauge<"state">;
  readonly slackConnected: Gauge;
  readonly storeUp: Gauge;
  private readonly botStates = new Map<string, string>();
  private readonly children = new Map<string, { inc(): void; observe(v: number): void }>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "botyard_process_" });
    this.received = new Counter({ name: "botyard_events_received_total", help: "Slack envelopes and webhook requests received, before routing.", labelNames: ["source", "type"], registers });
    this.runs = new Counter({ name: "botyard_runs_total", help: "Handler runs by bot, trigger and outcome (ok, error).", labelNames: ["bot", "trigger", "outcome"], registers });
    this.errors = new Counter({ name: "botyard_handler_errors_total", help: "Handler runs that threw.", labelNames: ["bot", "trigger"], registers });
    this.duration = new Histogram({
      name: "botyard_run_duration_seconds",
      help: "Handler run duration by plugin and trigger kind.",
      labelNames: ["plugin", "kind"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.actions = new Counter({ name: "botyard_actions_total", help: "Side effects run through actions, by outcome (ok, error, dry_run).", labelNames: ["bot", "action", "outcome"], registers });
    this.slackCalls = new Counter({ name: "botyard_slack_api_calls_total", help: "Slack Web API calls by method and outcome (ok, error, rate_limited).", labelNames: ["method", "outcome"], registers });
    this.slackRateLimited = new Counter({ name: "botyard_slack_rate_limited_total", help: "Slack 429 answers by method.", labelNames: ["method"], registers });
    this.storeLatency = new Histogram({
      name: "botyard_store_operation_seconds",
      help: "Store operation latency by backend and operation.",
      labelNames: ["backend", "op"],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.storeErrors = new Counter({ name: "botyard_store_errors_total", help: "Store operations that failed.", labelNames: ["backend", "op"], registers });
    this.lastSuccess = new Gauge({
      name: "botyard_schedule_last_success_timestamp_seconds",
      help: "When each schedule last completed a run without error (alert on time() minus this).",
      labelNames: ["bot", "trigger"],
      registers,
    });
    this.bots = new Gauge({ name: "botyard_bots", help: "Bots by state (running, failed, loaded, stopped).", labelNames: ["state"], registers });
    this.slackConnected = new Gauge({ name: "botyard_slack_connected", help: "1 while the Socket Mode connection is up.", registers });
    this.storeUp = new Gauge({ name: "botyard_store_up", help: "1 while the store answers.", registers });
  }

  /** The engine observer that feeds these metrics. */
  observer(): EngineObserver {
    return {
      received: (source, type) => this.cached(`r\u0000${source}\u0000${type}`, () => this.received.labels(source, type)).inc(),
      runFinished: (run) => {
        // Label children are looked up once per series and kept: prom-client hashes label objects
        // on every call otherwise, which shows on a host handling thousands of runs a second.
        const key = `${run.bot}\u0000${run.trigger}`;
        if (run.ok) this.cached(`ok\u0000${key}`, () => this.runs.labels(run.bot, run.trigger, "ok")).inc();
        else {
          this.cached(`err\u0000${key}`, () => this.runs.labels(run.bot, run.trigger, "error")).inc();
          this.cached(`e\u0000${key}`, () => this.errors.labels(run.bot, run.trigger)).inc();
        }
        this.cached(`d\u0000${run.plugin}\u0000${run.kind}`, () => this.duration.labels(run.plugin, run.kind)).observe(run.durationMs / 1000);
      },
      action: (a) => this.actions.inc({ bot: a.bot, action: a.name, outcome: a.dryRun ? "dry_run" : a.ok ? "ok" : "error" }),
      slackCall: (method, outcome) => {
        this.slackCalls.inc({ method, outcome });
        if (outcome === "rate_limited") this.slackRateLimited.inc({ method });
      },
      scheduleSucceeded: (bot, trigger, at) => this.lastSuccess.set({ bot, trigger }, Math.floor(Math.max(at.getTime(), Date.now()) / 1000)),
      botState: (bot, state) => {
        this.botStates.set(bot, state);
        this.bots.reset();
        const counts = new Map<string, number>();
        for (const s of this.botStates.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
        for (const [s, n] of counts) this.bots.set({ state: s }, n);
      },
    };
  }

  private cached<T>(key: string, make: () => T): { inc(): void; observe(v: number): void } {
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = make() as never));
    return child;
  }

  /** Wraps a store so each operation's latency (and failure) is measured. */
  instrument(store: StoreBackend): StoreBackend {
    const latency = this.storeLatency;
    const errors = this.storeErrors;
    const backend = store.kind;
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function" || prop === "close" || typeof prop !== "string") return value;
        return async (...args: unknown[]) => {
          const end = latency.startTimer({ backend, op: prop });
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (error) {
            errors.inc({ backend, op: prop });
            throw error;
          } finally {
            end();
          }
        };
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
