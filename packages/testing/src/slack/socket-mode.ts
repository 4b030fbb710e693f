import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
// Timers from node:timers, not the globals: tests that install fake timers must not freeze the
// emulator's ack deadlines and pings (the emulator is "the network", not code under test).
import { clearInterval, clearTimeout, setInterval, setTimeout } from "node:timers";
import { WebSocket, WebSocketServer } from "ws";

/** One Socket Mode envelope the emulator sent (or queued), with its acknowledgement state. */
export interface SocketModeEnvelope {
  envelopeId: string;
  type: "events_api" | "slash_commands" | "interactive";
  payload: Record<string, unknown>;
  acceptsResponsePayload: boolean;
  /** 0 for a first delivery; events_api redeliveries count up. */
  retryAttempt: number;
  /** `""` on a first delivery, `"timeout"` when redelivered for lack of an ack. */
  retryReason: string;
  /** The Events API `event_id` (the same on every redelivery): the dedupe key. */
  eventId?: string;
  /** `queued` while no connection is open; `timed_out` once the ack deadline passed unacked. */
  state: "queued" | "sent" | "acked" | "timed_out";
  connectionId?: string;
  /** Epoch milliseconds with sub-millisecond precision (ack latency is measured from these). */
  sentAt?: number;
  ackedAt?: number;
  /** What the app put in its ack (`{}` when it acked without a payload). */
  ackPayload?: Record<string, unknown>;
}

export interface SocketModeServerOptions {
  appId: string;
  /** How long an envelope may stay unacknowledged (Slack: 3 s). */
  ackTimeoutMs: number;
  /** How many times an unacknowledged events_api envelope is redelivered (Slack: 3). */
  maxRetries: number;
  /** Server pings; 0 disables them. */
  pingIntervalMs: number;
  /** Called with every envelope queued for delivery (conformance checks of the payload). */
  onSend?: (type: SocketModeEnvelope["type"], payload: Record<string, unknown>) => void;
  /** Called once when the server is attached (loads what `onSend` needs). */
  prepare?: () => void;
}

interface Connection {
  id: string;
  ws: WebSocket;
  openedAt: number;
  pingTimer?: NodeJS.Timeout;
  /** Set once the link went half-open (see `halfOpen`). */
  halfOpen?: { stillSending: boolean };
}

/** How `halfOpen` breaks the link. */
export interface HalfOpenOptions {
  /**
   * Keep the Slack-to-app direction working: pings and envelopes still reach the app, but nothing
   * it sends back (acks, pongs) reaches Slack, so every envelope it handles is redelivered.
   * Default `false`: both directions are dead.
   */
  stillSending?: boolean;
  /** When Slack notices the dead peer and closes its end (default: two ping intervals, or the ack timeout without pings). */
  closeAfterMs?: number;
}

const PATH = "/link/";
const HOST = "applink-botyard-emulator";

/**
 * The WebSocket half of Slack: `apps.connections.open` tickets, the `hello` handshake, envelopes
 * spread round robin over open connections, ack deadlines with Events API redelivery, and
 * `disconnect` requests. It rides on the emulator's HTTP server through `upgrade`.
 */
export class SocketModeServer {
  readonly envelopes: SocketModeEnvelope[] = [];
  // Indexes over `envelopes`, so that acks and sends cost the same with 100,000 envelopes as with 10.
  private readonly byId = new Map<string, SocketModeEnvelope>();
  private queued: SocketModeEnvelope[] = [];
  private readonly connections = new Map<string, Connection>();
  private readonly tickets = new Set<string>();
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<() => void>();
  private connectionCount = 0;
  private nextConnection = 0;
  private server: Server | undefined;
  private closed = false;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);

  constructor(private readonly options: SocketModeServerOptions) {}

  attach(server: Server): void {
    this.options.prepare?.();
    this.server = server;
    server.on("upgrade", this.onUpgrade);
  }

  /** A single-use WebSocket URL, as `apps.connections.open` returns. */
  issueUrl(baseUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${baseUrl.replace(/^http/, "ws")}${PATH}?ticket=${ticket}&app_id=${this.options.appId}`;
  }

  /** Open connections that completed the `hello` handshake and whose link still works (not half-open). */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.ws.readyState === WebSocket.OPEN && !c.halfOpen) n++;
    return n;
  }

  /** Called on every connection, envelope and ack change (drives `waitFor`). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queue an envelope and send it on the next connection in turn (or when one opens). */
  send(
    type: SocketModeEnvelope["type"],
    payload: Record<string, unknown>,
    extra: { eventId?: string; retryAttempt?: number; retryReason?: string } = {},
  ): SocketModeEnvelope {
    this.options.onSend?.(type, payload);
    const envelope: SocketModeEnvelope = {
      envelopeId: randomUUID(),
      type,
      payload,
      acceptsResponsePayload: type === "slash_commands",
      retryAttempt: extra.retryAttempt ?? 0,
      retryReason: extra.retryReason ?? (extra.retryAttempt ? "timeout" : ""),
      state: "queued",
      ...(extra.eventId ? { eventId: extra.eventId } : {}),
    };
    this.envelopes.push(envelope);
    this.byId.set(envelope.envelopeId, envelope);
    this.queued.push(envelope);
    this.flush();
    this.changed();
    return envelope;
  }

  /** Resolve once the envelope is acked; reject when its deadline passes first. */
  waitForAck(envelope: SocketModeEnvelope, describe: string): Promise<SocketModeEnvelope> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (envelope.state === "acked") {
          stop();
          resolve(envelope);
        } else if (envelope.state === "timed_out" || this.closed) {
          stop();
          reject(
            new Error(
              `${describe} was not acknowledged within ${this.options.ackTimeoutMs} ms, so Slack would show the user ` +
                `"operation_timeout" (envelope ${envelope.envelopeId}, ${this.openConnections} open Socket Mode connection(s))`,
            ),
          );
        }
      };
      const stop = this.onChange(check);
      check();
    });
  }

  /**
   * Send Slack's `disconnect` message with `reason` on every connection: `refresh_requested` (Slack
   * recycles the server: the connection closes right after), `warning` (a heads-up ~10 s before a
   * refresh: the connection stays open), `link_disabled` (Socket Mode was turned off for the app:
   * the connection closes and reconnecting cannot help) or any other reason (it closes).
   */
  disconnectAll(reason = "refresh_requested"): void {
    for (const connection of this.connections.values()) {
      if (connection.ws.readyState !== WebSocket.OPEN || (connection.halfOpen && !connection.halfOpen.stillSending)) continue;
      connection.ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: HOST } }));
      // "warning" is only a heads-up; the real close follows later with "refresh_requested".
      if (reason !== "warning") connection.ws.close(1000, reason);
    }
  }

  /** Cut every connection without a close frame (a network failure). */
  dropAll(): void {
    for (const connection of this.connections.values()) connection.ws.terminate();
  }

  /**
   * Make every open connection half-open, as a NAT or proxy that silently drops a flow does: no side
   * closes anything, the link just stops carrying. Nothing the app sends reaches Slack any more (acks,
   * pongs, close frames); unless `stillSending`, nothing Slack sends reaches the app either (no pings,
   * and envelopes Slack routes to the connection are lost on the wire, then redelivered once their ack
   * deadline passes, as Slack does). Slack still routes envelopes to the connection until it notices
   * the dead peer and closes its end, `closeAfterMs` later. Returns how many connections went half-open.
   */
  halfOpen(options: HalfOpenOptions = {}): number {
    const closeAfterMs = options.closeAfterMs ?? 2 * (this.options.pingIntervalMs || this.options.ackTimeoutMs);
    let count = 0;
    for (const connection of this.connections.values()) {
      if (connection.ws.readyState !== WebSocket.OPEN || connection.halfOpen) continue;
      connection.halfOpen = { stillSending: options.stillSending ?? false };
      // Not reading the socket is what loses the app's frames: ws answers pings and closes as it reads.
      connection.ws.pause();
      if (!connection.halfOpen.stillSending) {
        clearInterval(connection.pingTimer);
        connection.pingTimer = undefined;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        connection.ws.terminate();
      }, closeAfterMs);
      this.timers.add(timer);
      count++;
    }
    this.changed();
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const connection of this.connections.values()) {
      clearInterval(connection.pingTimer);
      connection.ws.terminate();
    }
    this.connections.clear();
    this.server?.off("upgrade", this.onUpgrade);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.changed();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (this.closed || (url.pathname !== PATH && url.pathname !== "/link") || !this.tickets.delete(ticket)) {
      // Tickets are single use: a client must call apps.connections.open again for every connection.
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const connection: Connection = { id: `conn-${++this.connectionCount}`, ws, openedAt: Date.now() };
    this.connections.set(connection.id, connection);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on("close", () => {
      clearInterval(connection.pingTimer);
      this.connections.delete(connection.id);
      this.changed();
    });
    ws.on("error", () => ws.terminate());
    if (this.options.pingIntervalMs > 0) {
      connection.pingTimer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.ping(Buffer.from(`ping ${Date.now()}`));
      }, this.options.pingIntervalMs);
    }
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.openConnections,
        debug_info: { host: HOST, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    this.flush();
    this.changed();
  }

  private onMessage(raw: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return; // Slack ignores what it cannot parse; so does the emulator.
    }
    if (typeof message.envelope_id !== "string") return;
    const envelope = this.byId.get(message.envelope_id);
    if (!envelope || envelope.state === "acked") return;
    envelope.state = "acked";
    envelope.ackedAt = preciseNow();
    envelope.ackPayload = isObject(message.payload) ? message.payload : {};
    this.changed();
  }

  private flush(): void {
    let sent = 0;
    for (const envelope of this.queued) {
      if (envelope.state !== "queued") {
        sent++;
        continue;
      }
      const connection = this.pickConnection();
      if (!connection) break;
      this.transmit(envelope, connection);
      sent++;
    }
    if (sent > 0) this.queued = this.queued.slice(sent);
  }

  private pickConnection(): Connection | undefined {
    const open = [...this.connections.values()].filter((c) => c.ws.readyState === WebSocket.OPEN);
    if (open.length === 0) return undefined;
    return open[this.nextConnection++ % open.length];
  }

  private transmit(envelope: SocketModeEnvelope, connection: Connection): void {
    const wire: Record<string, unknown> = {
      envelope_id: envelope.envelopeId,
      payload: envelope.payload,
      type: envelope.type,
      accepts_response_payload: envelope.acceptsResponsePayload,
    };
    if (envelope.type === "events_api") {
      wire.retry_attempt = envelope.retryAttempt;
      wire.retry_reason = envelope.retryReason;
    }
    // On a dead link the envelope is lost on the wire; Slack only learns it from the missing ack.
    if (!connection.halfOpen || connection.halfOpen.stillSending) connection.ws.send(JSON.stringify(wire));
    envelope.state = "sent";
    envelope.sentAt = preciseNow();
    envelope.connectionId = connection.id;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.expire(envelope);
    }, this.options.ackTimeoutMs);
    this.timers.add(timer);
  }

  private expire(envelope: SocketModeEnvelope): void {
    if (envelope.state !== "sent") return;
    envelope.state = "timed_out";
    // Only Events API deliveries are retried; an unanswered slash command or click just fails for the user.
    if (envelope.type === "events_api" && envelope.retryAttempt < this.options.maxRetries) {
      this.send("events_api", envelope.payload, {
        ...(envelope.eventId ? { eventId: envelope.eventId } : {}),
        retryAttempt: envelope.retryAttempt + 1,
        retryReason: "timeout",
      });
    }
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Epoch milliseconds with the sub-millisecond precision of the monotonic clock.
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
