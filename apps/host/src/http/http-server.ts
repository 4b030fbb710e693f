import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseWebhookBody, type Engine, type Logger, type WebhookResponse } from "@botyard/core";

export interface Readiness {
  ready: boolean;
  [detail: string]: unknown;
}

export interface HttpServerOptions {
  engine: Engine;
  log: Logger;
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Serve health and metrics on a separate port, away from public webhooks. */
  adminPort?: number;
  readiness: () => Readiness | Promise<Readiness>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** What every bot is doing, for `botyard list` (served on the admin side only). */
  status?: () => unknown;
}

/** The request target split once: path and raw query (parsed only by handlers that need it). */
interface Target {
  pathname: string;
  search: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, target: Target) => Promise<void>;

/**
 * Webhooks at `POST /hooks/<bot id>[/<path>]`, plus `/healthz`, `/readyz` and `/metrics`. Requests
 * that cannot reach a handler (unknown hook 404, oversized 413, malformed JSON 400) are answered
 * here, before any bot code runs.
 */
export class HttpServer {
  private servers: Server[] = [];
  private refusal: string | undefined;

  constructor(private readonly options: HttpServerOptions) {}

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
    const server = createServer({ noDelay: true }, (req, res) => {
      // A plain split rather than `new URL`: this runs for every webhook.
      const raw = req.url ?? "/";
      const q = raw.indexOf("?");
      const target: Target = q < 0 ? { pathname: raw, search: "" } : { pathname: raw.slice(0, q), search: raw.slice(q + 1) };
      handler(req, res, target).catch((error: unknown) => {
        this.options.log.error({ err: error, path: target.pathname }, "HTTP request failed");
        if (!res.headersSent) send(res, { status: 500, body: { ok: false, error: "internal_error" } });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.options.host, () => resolve());
    });
    this.servers.push(server);
    return server;
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
      if (!known) return send(res, { status: 404, body: { ok: false, error: "not_found" } });
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, { status: 405, headers: { allow: "GET" }, body: { ok: false, error: "method_not_allowed" } });
      switch (url.pathname) {
        case "/healthz":
          // Alive means the event loop answers; it does not depend on Slack or the store.
          return send(res, { status: 200, body: { ok: true } });
        case "/readyz": {
          const readiness = await this.options.readiness();
          return send(res, { status: readiness.ready ? 200 : 503, body: readiness });
        }
        case "/status":
          return send(res, { status: 200, body: { bots: this.options.status!() } });
        case "/metrics": {
          if (!this.options.metrics) break;
          const { contentType, body } = await this.options.metrics();
          res.writeHead(200, { "content-type": contentType });
          res.end(body);
          return;
        }
      }
      send(res, { status: 404, body: { ok: false, error: "not_found" } });
    };
  }

  private hooksOnly(): Handler {
    return async (req, res, url) => {
      // `/hooks/<bot id>[/<path>]`, split by hand rather than by a regex: this runs for every webhook.
      const { pathname } = url;
      const slash = pathname.indexOf("/", HOOKS.length);
      const rawId = slash < 0 ? pathname.slice(HOOKS.length) : pathname.slice(HOOKS.length, slash);
      if (!pathname.startsWith(HOOKS) || rawId.length === 0) return send(res, { status: 404, body: { ok: false, error: "not_found" } });
      if (this.refusal) return send(res, { status: 503, headers: { "retry-after": "5" }, body: { ok: false, error: this.refusal } });
      const botId = rawId.includes("%") ? decodePathSegment(rawId) : rawId;
      if (botId === undefined) return send(res, { status: 404, body: { ok: false, error: "not_found" } });
      const path = slash < 0 ? "/" : pathname.slice(slash);
      if (req.method !== "POST") return send(res, { status: 405, headers: { allow: "POST" }, body: { ok: false, error: "method_not_allowed" } });
      if (!this.options.engine.hasWebhook(botId, path)) {
        req.resume();
        return send(res, { status: 404, body: { ok: false, error: "unknown_hook", hint: `No bot "${botId}" webhook at ${path}.` } });
      }
      const raw = await readBody(req, this.options.bodyLimitBytes);
      if (raw === undefined) {
        return send(res, { status: 413, headers: { connection: "close" }, body: { ok: false, error: "body_too_large", limitBytes: this.options.bodyLimitBytes } });
      }
      const parsed = parseWebhookBody(req.headers["content-type"], raw);
      if (!parsed.ok) return send(res, { status: 400, body: { ok: false, error: "invalid_body", message: parsed.message } });
      const query: Record<string, string | string[]> = {};
      if (url.search) {
        for (const [k, v] of new URLSearchParams(url.search)) {
          const prev = query[k];
          query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
      }
      const answer = await this.options.engine.handleWebhook(botId, path, {
        method: req.method,
        headers: req.headers,
        query,
        rawBody: raw,
        body: parsed.body,
      });
      send(res, answer);
    };
  }
}

/** Reads the body up to `limit` bytes; `undefined` when it is larger (the rest is not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  // Plain stream events: an async iterator over the request costs several times more per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? undefined : chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
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

function send(res: ServerResponse, answer: WebhookResponse): void {
  const payload = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  // An explicit length: without it Node answers with chunked encoding, which costs the sender and
  // every client an extra write per response.
  res.statusCode = answer.status;
  if (payload) res.setHeader("content-type", typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(payload));
  if (answer.headers) for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.end(payload);
}
