import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCodes, type DeadLetters, type DeadLetterView, type Logger, type StoreBackend } from "@botyard/core";
import type { ReloadReport } from "../reload/reload-config.js";
import { checkAdminRequest } from "./admin-auth.js";
import { backupRoute } from "./backup-route.js";

export interface AdminEndpointOptions {
  host: string;
  port: number;
  token: string;
  log: Logger;
  deadLetters: DeadLetters;
  reload: () => Promise<ReloadReport>;
  /** The host's store, for `POST /admin/backup` (its optional `backup`). */
  store: Pick<StoreBackend, "kind" | "backup">;
  /** Takes secrets out of every answer, as from log lines. */
  scrub: (text: string) => string;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Bodies of admin requests are a few fields: anything larger is not one. */
const MAX_BODY_BYTES = 16_384;
const PREFIX = "/admin/deadletters";

/**
 * The admin endpoint: its own listener (loopback by default), every request authenticated (see
 * `checkAdminRequest`). What `botyard deadletters`, `botyard reload` and `botyard backup` call:
 *
 * - `GET /admin/deadletters[?bot=ID]`: the letters (without payloads), oldest failure first
 * - `GET /admin/deadletters/<id>`: one letter, payload included
 * - `POST /admin/deadletters/<id>/replay`, `DELETE /admin/deadletters/<id>`
 * - `POST /admin/deadletters/replay` and `/drop` with `{"bot": "ID"}` or `{"all": true}`
 * - `POST /admin/reload`: re-reads bots.yaml (200 applied, 422 refused, 500 failed)
 * - `POST /admin/backup` with `{"to": "/abs/file.db", "overwrite"?: true}`: an online copy of the
 *   store (see `backupRoute`)
 *
 * Ids are `<queue>/<job id>` and hold slashes: in a path they are one percent-encoded segment.
 */
export class AdminEndpoint {
  private server: Server | undefined;

  constructor(private readonly options: AdminEndpointOptions) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req)
        .catch((error: unknown): Answer => {
          this.options.log.error({ err: error, path: req.url }, "admin request failed");
          return { status: 500, body: { ok: false, error: "internal_error", message: (error as Error)?.message ?? String(error) } };
        })
        .then((answer) => this.send(res, answer));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => this.options.log.error({ err: error }, "admin endpoint could not accept a connection"));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    const refusal = checkAdminRequest(req.headers, this.options.token);
    if (refusal) {
      req.resume();
      this.options.log.warn({ status: refusal.status, code: refusal.code, path: req.url?.split("?")[0] }, "admin request refused");
      return {
        status: refusal.status,
        body: { ok: false, error: refusal.status === 401 ? "unauthorized" : "forbidden", code: refusal.code, message: refusal.message },
        ...(refusal.status === 401 ? { headers: { "www-authenticate": 'Bearer realm="botyard-admin"' } } : {}),
      };
    }
    const url = new URL(req.url ?? "/", "http://admin");
    const method = req.method ?? "GET";
    const letters = this.options.deadLetters;
    if (url.pathname === "/admin/reload") {
      if (method !== "POST") return notAllowed("POST");
      const report = await this.options.reload();
      this.options.log.info({ outcome: report.outcome }, "reload requested through the admin endpoint");
      return { status: report.outcome === "applied" ? 200 : report.outcome === "refused" ? 422 : 500, body: { ok: report.outcome === "applied", ...report, ...(report.outcome === "refused" ? { code: ErrorCodes.RELOAD_REFUSED } : {}) } };
    }
    if (url.pathname === "/admin/backup") {
      if (method !== "POST") return notAllowed("POST");
      return backupRoute(await readJson(req), this.options.store, this.options.log);
    }
    if (url.pathname === PREFIX || url.pathname === `${PREFIX}/`) {
      if (method !== "GET") return notAllowed("GET");
      const bot = url.searchParams.get("bot") ?? undefined;
      const list = await letters.list(bot === undefined ? {} : { bot });
      return { status: 200, body: { ok: true, letters: list.map(summary) } };
    }
    if (!url.pathname.startsWith(`${PREFIX}/`)) return { status: 404, body: { ok: false, error: "not_found" } };
    const segments = url.pathname.slice(PREFIX.length + 1).split("/");
    if (segments.length === 1 && (segments[0] === "replay" || segments[0] === "drop")) {
      if (method !== "POST") return notAllowed("POST");
      const body = await readJson(req);
      const bot = typeof body?.bot === "string" ? body.bot : undefined;
      if (bot === undefined && body?.all !== true) return { status: 400, body: { ok: false, error: "invalid_request", message: 'Give {"bot": "<bot id>"} or {"all": true}.' } };
      const chosen = await letters.list(bot === undefined ? {} : { bot });
      if (segments[0] === "drop") {
        const dropped: string[] = [];
        for (const letter of chosen) if (await letters.drop(letter.id)) dropped.push(letter.id);
        this.options.log.info({ dropped: dropped.length, ...(bot ? { bot } : {}) }, "dead letters dropped through the admin endpoint");
        return { status: 200, body: { ok: true, dropped } };
      }
      const replayed = [];
      for (const letter of chosen) {
        const result = await letters.replay(letter.id);
        if (result) replayed.push(result);
      }
      this.options.log.info({ replayed: replayed.length, ...(bot ? { bot } : {}) }, "dead letters replayed through the admin endpoint");
      return { status: 200, body: { ok: true, replayed } };
    }
    const id = decode(segments[0] ?? "");
    if (id === undefined || id === "" || segments.length > 2 || (segments.length === 2 && segments[1] !== "replay")) return { status: 404, body: { ok: false, error: "not_found" } };
    const missing: Answer = { status: 404, body: { ok: false, error: "dead_letter_not_found", code: ErrorCodes.DEAD_LETTER_NOT_FOUND, message: `No dead letter "${id}": it was replayed or dropped already, or is past its TTL. botyard deadletters list shows the letters there are.` } };
    if (segments.length === 2) {
      if (method !== "POST") return notAllowed("POST");
      const result = await letters.replay(id);
      if (result) this.options.log.info({ id, job: result.job, duplicate: result.duplicate }, "dead letter replayed through the admin endpoint");
      return result ? { status: 200, body: { ok: true, replayed: [result] } } : missing;
    }
    if (method === "GET") {
      const letter = await letters.get(id);
      return letter ? { status: 200, body: { ok: true, letter } } : missing;
    }
    if (method === "DELETE") {
      const dropped = await letters.drop(id);
      if (dropped) this.options.log.info({ id }, "dead letter dropped through the admin endpoint");
      return dropped ? { status: 200, body: { ok: true, dropped: [id] } } : missing;
    }
    return notAllowed("GET, DELETE");
  }

  private send(res: ServerResponse, answer: Answer): void {
    if (res.destroyed) return;
    const payload = this.options.scrub(JSON.stringify(answer.body));
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload), "cache-control": "no-store", ...answer.headers });
    res.end(payload);
  }
}

/** A letter as listed: everything but its payload, whose size is given instead. */
function summary(letter: DeadLetterView): Omit<DeadLetterView, "payload"> & { payloadBytes: number } {
  const { payload, ...rest } = letter;
  return { ...rest, payloadBytes: Buffer.byteLength(JSON.stringify(payload) ?? "") };
}

function notAllowed(allow: string): Answer {
  return { status: 405, headers: { allow }, body: { ok: false, error: "method_not_allowed" } };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
