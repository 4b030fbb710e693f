import { randomUUID } from "node:crypto";
import {
  BotyardError,
  ErrorCodes,
  SecretScrubber,
  SocketModeReceiver,
  createLogger,
  createSlackClient,
  type Engine,
  type EngineObserver,
  type Logger,
  type StoreBackend,
} from "@botyard/core";
import { ConfigError } from "../config/config-error.js";
import type { HostConfig } from "../config/config-schema.js";
import type { LoadedConfig } from "../config/load-config.js";
import { HttpServer } from "../http/http-server.js";
import { PrometheusMetrics } from "../metrics/prometheus-metrics.js";
import { openStore } from "../store/create-store.js";
import { bootstrap } from "./bootstrap.js";
import { StoreHealth } from "./store-health.js";
import { SlackIntake } from "./slack-intake.js";
import { StoreOpenedLater } from "./store-opened-later.js";

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
}

export interface RunningHost {
  engine: Engine;
  store: StoreBackend;
  log: Logger;
  port: number;
  adminPort?: number;
  readiness(): Promise<{ ready: boolean; [k: string]: unknown }>;
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
  const scrubber = new SecretScrubber();
  for (const secret of [...(options.secrets ?? []), ...urlPasswords(config.store)]) scrubber.add(secret);
  const tooShort = new Map<string, string>();
  for (const ref of loaded.fromEnv) {
    if (!scrubber.add(ref.value) && ref.value !== "" && !tooShort.has(ref.variable)) tooShort.set(ref.variable, ref.where);
  }
  const log = createLogger({
    level: config.log?.level ?? "info",
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  for (const [variable, where] of tooShort) {
    // Named, never shown: the value is the very thing that cannot be scrubbed.
    log.warn(
      { variable, where, minLength: SecretScrubber.MIN_LENGTH },
      `the value of \${${variable}} is shorter than ${SecretScrubber.MIN_LENGTH} characters, too short to be scrubbed from logs; if it is a secret, use a longer one`,
    );
  }

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

  // Plugins are loaded and every bot checked before the store is opened: a refused config leaves
  // no database file behind and does not need Redis to be up to be told what is wrong.
  const later = new StoreOpenedLater(config.store?.type ?? config.store?.use ?? "sqlite");
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const { engine, problems, setupFailures, store: chosen } = await bootstrap(loaded, { slack, store: later.store, log, observers, owner, redact: (text) => scrubber.scrub(text) });
  if (problems.length > 0 || !chosen) throw new ConfigError(problems);
  metrics.watchListeners(() => engine.shutdownListeners);

  // Every failed store call reaches the store's health at once, once there is one (below, with what it pauses).
  let storeFailed = (_error: unknown) => {};
  const store = metrics.instrument(await openStore(chosen, loaded.dir, log.child({ component: "store" })), (error) => storeFailed(error));
  later.open(store);
  let closeStore = true;
  let stopping: Promise<{ unfinished: number }> | undefined;
  try {
    for (const failure of setupFailures) log.error({ where: failure.where, code: failure.code }, `bot skipped: ${failure.message}`);

    let connected = false;
    // Envelopes that arrive before the bots are started and the app's identity is known wait for it
    // (acked: Slack wants that within 3 s either way); the socket connects meanwhile.
    let accepting = false;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const scrubbed = <T>(value: T): T => JSON.parse(scrubber.scrub(JSON.stringify(value))) as T;
    // One failed bot is reported but does not make the host unready: the others serve.
    const readiness = async () => ({
      ready: connected && accepting && health.healthy,
      // Whether Socket Mode is up and, when it is not, why and what happens next.
      slack: receiver.status,
      store: { kind: store.kind, ...health.status },
      bots: engine.status().map((b) => ({ id: b.id, state: b.state, ...(b.reason ? { reason: b.reason } : {}) })),
    });
    const http = new HttpServer({
      engine,
      log: log.child({ component: "http" }),
      host: config.http?.host ?? "127.0.0.1",
      port: config.http?.port ?? 3000,
      limits: config.http ?? {},
      onRefused: (reason) => metrics.httpRefused(reason),
      ...(config.http?.adminPort !== undefined ? { adminPort: config.http.adminPort } : {}),
      // Failure reasons are error messages, which may quote secrets as log lines may: scrub them too.
      readiness: async () => scrubbed(await readiness()),
      // Plugins label their metrics as they like: a label may hold a secret as a log line may.
      metrics: async () => {
        const rendered = await metrics.render();
        return { contentType: rendered.contentType, body: scrubber.scrub(rendered.body) };
      },
      status: () => scrubbed(engine.status()),
    });
    // New envelopes are left unacked while the store is down, or while the intake holds acked ones.
    let storeUp = true;
    let intakeBusy = false;
    const pauseReceiver = () => {
      if (!stopping) receiver.setPaused(!storeUp || intakeBusy);
    };
    const intake = new SlackIntake({
      dispatch: (envelope) => engine.dispatch(envelope),
      log,
      onStoreFailure: (error) => storeFailed(error),
      onBusy: (busy) => {
        intakeBusy = busy;
        pauseReceiver();
      },
      maxInFlight: MAX_ENVELOPES_IN_FLIGHT,
    });
    const receiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
      logger: log,
      ...(options.clientPingTimeoutMs ? { clientPingTimeoutMs: options.clientPingTimeoutMs } : {}),
      onEnvelope: (envelope) => {
        if (accepting) intake.take(envelope);
        else void gate.then(() => intake.take(envelope));
      },
      onStateChange: (isConnected) => {
        connected = isConnected;
        metrics.slackConnected.set(isConnected ? 1 : 0);
      },
    });
    const health = new StoreHealth({
      store,
      log,
      ...(options.storeCheckIntervalMs ? { intervalMs: options.storeCheckIntervalMs } : {}),
      onChange: (healthy) => {
        metrics.storeUp.set(healthy ? 1 : 0);
        if (stopping) return;
        storeUp = healthy;
        pauseReceiver();
        engine.queues.setPaused(!healthy);
        http.setAccepting(healthy, "store_unavailable");
        if (healthy) intake.retryHeld();
      },
    });
    storeFailed = (error) => health.reportFailure(error);
    metrics.storeUp.set(1);

    const ports = await http.start();
    log.info({ port: ports.port, ...(ports.adminPort !== undefined ? { adminPort: ports.adminPort } : {}) }, "HTTP server listening");
    // Checking the bot token, starting the bots (their start hooks may do I/O) and opening the
    // socket overlap; envelopes reach the bots once all three are done, with the app's identity known.
    try {
      const connecting = receiver.start();
      connecting.catch(() => {});
      const [checked, started] = await Promise.allSettled([auth, engine.start()]);
      if (checked.status === "rejected") throw checked.reason;
      if (started.status === "rejected") throw started.reason;
      engine.setIdentity(checked.value);
      accepting = true;
      openGate();
      await connecting;
    } catch (error) {
      // A refused start stops what it started (bots, the socket's retries, the HTTP server).
      await engine.stop(0);
      await receiver.stop();
      await http.close();
      throw error;
    }
    health.start();
    closeStore = false;

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
      readiness,
      stop: () =>
        (stopping ??= (async () => {
          log.info("shutting down");
          http.setAccepting(false, "shutting_down");
          health.stop();
          // The engine drops envelopes once it is stopping; acking them would lose them. Left
          // unacked, Slack redelivers them to another replica's socket or after the restart.
          receiver.setPaused(true);
          const result = await engine.stop(config.shutdownTimeoutMs ?? 10_000);
          await receiver.stop();
          await http.close();
          await store.close();
          log.info({ unfinished: result.unfinished }, "stopped");
          return result;
        })()),
    };
  } finally {
    if (closeStore) await store.close().catch(() => {});
  }
}

function checkTokens(slack: { appToken: string; botToken: string }): void {
  if (!slack.appToken.startsWith("xapp-")) {
    throw new BotyardError(ErrorCodes.HOST_START, "slack.appToken is not an app-level token (it must start with xapp-).", {
      hint: "Create one under Basic Information > App-Level Tokens with the connections:write scope.",
    });
  }
  if (!slack.botToken.startsWith("xoxb-")) {
    throw new BotyardError(ErrorCodes.HOST_START, "slack.botToken is not a bot token (it must start with xoxb-).", {
      hint: "Install the app to the workspace and copy the Bot User OAuth Token.",
    });
  }
}

async function authTest(slack: ReturnType<typeof createSlackClient>, log: Logger): Promise<{ userId?: string; botId?: string }> {
  try {
    const auth = await slack.auth.test();
    log.info({ team: auth.team, user: auth.user }, "Slack bot token accepted");
    return { ...(auth.user_id ? { userId: auth.user_id } : {}), ...(auth.bot_id ? { botId: auth.bot_id as string } : {}) };
  } catch (cause) {
    const code = (cause as { data?: { error?: string } }).data?.error;
    throw new BotyardError(ErrorCodes.HOST_START, `Slack refused the bot token${code ? ` (${code})` : ""}: ${(cause as Error).message}`, {
      hint: "Check slack.botToken (xoxb-...) and, for GovSlack or an emulator, slack.apiUrl.",
      cause,
    });
  }
}

// A store URL's password can surface alone (a client's debug output), not only inside the URL:
// any store's settings may hold one (Redis's url, a Postgres store's...).
function urlPasswords(store: HostConfig["store"]): string[] {
  return Object.values(store ?? {}).flatMap((value) => {
    if (typeof value !== "string" || !value.includes("://")) return [];
    try {
      const password = decodeURIComponent(new URL(value).password);
      return password ? [password] : [];
    } catch {
      return [];
    }
  });
}
