import { randomUUID } from "node:crypto";
import { DeadLetters, createSlackClient, type Engine, type EngineObserver, type Logger, type StoreBackend } from "@botyard/core";
import { AdminEndpoint } from "../admin/admin-endpoint.js";
import { ConfigError } from "../config/config-error.js";
import { AdminDefaults } from "../config/config-schema.js";
import type { LoadedConfig } from "../config/load-config.js";
import { HttpIntake } from "../intake/http-intake.js";
import { SocketModeIntake } from "../intake/socket-mode-intake.js";
import { slackNeedsByBot } from "../manifest/app-manifest.js";
import { PrometheusMetrics } from "../metrics/prometheus-metrics.js";
import { checkScopes, logScopeReport, type ScopeReport } from "../scopes/scope-check.js";
import { Reloader, type ReloadReport } from "../reload/reload-config.js";
import { openStore } from "../store/create-store.js";
import { buildEngine, checkBots } from "./bootstrap.js";
import { hostLog } from "./host-log.js";
import { authTest, checkTokens } from "./slack-identity.js";
import { StoreHealth } from "./store-health.js";

/**
 * Slack envelopes acked and waiting on the store at once, above which new ones are left unacked
 * (Slack redelivers them): a slow store must not turn into an unbounded heap of accepted events.
 */
const MAX_ENVELOPES_IN_FLIGHT = 1_000;

export interface HostOptions {
  /** Where log lines go (stdout by default); every line is scrubbed of interpolated secrets first. */
  logDestination?: NodeJS.WritableStream;
  /** Extra observers (metrics, the demo transcript). */
  observers?: EngineObserver[];
  /** Socket Mode ping timeout, which also paces reconnects (tests and the demo use short ones). */
  clientPingTimeoutMs?: number;
  /** How often the store's health is checked (default 1 s). */
  storeCheckIntervalMs?: number;
  /** Extra values to scrub from logs (the demo's emulator tokens are not secrets, but tests add some). */
  secrets?: string[];
  /** The environment a reload interpolates bots.yaml from (the process's by default). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningHost {
  engine: Engine;
  store: StoreBackend;
  log: Logger;
  port: number;
  adminPort?: number;
  /** The admin endpoint's port (dead letters, reload), when `admin.token` turned it on. */
  adminEndpointPort?: number;
  deadLetters: DeadLetters;
  /** Re-reads bots.yaml and applies the difference (SIGHUP and `botyard reload` call it). */
  reload(): Promise<ReloadReport>;
  readiness(): Promise<{ ready: boolean; [k: string]: unknown }>;
  /** The bot token's scopes against the loaded bots' needs, as checked at start. */
  scopes: ScopeReport;
  /** Graceful stop: intake off, in-flight handlers finish within the configured bound, socket and store closed. */
  stop(): Promise<{ unfinished: number }>;
}

/**
 * Starts a host from a loaded config: Slack client, engine with every bot, store, HTTP server,
 * Socket Mode. Refuses (throws a ConfigError) before anything starts, the store included, when the
 * config is bad; a bot whose setup throws is reported failed and the others run.
 */
export async function startHost(loaded: LoadedConfig, options: HostOptions = {}): Promise<RunningHost> {
  const { config } = loaded;
  const { scrubber, log } = hostLog(loaded, options);
  checkTokens(config.slack);
  const metrics = new PrometheusMetrics();
  const observers: EngineObserver[] = [metrics.observer(), ...(options.observers ?? [])];
  const slack = createSlackClient({
    token: config.slack.botToken,
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
    logger: log,
    observer: { slackCall: (method, outcome) => observers.forEach((o) => o.slackCall?.(method, outcome)) },
  });
  // The token check is a round trip to Slack: it starts now and is awaited once the bots are up,
  // so that the wait overlaps loading plugins and opening the store. Its outcome is only reported
  // after the config's own problems, which come first.
  const auth = authTest(slack, log);
  auth.catch(() => {});

  // 1. The config is checked, every bot prepared, with nothing opened: a refused config leaves no
  // database file behind and does not need Redis to be up to be told what is wrong.
  const checked = await checkBots(loaded, log);
  if (checked.problems.length > 0 || !checked.store) throw new ConfigError(checked.problems);
  for (const failure of checked.setupFailures) log.error({ where: failure.where, code: failure.code }, `bot skipped: ${failure.message}`);

  // 2. The store opens; a failed store call reaches its health at once, not a ping later.
  const opened = await openStore(checked.store, loaded.dir, log.child({ component: "store" }));
  const store = metrics.instrument(opened, (error) => health.reportFailure(error));
  const health = new StoreHealth({ store, log, ...(options.storeCheckIntervalMs ? { intervalMs: options.storeCheckIntervalMs } : {}), onChange: (healthy) => storeHealthChanged(healthy) });
  metrics.storeUp.set(1);

  // 3. The engine is built with it, from the bots prepared in step 1.
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const engine = buildEngine(loaded, checked, { slack, store, log, observers, owner, redact: (text) => scrubber.scrub(text) });
  metrics.watchListeners(() => engine.shutdownListeners);
  const deadLetters = new DeadLetters(engine.hostStore, {
    ...(config.queue?.deadLetterTtlMs !== undefined ? { ttlMs: config.queue.deadLetterTtlMs } : {}),
    notify: (queue) => engine.queues.notify(queue),
    onChange: () => metrics.deadLettersChanged(),
  });
  metrics.watchDeadLetters(() => deadLetters.countByBot(), () => engine.status().map((b) => b.id));
  const reloader = new Reloader({
    engine,
    log,
    env: options.env ?? process.env,
    loaded,
    specs: checked.specs,
    scrubber,
    onOutcome: (outcome) => metrics.reloaded(outcome),
    // The bots changed, and the app may have been reinstalled with the new manifest (its token
    // keeps its value but gains scopes): both sides of the scope check are read again.
    onApplied: (prepared) =>
      void authTest(slack, log)
        .then((fresh) => (tokenScopes = fresh.scopes ?? tokenScopes))
        .catch((error: unknown) => log.warn({ err: error }, "reload: the bot token's scopes could not be read again; checked against those read before"))
        .finally(() => {
          scopes = checkScopes(slackNeedsByBot(prepared), tokenScopes);
          logScopeReport(scopes, log);
        }),
  });
  const admin = config.admin?.token
    ? new AdminEndpoint({
        host: config.admin.host ?? AdminDefaults.host,
        port: config.admin.port ?? AdminDefaults.port,
        token: config.admin.token,
        log: log.child({ component: "admin" }),
        deadLetters,
        reload: () => reloader.reload(),
        store,
        scrub: (text) => scrubber.scrub(text),
      })
    : undefined;

  // 4. The receivers, side by side: Slack's Socket Mode and HTTP (webhooks, admin endpoints).
  let stopping: Promise<{ unfinished: number }> | undefined;
  const slackIntake = new SocketModeIntake({
    engine,
    log,
    appToken: config.slack.appToken,
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
    ...(options.clientPingTimeoutMs ? { clientPingTimeoutMs: options.clientPingTimeoutMs } : {}),
    maxInFlight: MAX_ENVELOPES_IN_FLIGHT,
    onStoreFailure: (error) => health.reportFailure(error),
    onConnected: (connected) => metrics.slackConnected.set(connected ? 1 : 0),
  });
  const isReady = () => slackIntake.connected && slackIntake.accepting && health.healthy;
  // Filled in once auth.test has answered (before the host says it is ready).
  let scopes: ScopeReport = { checked: false, missing: {} };
  let tokenScopes: string[] | undefined;
  // One failed bot is reported but does not make the host unready: the others serve. Nor does a
  // missing scope: it fails only that bot's calls needing it, and no restart or rescheduling can
  // fix it (a person must reinstall the app), while an unready host would take every other bot's
  // webhooks out of rotation with it. It is reported here, in the log, `botyard list` and
  // `botyard_slack_missing_scopes`, which an alert can page on.
  const readiness = async () => ({
    ready: isReady(),
    // Whether Socket Mode is up and, when it is not, why and what happens next.
    slack: slackIntake.status,
    store: { kind: store.kind, ...health.status },
    bots: engine.status().map((b) => ({ id: b.id, state: b.state, ...(b.reason ? { reason: b.reason } : {}) })),
    scopes,
  });
  metrics.watchScopes(() => scopes);
  metrics.watchHost({
    ready: () => isReady(),
    schedules: () =>
      engine.status().flatMap((b) =>
        b.state !== "running" ? [] : b.triggers.flatMap((t) => (t.kind === "schedule" && t.nextRun ? [{ bot: b.id, trigger: t.name, nextRun: new Date(t.nextRun) }] : [])),
      ),
    // While the store is down, reading it would only add failures: the gauges go empty, and
    // botyard_store_up says why.
    queues: () => (health.healthy ? engine.queues.backlog() : Promise.resolve([])),
  });
  const scrubbed = <T>(value: T): T => JSON.parse(scrubber.scrub(JSON.stringify(value))) as T;
  const http = new HttpIntake({
    engine,
    log: log.child({ component: "http" }),
    host: config.http?.host ?? "127.0.0.1",
    port: config.http?.port ?? 3000,
    limits: config.http ?? {},
    onRefused: (reason) => metrics.httpRefused(reason),
    ...(config.http?.adminPort !== undefined ? { adminPort: config.http.adminPort } : {}),
    // Failure reasons are error messages, which may quote secrets as log lines may: scrub them too.
    readiness: async () => scrubbed(await readiness()),
    status: async () => scrubbed((await withDeadLetterCounts(engine, deadLetters)).map((b) => (scopes.missing[b.id] ? { ...b, missingScopes: scopes.missing[b.id] } : b))),
    // Plugins label their metrics as they like: a label may hold a secret as a log line may.
    metrics: async () => {
      const rendered = await metrics.render();
      return { contentType: rendered.contentType, body: scrubber.scrub(rendered.body) };
    },
  });
  // While the store is down nothing is taken in (Slack redelivers what is left unacked; webhooks
  // get 503) and durable workers stop claiming.
  function storeHealthChanged(healthy: boolean): void {
    metrics.storeUp.set(healthy ? 1 : 0);
    if (stopping) return;
    slackIntake.setStoreUp(healthy);
    engine.queues.setPaused(!healthy);
    http.setAccepting(healthy, "store_unavailable");
  }

  // 5. Everything starts: HTTP, then the bot token check, the bots' start hooks and the socket, overlapping.
  let ports: { port: number; adminPort?: number };
  let adminEndpointPort: number | undefined;
  try {
    ports = await http.start();
    if (admin) {
      adminEndpointPort = await admin.start();
      log.info({ adminEndpointPort, host: config.admin?.host ?? AdminDefaults.host }, "admin endpoint listening (dead letters, reload)");
    } else log.info("admin endpoint off: set admin.token in bots.yaml to use botyard deadletters and botyard reload");
    log.info({ port: ports.port, ...(ports.adminPort !== undefined ? { adminPort: ports.adminPort } : {}) }, "HTTP server listening");
    await slackIntake.start(auth, engine.start());
    tokenScopes = (await auth).scopes;
    scopes = checkScopes(slackNeedsByBot(checked.prepared), tokenScopes);
    logScopeReport(scopes, log);
  } catch (error) {
    // A refused start stops what it started (bots, the socket's retries, the HTTP server, the store).
    await engine.stop(0);
    await slackIntake.stop();
    await http.close();
    await admin?.close();
    await store.close().catch(() => {});
    throw error;
  }
  health.start();
  const running = engine.status();
  log.info(
    { port: ports.port, ...(ports.adminPort ? { adminPort: ports.adminPort } : {}), store: store.kind, bots: running.length, failed: running.filter((b) => b.state === "failed").map((b) => b.id) },
    "botyard host ready",
  );

  return {
    engine,
    store,
    log,
    port: ports.port,
    ...(ports.adminPort !== undefined ? { adminPort: ports.adminPort } : {}),
    ...(adminEndpointPort !== undefined ? { adminEndpointPort } : {}),
    deadLetters,
    reload: () => (stopping ? Promise.reject(new Error("the host is stopping")) : reloader.reload()),
    readiness,
    get scopes() {
      return scopes;
    },
    stop: () =>
      (stopping ??= (async () => {
        log.info("shutting down");
        http.setAccepting(false, "shutting_down");
        health.stop();
        // The engine drops envelopes once it is stopping; acking them would lose them. Left
        // unacked, Slack redelivers them to another replica's socket or after the restart.
        slackIntake.pause();
        const result = await engine.stop(config.shutdownTimeoutMs ?? 10_000);
        await slackIntake.stop();
        await http.close();
        await admin?.close();
        await store.close();
        log.info({ unfinished: result.unfinished }, "stopped");
        return result;
      })()),
  };
}

/** Each bot's status with how many dead letters it has (left out while the store does not answer). */
async function withDeadLetterCounts(engine: Engine, deadLetters: DeadLetters): Promise<Array<ReturnType<Engine["status"]>[number] & { deadLetters?: number }>> {
  const counts = await deadLetters.countByBot().catch(() => undefined);
  return engine.status().map((b) => (counts ? { ...b, deadLetters: counts.get(b.id) ?? 0 } : b));
}
