import { createRequire } from "node:module";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { toSlackLogger } from "../logging/slack-logger.js";
import { backoffDelay, sleep } from "../retry/retry.js";
import { classifySlackError } from "./slack-failure.js";
import type { SlackEnvelope } from "./slack-types.js";

// @slack/socket-mode (with ws and the Web API client it brings) is required when the first receiver
// is made, that is when a host or a test bot starts, not when core is imported. CommonJS, so
// require() is synchronous.
const require = createRequire(import.meta.url);

export interface SocketModeReceiverOptions {
  appToken: string;
  /** Web API base URL used for `apps.connections.open` (GovSlack, emulators). */
  apiUrl?: string;
  logger: Logger;
  /** Called for every envelope, after it has been acked. */
  onEnvelope: (envelope: SlackEnvelope) => void;
  /** Called when the connection comes up or goes down, with the whole status. */
  onStateChange?: (connected: boolean, status: SocketModeStatus) => void;
  /**
   * The client's ping timeout: with no pong for this long the connection is taken for dead (a
   * half-open socket) and replaced. 5 s by default; tests use ~200 ms.
   */
  clientPingTimeoutMs?: number;
  /** With no ping from Slack for this long, the connection is replaced (30 s by default). */
  serverPingTimeoutMs?: number;
  /** First wait between failed connection attempts (default 1 s, or the ping timeout when shorter); doubles, with jitter. */
  reconnectMinDelayMs?: number;
  /** Longest wait between attempts (default 30 s). */
  reconnectMaxDelayMs?: number;
}

/** Where the Socket Mode connection stands, for `/readyz` and logs. */
export interface SocketModeStatus {
  /**
   * `connecting` until the first `hello`; `reconnecting` after a loss, until the next; `disabled`
   * when Slack said reconnecting cannot help (Socket Mode turned off, token refused): only an
   * operator can fix it; `stopped` after `stop()`.
   */
  state: "connecting" | "connected" | "reconnecting" | "disabled" | "stopped";
  connected: boolean;
  /** Why it is not connected: what ended the last connection, or what the last attempt ran into. */
  reason?: string;
  /** When the state began (ISO 8601). */
  since: string;
  /** Failed attempts in a row. */
  failedAttempts?: number;
  /** When the next attempt starts, while waiting for it (ISO 8601). */
  nextAttemptAt?: string;
}

/** Errors of `apps.connections.open` that mean the app-level token is no good: retrying cannot help. */
const TOKEN_REFUSED = new Set(["invalid_auth", "not_authed", "not_allowed_token_type", "account_inactive", "token_revoked", "token_expired", "user_removed_from_team", "team_disabled"]);

/** A connection lost sooner than this after its `hello` delays the next attempt as a failed one would. */
const SHORT_LIVED_MS = 500;

/** How long `apps.connections.open` may take (the Slack client has no limit of its own). */
const OPEN_TIMEOUT_MS = 10_000;

/** A Socket Mode control message (`hello`, `disconnect`), as far as the receiver reads it. */
interface ControlMessage {
  type: "hello" | "disconnect";
  reason?: string;
  connection_info?: { app_id?: string };
}

// Control messages name their type at the top level; an envelope only costs this test.
const CONTROL = /"type"\s*:\s*"(?:hello|disconnect)"/;

type SlackSocketModeClient = import("@slack/socket-mode").SocketModeClient;
type SocketModeClient = SlackSocketModeClient & { onControl: (message: ControlMessage) => void };
type SocketModeClientClass = new (...args: ConstructorParameters<typeof import("@slack/socket-mode").SocketModeClient>) => SocketModeClient;
let socketModeClientClass: SocketModeClientClass | undefined;

/**
 * The real SocketModeClient, with the receiver told about control messages before the client acts
 * on them: which `disconnect` reason ended a connection, and the app id `hello` names. (Named like
 * the library's class: the emulator-coverage scan finds `apps.connections.open` by `new SocketModeClient(`.)
 */
function loadSocketModeClient(): SocketModeClientClass {
  const { SocketModeClient: Base } = require("@slack/socket-mode") as typeof import("@slack/socket-mode");
  return (socketModeClientClass ??= class SocketModeClient extends Base {
    onControl: (message: ControlMessage) => void = () => {};

    protected override async onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void> {
      if (!isBinary && typeof data === "string" && CONTROL.test(data)) {
        try {
          const message = JSON.parse(data) as ControlMessage;
          if (message.type === "hello" || message.type === "disconnect") this.onControl(message);
        } catch {
          // The client ignores what it cannot parse; so does the receiver.
        }
      }
      return super.onWebSocketMessage(data, isBinary);
    }
  });
}

/**
 * Slack over Socket Mode with the real SocketModeClient. Every envelope is acked at once (Slack
 * wants an ack within 3 s and redelivers otherwise), then handed on; handlers never delay an ack.
 *
 * The receiver, not the client, decides when to reconnect: the client's own loop waits
 * `clientPingTimeout` x failures (5 s before even a routine refresh, growing without bound and
 * without jitter), retries `apps.connections.open` 100 times inside one attempt, has no timeout on
 * it, and reconnects after `link_disabled` forever. Here a lost connection is replaced at once, and
 * failed attempts back off (`backoffDelay`: doubling, jittered, capped, at least Slack's Retry-After);
 * a connection that dies right after its `hello` delays the next attempt as a failure would, so a
 * server that accepts and drops cannot make it spin. `link_disabled` and a refused token stop it,
 * with the fix in the log.
 */
export class SocketModeReceiver {
  private readonly client: SocketModeClient;
  private readonly log: Logger;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private current: SocketModeStatus = { state: "connecting", connected: false, reason: "not connected yet", since: new Date().toISOString() };
  /** Envelopes acked during the current read, to hand on once it is done. */
  private received: SlackEnvelope[] = [];
  private readonly handOn = (): void => {
    const envelopes = this.received;
    this.received = [];
    for (const envelope of envelopes) this.options.onEnvelope(envelope);
  };
  private paused = false;
  private stopped = false;
  private readonly stopping = new AbortController();
  /** What ended the connection, learnt before the close (a `disconnect` message, a missed pong). */
  private closeReason: string | undefined;
  /** The connection was given up for a missed pong or ping: it lasted at least a ping timeout. */
  private heartbeatLost = false;
  private connectedAt = 0;
  private lostAt = 0;
  /** Failed attempts in the current outage. */
  private failures = 0;
  /** Connections in a row that died right after their hello (see `connectionLost`). */
  private rapidLosses = 0;
  private appId: string | undefined;

  constructor(private readonly options: SocketModeReceiverOptions) {
    this.log = options.logger.child({ component: "socket-mode" });
    this.minDelayMs = options.reconnectMinDelayMs ?? Math.min(1_000, options.clientPingTimeoutMs ?? 1_000);
    this.maxDelayMs = options.reconnectMaxDelayMs ?? 30_000;
    const SocketModeClient = loadSocketModeClient();
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: this.clientLogger(),
      autoReconnectEnabled: false,
      // One attempt per call, no hidden 100 retries, and an answer in bounded time: the loop below
      // paces the attempts and sees every failure. A 429 comes back at once with its Retry-After.
      clientOptions: {
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: OPEN_TIMEOUT_MS,
      },
      ...(options.clientPingTimeoutMs ? { clientPingTimeout: options.clientPingTimeoutMs } : {}),
      ...(options.serverPingTimeoutMs ? { serverPingTimeout: options.serverPingTimeoutMs } : {}),
    });
    this.client.onControl = (message) => this.control(message);
    this.client.on("slack_event", (event: {
      ack: (payload?: unknown) => Promise<void>;
      envelope_id: string;
      type: string;
      body: Record<string, unknown>;
      retry_num?: number;
      retry_reason?: string;
      accepts_response_payload?: boolean;
    }) => {
      // While paused (the store is unreachable, or the host is shutting down), leave envelopes
      // unacked: Slack redelivers them, possibly to another replica's socket, instead of us
      // accepting work we cannot dedupe or will not run.
      if (this.paused) return;
      event.ack().catch((error: unknown) => this.log.warn({ err: error }, "ack failed"));
      // Handed on once the current read is done: the envelopes that arrived together (one socket
      // read holds several when Slack sends a burst) are all acked before any is dispatched, so an
      // ack never waits for the routing of the envelopes ahead of it.
      if (this.received.length === 0) queueMicrotask(this.handOn);
      this.received.push({
        envelope_id: event.envelope_id,
        type: event.type,
        payload: event.body ?? {},
        ...(event.retry_num !== undefined ? { retry_attempt: event.retry_num } : {}),
        ...(event.retry_reason !== undefined ? { retry_reason: event.retry_reason } : {}),
        ...(event.accepts_response_payload !== undefined ? { accepts_response_payload: event.accepts_response_payload } : {}),
      });
    });
    this.client.on("connected", () => this.onConnected());
    // Without auto-reconnect the client says `disconnected` whenever a socket closes, or fails to
    // open; the latter is an attempt failing, which the attempt itself reports.
    this.client.on("disconnected", () => {
      if (!this.stopped && this.current.state === "connected") this.connectionLost();
    });
  }

  get connected(): boolean {
    return this.current.connected;
  }

  private get disabled(): boolean {
    return this.current.state === "disabled";
  }

  /** Where the connection stands, and why when it is down (`/readyz` shows it). */
  get status(): SocketModeStatus {
    return { ...this.current };
  }

  /**
   * Connects; resolves once Slack has said hello (or once Slack said it will not take a connection,
   * see `status`). Retries with backoff while Slack is unreachable; throws when Slack refuses the
   * app-level token, which no retry can fix.
   */
  async start(): Promise<void> {
    await this.connect(true);
  }

  /** Stops acking while paused (see the `slack_event` handler). */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.client.disconnect().catch(() => {});
    this.setStatus({ state: "stopped", reason: "stopped" });
  }

  private async connect(first: boolean): Promise<void> {
    // After a loss, the first attempt is immediate unless the lost connection itself did not last.
    if (this.rapidLosses > 0) await this.wait(backoffDelay(this.rapidLosses, this.minDelayMs, this.maxDelayMs));
    while (!this.stopped && !this.disabled) {
      try {
        this.closeReason = undefined;
        this.heartbeatLost = false;
        await this.client.start();
        return;
      } catch (error) {
        if (this.stopped || this.disabled) return;
        const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
        if (typeof code === "string" && TOKEN_REFUSED.has(code)) {
          const refused = new BotyardError(ErrorCodes.HOST_START, `Slack refused the app-level token (${code}).`, {
            hint: "slack.appToken must be an app-level token (xapp-...) with the connections:write scope.",
            cause: error,
          });
          if (first) throw refused;
          this.disable(`Slack refused the app-level token (${code})`, `${refused.message} Botyard receives no Slack events until it is restarted with a valid one.`);
          return;
        }
        this.failures++;
        const failure = classifySlackError(error);
        const askedMs = failure.kind === "rate_limited" && failure.retryAfterSec !== undefined ? failure.retryAfterSec * 1_000 : 0;
        const delayMs = Math.max(askedMs, backoffDelay(this.failures + this.rapidLosses, this.minDelayMs, this.maxDelayMs));
        const reason = this.attemptFailure(error);
        this.setStatus({
          state: first ? "connecting" : "reconnecting",
          reason,
          failedAttempts: this.failures,
          nextAttemptAt: new Date(Date.now() + delayMs).toISOString(),
        });
        this.log.warn({ reason, attempt: this.failures, retryInMs: delayMs }, "cannot open a Socket Mode connection yet; retrying");
        await this.wait(delayMs);
      }
    }
  }

  private onConnected(): void {
    if (this.stopped) {
      // A start that was under way when stop() was called: do not keep its connection.
      void this.client.disconnect().catch(() => {});
      return;
    }
    const down = this.lostAt ? { downMs: Date.now() - this.lostAt, failedAttempts: this.failures } : {};
    this.connectedAt = Date.now();
    this.lostAt = 0;
    this.failures = 0;
    this.setStatus({ state: "connected" });
    this.log.info(down, "Socket Mode connected");
  }

  /** A connection that was up is gone: say why, and replace it. */
  private connectionLost(): void {
    if (this.current.state === "disabled") return;
    const reason = this.closeReason ?? "the connection closed (dropped by the network or by Slack)";
    this.lostAt = Date.now();
    // A connection that Slack (or a proxy) closed right after its hello (too_many_websockets, a
    // server that accepts and drops) delays the next attempt like a failure: back off instead of
    // spinning. One given up for a missed pong is not that, even when the ping timeout is short.
    const lasted = this.lostAt - this.connectedAt;
    this.rapidLosses = lasted < SHORT_LIVED_MS && !this.heartbeatLost ? this.rapidLosses + 1 : 0;
    this.setStatus({ state: "reconnecting", reason });
    this.log.warn({ reason, lastedMs: lasted }, "Socket Mode connection lost; reconnecting");
    void this.connect(false).catch((error: unknown) => this.log.error({ err: error }, "Socket Mode reconnection stopped"));
  }

  private control(message: ControlMessage): void {
    if (message.type === "hello") {
      this.appId = message.connection_info?.app_id ?? this.appId;
      return;
    }
    const reason = message.reason ?? "unknown";
    if (reason === "link_disabled") {
      const where = this.appId ? `https://api.slack.com/apps/${this.appId}/socket-mode` : "https://api.slack.com/apps (your app > Socket Mode)";
      this.disable(
        "Slack turned Socket Mode off for this app (disconnect: link_disabled)",
        "Slack turned Socket Mode off for this app (disconnect reason link_disabled): Botyard receives no Slack events, " +
          `slash commands or button clicks, and reconnecting cannot help. Turn "Enable Socket Mode" back on at ${where}, then restart botyard.`,
      );
      return;
    }
    this.closeReason =
      reason === "refresh_requested"
        ? "Slack asked for a new connection (disconnect: refresh_requested)"
        : reason === "warning"
          ? "Slack warned it would close the connection soon (disconnect: warning)"
          : `Slack closed the connection (disconnect: ${reason})`;
  }

  /** Stop for good: only an operator can fix this. One error line says how. */
  private disable(reason: string, instructions: string): void {
    if (this.current.state === "disabled") return;
    this.setStatus({ state: "disabled", reason });
    this.log.error({ reason }, instructions);
  }

  private attemptFailure(error: unknown): string {
    // The client rejects with nothing when the WebSocket itself fails to open (after a good apps.connections.open).
    if (error === undefined) return "the WebSocket connection to Slack failed to open";
    const failure = classifySlackError(error);
    switch (failure.kind) {
      case "http":
        return `apps.connections.open answered HTTP ${failure.status}`;
      case "rate_limited":
        return `apps.connections.open is rate limited (Retry-After ${failure.retryAfterSec ?? "?"} s)`;
      case "platform":
        return `apps.connections.open failed: ${failure.error}`;
      case "unreachable":
        return failure.timedOut ? `apps.connections.open got no answer within ${OPEN_TIMEOUT_MS / 1000} s` : `cannot reach Slack: ${failure.detail}`;
      default:
        return `cannot connect: ${failure.message}`;
    }
  }

  private setStatus(next: Omit<SocketModeStatus, "connected" | "since">): void {
    const wasConnected = this.current.connected;
    const connected = next.state === "connected";
    this.current = { ...next, connected, since: next.state === this.current.state ? this.current.since : new Date().toISOString() };
    if (connected !== wasConnected) this.options.onStateChange?.(connected, this.status);
  }

  private wait(ms: number): Promise<void> {
    return sleep(ms, this.stopping.signal).catch(() => {});
  }

  /**
   * The Socket Mode client's log lines, with two changes: a missed pong or ping (the client closes the
   * connection then, and emits nothing that says why) is noted as the reason, and its error lines
   * become warnings, as the failures they report are retried here and the ones that are not are
   * reported here at error level.
   */
  private clientLogger(): ReturnType<typeof toSlackLogger> {
    const base = toSlackLogger(this.log);
    const timeout = this.options.clientPingTimeoutMs ?? 5_000;
    const serverTimeout = this.options.serverPingTimeoutMs ?? 30_000;
    return {
      ...base,
      warn: (...msg: unknown[]) => {
        const text = String(msg[0]);
        if (text.startsWith("A pong wasn't received")) {
          this.closeReason ??= `no pong from Slack within ${timeout} ms: the connection was half-open`;
          this.heartbeatLost = true;
        } else if (text.startsWith("A ping wasn't received")) {
          this.closeReason ??= `no ping from Slack within ${serverTimeout} ms: the connection was half-open`;
          this.heartbeatLost = true;
        }
        base.warn(...msg);
      },
      error: (...msg: unknown[]) => base.warn(...msg),
    };
  }
}
