import socketMode from "@slack/socket-mode";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { toSlackLogger } from "../logging/slack-logger.js";
import type { SlackEnvelope } from "./slack-types.js";

// CommonJS package: import the default and destructure (see the toolchain notes).
const { SocketModeClient } = socketMode;

export interface SocketModeReceiverOptions {
  appToken: string;
  /** Web API base URL used for `apps.connections.open` (GovSlack, emulators). */
  apiUrl?: string;
  logger: Logger;
  /** Called for every envelope, after it has been acked. */
  onEnvelope: (envelope: SlackEnvelope) => void;
  onStateChange?: (connected: boolean) => void;
  /** The client's ping timeout, which also paces its reconnects (5 s by default; tests use ~200 ms). */
  clientPingTimeoutMs?: number;
  serverPingTimeoutMs?: number;
}

/**
 * Slack over Socket Mode with the real SocketModeClient. Every envelope is acked at once (Slack
 * wants an ack within 3 s and redelivers otherwise), then handed on; handlers never delay an ack.
 */
export class SocketModeReceiver {
  private readonly client: InstanceType<typeof SocketModeClient>;
  private isConnected = false;
  /** Envelopes acked during the current read, to hand on once it is done. */
  private received: SlackEnvelope[] = [];
  private readonly handOn = (): void => {
    const envelopes = this.received;
    this.received = [];
    for (const envelope of envelopes) this.options.onEnvelope(envelope);
  };
  private paused = false;
  private stopped = false;

  constructor(private readonly options: SocketModeReceiverOptions) {
    const log = options.logger.child({ component: "socket-mode" });
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: toSlackLogger(log),
      ...(options.apiUrl ? { clientOptions: { slackApiUrl: options.apiUrl } } : {}),
      ...(options.clientPingTimeoutMs ? { clientPingTimeout: options.clientPingTimeoutMs } : {}),
      ...(options.serverPingTimeoutMs ? { serverPingTimeout: options.serverPingTimeoutMs } : {}),
    });
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
      event.ack().catch((error: unknown) => log.warn({ err: error }, "ack failed"));
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
    this.client.on("connected", () => this.setConnected(true));
    this.client.on("reconnecting", () => {
      log.warn("Socket Mode connection lost; reconnecting");
      this.setConnected(false);
    });
    this.client.on("disconnected", () => this.setConnected(false));
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Connects; resolves once Slack has said hello. Retries with backoff while Slack is unreachable. */
  async start(): Promise<void> {
    let delay = 500;
    for (;;) {
      try {
        await this.client.start();
        return;
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error;
        if (this.stopped) return;
        if (code === "invalid_auth" || code === "not_authed" || code === "not_allowed_token_type" || code === "account_inactive") {
          throw new BotyardError(ErrorCodes.HOST_START, `Slack refused the app-level token (${code}).`, {
            hint: "slack.appToken must be an app-level token (xapp-...) with the connections:write scope.",
            cause: error,
          });
        }
        this.options.logger.warn({ err: error, retryInMs: delay }, "cannot open a Socket Mode connection yet; retrying");
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** Stops acking while paused (see the `slack_event` handler). */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.disconnect().catch(() => {});
    this.setConnected(false);
  }

  private setConnected(connected: boolean): void {
    if (connected === this.isConnected) return;
    this.isConnected = connected;
    this.options.logger.info({ connected }, connected ? "Socket Mode connected" : "Socket Mode disconnected");
    this.options.onStateChange?.(connected);
  }
}
