import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { parseWebhookBody, type Engine, type Logger, type WebhookResponse } from "@botyard/core";
import { HttpLimitDefaults, type HttpConfigValue } from "../config/config-schema.js";

/** The HTTP server's limits (see `http:` in bots.yaml); a missing one takes its default. */
export type HttpLimits = Required<Pick<HttpConfigValue, keyof typeof HttpLimitDefaults>>;

/**
 * Why the HTTP server refused a request before any handler ran: the `reason` label of
 * `botyard_http_refused_total`. A fixed set, so the metric's series stay bounded.
 */
export const REFUSAL_REASONS = [
  "not_found",
  "method_not_allowed",
  "invalid_request",
  "invalid_body",
  "body_too_large",
  "headers_too_large",
  "timeout",
  "too_many_connections",
  "too_many_requests",
  "bot_busy",
  "unavailable",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Readiness {
  ready: boolean;
  [detail: string]: unknown;
}

export interface HttpIntakeOptions {
  engine: Engine;
  log: Logger;
  host: string;
  port: number;
  limits?: Partial<HttpLimits>;
  /** Told of every request refused before a handler ran (metrics). */
  onRefused?: (reason: RefusalReason) => void;
  /** Serve health and metrics on a separate port, away from public webhooks. */
  adminPort?: number;
  readiness: () => Readiness | Promise<Readiness>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** What every bot is doing, for `botyard list` (served on the admin side only). */
  status?: () => unknown | Promise<unknown>;
}

/** The request target split once: path and raw query (parsed only by handlers that need it). */
interface Target {
  pathname: string;
  search: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, target: Target) => Promise<void>;

/**
 * Webhooks at `POST /hooks/<bot id>[/<path>]`, plus `/healthz`, `/readyz` and `/metrics`. Requests
 * that cannot reach a handler are answered here, before any bot code runs: unknown hook 404,
 * malformed HTTP, JSON or query 400, oversized body 413, oversized headers 431, too slow 408, too
 * many webhooks in flight 503 and, for one bot, 429 (the other bots keep being served); each is
 * counted by reason (`onRefused`).
 */
export class HttpIntake {
  private servers: Server[] = [];
  private refusal: string | undefined;
  private readonly limits: HttpLimits;
  private inFlight = 0;
  private readonly inFlightByBot = new Map<string, number>();
  // When each overload reason was last logged, and how many refusals since: one warning per
  // reason and bot every 10 s, not one per refused request.
  private readonly overloadLog = new Map<string, { at: number; since: number }>();

  constructor(private readonly options: HttpIntakeOptions) {
    const given = Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, v]) => v !== undefined));
    this.limits = { ...HttpLimitDefaults, ...given };
  }

  /** Starts listening; resolves with the public and admin ports actually bound. */
  async start(): Promise<{ port: number; adminPort?: number }> {
    const { adminPort } = this.options;
    const publicServer = await this.listen(this.options.port, adminPort === undefined ? this.all() : this.hooksOnly());
    const result: { port: number; adminPort?: number } = { port: (publicServer.address() as AddressInfo).port };
    if (adminPort !== undefined) {
      const admin = await this.listen(adminPort, this.adminOnly());
      result.adminPort = (admin.address() as AddressInfo).port;
    }
    return result;
  }

  /** While not accepting, webhooks get 503 with `reason` (health endpoints keep answering). */
  setAccepting(accepting: boolean, reason = "unavailable"): void {
    this.refusal = accepting ? undefined : reason;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    );
    this.servers = [];
  }

  private async listen(port: number, handler: Handler): Promise<Server> {
    const { maxHeaderBytes, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = this.limits;
    const server = createServer(
      {
        noDelay: true,
        maxHeaderSize: maxHeaderBytes,
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // How often Node looks for requests past those timeouts (30 s by default, which would let
        // a slow client hold its connection for half a minute more than it is given).
        connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
      },
      (req, res) => {
        // A plain split rather than `new URL`: this runs for every webhook.
        const raw = req.url ?? "/";
        const q = raw.indexOf("?");
        const target: Target = q < 0 ? { pathname: raw, search: "" } : { pathname: raw.slice(0, q), search: raw.slice(q + 1) };
        handler(req, res, target).catch((error: unknown) => {
          this.options.log.error({ err: error, path: target.pathname }, "HTTP request failed");
          if (res.headersSent) return void res.destroy();
          // Whatever the failed answer had set (a handler's header) is not part of this one.
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          send(res, { status: 500, body: { ok: false, error: "internal_error" } });
        });
      },
    );
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.maxConnections = maxConnections;
    server.on("drop", () => this.overloaded("too_many_connections"));
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => this.clientError(error, socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    // Once listening, an error is one connection that could not be accepted (EMFILE when the
    // process is out of file descriptors): with no listener it would be thrown and end the host.
    server.on("error", (error) => this.options.log.error({ err: error, port }, "HTTP server could not accept a connection; still listening"));
    this.servers.push(server);
    return server;
  }

  /**
   * A request Node could not parse or that took too long, before or while it was read: answered
   * (when nothing was written on the connection yet) and the connection closed. Replaces Node's
   * own handler, which answers the same codes without counting them.
   */
  private clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    // The client has gone: there is no one to answer, and nothing was refused.
    if (error.code === "ECONNRESET" || error.code === "EPIPE" || !socket.writable) return void socket.destroy();
    const [status, reason]: [number, RefusalReason] =
      error.code === "HPE_HEADER_OVERFLOW" ? [431, "headers_too_large"] : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "timeout"] : [400, "invalid_request"];
    this.refused(reason);
    if ((socket as Socket).bytesWritten === 0) {
      const body = JSON.stringify({ ok: false, error: reason });
      socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    }
    socket.destroy();
  }

  private refused(reason: RefusalReason): void {
    this.options.onRefused?.(reason);
  }

  /** A refusal because of a limit: counted, and logged once per reason and bot every 10 s. */
  private overloaded(reason: RefusalReason, bot?: string): void {
    this.refused(reason);
    const key = bot === undefined ? reason : `${reason}\u0000${bot}`;
    const now = Date.now();
    const last = this.overloadLog.get(key);
    if (last && now - last.at < 10_000) return void last.since++;
    this.overloadLog.set(key, { at: now, since: 0 });
    const limit = reason === "bot_busy" ? this.limits.maxInFlightPerBot : reason === "too_many_requests" ? this.limits.maxInFlight : this.limits.maxConnections;
    this.options.log.warn(
      { reason, limit, ...(bot === undefined ? {} : { bot }), ...(last ? { refusedSinceLastWarning: last.since } : {}) },
      `HTTP limit reached (${reason}): refusing requests`,
    );
  }

  /** Sends a refusal and counts it. */
  private refuse(res: ServerResponse, reason: RefusalReason, answer: WebhookResponse): void {
    this.refused(reason);
    send(res, answer);
  }

  private all(): Handler {
    const hooks = this.hooksOnly();
    const admin = this.adminOnly();
    return (req, res, url) => (url.pathname.startsWith("/hooks/") ? hooks(req, res, url) : admin(req, res, url));
  }

  private adminOnly(): Handler {
    return async (req, res, url) => {
      const known =
        url.pathname === "/healthz" ||
        url.pathname === "/readyz" ||
        (url.pathname === "/metrics" && this.options.metrics) ||
        (url.pathname === "/status" && this.options.status);
      if (!known) return this.refuse(res, "not_found", { status: 404, body: { ok: false, error: "not_found" } });
      if (req.method !== "GET" && req.method !== "HEAD") return this.refuse(res, "method_not_allowed", { status: 405, headers: { allow: "GET" }, body: { ok: false, error: "method_not_allowed" } });
      switch (url.pathname) {
        case "/healthz":
          // Alive means the event loop answers; it does not depend on Slack or the store.
          return send(res, { status: 200, body: { ok: true } });
        case "/readyz": {
          const readiness = await this.options.readiness();
          return send(res, { status: readiness.ready ? 200 : 503, body: readiness });
        }
        case "/status":
          return send(res, { status: 200, body: { bots: await this.options.status!() } });
        case "/metrics": {
          if (!this.options.metrics) break;
          const { contentType, body } = await this.options.metrics();
          res.writeHead(200, { "content-type": contentType });
          res.end(body);
          return;
        }
      }
      this.refuse(res, "not_found", { status: 404, body: { ok: false, error: "not_found" } });
    };
  }

  private hooksOnly(): Handler {
    return async (req, res, url) => {
      // `/hooks/<bot id>[/<path>]`, split by hand rather than by a regex: this runs for every webhook.
      const { pathname } = url;
      const slash = pathname.indexOf("/", HOOKS.length);
      const rawId = slash < 0 ? pathname.slice(HOOKS.length) : pathname.slice(HOOKS.length, slash);
      if (!pathname.startsWith(HOOKS) || rawId.length === 0) return this.refuse(res, "not_found", { status: 404, body: { ok: false, error: "not_found" } });
      if (this.refusal) return this.refuse(res, "unavailable", { status: 503, headers: { "retry-after": "5" }, body: { ok: false, error: this.refusal } });
      const botId = rawId.includes("%") ? decodePathSegment(rawId) : rawId;
      if (botId === undefined) return this.refuse(res, "not_found", { status: 404, body: { ok: false, error: "not_found" } });
      const path = slash < 0 ? "/" : pathname.slice(slash);
      if (req.method !== "POST") return this.refuse(res, "method_not_allowed", { status: 405, headers: { allow: "POST" }, body: { ok: false, error: "method_not_allowed" } });
      const { engine } = this.options;
      if (!engine.hasWebhook(botId, path)) {
        req.resume();
        return this.refuse(res, "not_found", { status: 404, body: { ok: false, error: "unknown_hook", hint: `No bot "${botId}" webhook at ${path}.` } });
      }
      // Refused before the body is read, and the connection closed: its body is not wanted.
      if (this.inFlight >= this.limits.maxInFlight) {
        req.resume();
        this.overloaded("too_many_requests");
        return send(res, { status: 503, headers: { "retry-after": "1", connection: "close" }, body: { ok: false, error: "too_many_requests" } });
      }
      const busy = this.inFlightByBot.get(botId) ?? 0;
      if (busy >= this.limits.maxInFlightPerBot) {
        req.resume();
        this.overloaded("bot_busy", botId);
        return send(res, { status: 429, headers: { "retry-after": "1", connection: "close" }, body: { ok: false, error: "bot_busy" } });
      }
      // Held from here until the answer: reading the body counts, so a slow sender holds its slot.
      this.inFlight++;
      this.inFlightByBot.set(botId, busy + 1);
      try {
        await this.webhook(req, res, url, botId, path);
      } finally {
        this.inFlight--;
        const left = this.inFlightByBot.get(botId)! - 1;
        if (left === 0) this.inFlightByBot.delete(botId);
        else this.inFlightByBot.set(botId, left);
      }
    };
  }

  private async webhook(req: IncomingMessage, res: ServerResponse, url: Target, botId: string, path: string): Promise<void> {
    const { bodyLimitBytes } = this.limits;
    const raw = await readBody(req, bodyLimitBytes);
    // The client went away, or was timed out (and answered 408): nobody to answer.
    if (raw === ABORTED) return;
    if (raw === TOO_LARGE) return this.refuse(res, "body_too_large", { status: 413, headers: { connection: "close" }, body: { ok: false, error: "body_too_large", limitBytes: bodyLimitBytes } });
    const parsed = parseWebhookBody(req.headers["content-type"], raw);
    if (!parsed.ok) return this.refuse(res, "invalid_body", { status: 400, body: { ok: false, error: "invalid_body", message: parsed.message } });
    const query = url.search ? parseQuery(url.search) : {};
    if (!query) return this.refuse(res, "invalid_request", { status: 400, body: { ok: false, error: "invalid_request", message: 'a "__proto__" query parameter is not allowed' } });
    const answer = await this.options.engine.handleWebhook(botId, path, {
      method: "POST",
      headers: req.headers,
      query,
      rawBody: raw,
      body: parsed.body,
    });
    send(res, answer);
  }
}

const TOO_LARGE = Symbol("too large");
const ABORTED = Symbol("aborted");

/**
 * Reads the body up to `limit` bytes: `TOO_LARGE` as soon as it is larger (the rest is not
 * buffered), `ABORTED` when the client goes away or is timed out before the end.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE | typeof ABORTED> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  // Plain stream events: an async iterator over the request costs several times more per request.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? TOO_LARGE : chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(ABORTED));
    req.on("close", () => {
      if (!req.complete) resolve(ABORTED);
    });
  });
}

/** The query's parameters (repeated ones as arrays); undefined when one is `__proto__`. */
function parseQuery(search: string): Record<string, string | string[]> | undefined {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (k === "__proto__") return undefined;
    // Own properties only: `constructor` or `toString` must not find Object's.
    const prev = Object.hasOwn(query, k) ? query[k] : undefined;
    if (prev === undefined) query[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else query[k] = [prev, v];
  }
  return query;
}

const HOOKS = "/hooks/";

/** A percent-encoded bot id, decoded; undefined when the encoding is malformed. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

function send(res: ServerResponse, answer: WebhookResponse): void {
  // The connection is gone (the client left, or was timed out and answered): nothing to send.
  if (res.destroyed) return;
  const payload = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  // An explicit length: without it Node answers with chunked encoding, which costs the sender and
  // every client an extra write per response.
  res.statusCode = answer.status;
  if (payload) res.setHeader("content-type", typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(payload));
  if (answer.headers) for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.end(payload);
}
