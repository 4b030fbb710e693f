import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConformanceChecker } from "../conformance/exchange.js";

/** One request an emulator received, as tests see it. */
export interface RecordedCall {
  /** Operation name: a Slack method (`chat.postMessage`) or an HTTP route (`GET /oncalls`). */
  operation: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed request body (JSON or form fields), `undefined` when there was none. */
  body: unknown;
  status: number;
  response: unknown;
  at: number;
}

/** A scripted failure: the next `times` calls to `operation` get this answer instead of the real one. */
export interface Fault {
  operation: string;
  times?: number;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Close the socket without answering (a dropped connection). */
  drop?: boolean;
}

/** What an emulator's route handler gets. */
export interface EmulatorRequest {
  method: string;
  path: string;
  url: URL;
  query: Record<string, string | string[]>;
  headers: IncomingMessage["headers"];
  rawBody: string;
  body: unknown;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Resolves a request to an operation name and its handler; `undefined` means 404. */
export type Router = (req: EmulatorRequest) =>
  | { operation: string; handle: () => EmulatorResponse | Promise<EmulatorResponse> }
  | undefined;

/**
 * The HTTP plumbing every emulator shares: a server on 127.0.0.1 with an ephemeral port, body
 * parsing (JSON and form-urlencoded, as the real clients send), a record of every call, scripted
 * faults and latency. Each emulator only supplies its router.
 */
export class HttpEmulator {
  readonly calls: RecordedCall[] = [];
  private readonly faults: Fault[] = [];
  private readonly latency = new Map<string, number>();
  private server: Server | undefined;
  private readonly listeners = new Set<(call: RecordedCall) => void>();
  private baseUrl = "";

  constructor(
    readonly name: string,
    private readonly router: Router,
    /** In conformance mode: checks every request and answer against the provider's API description. */
    private readonly conformance?: ConformanceChecker,
  ) {}

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name} emulator is not listening; await start() first`);
    return this.baseUrl;
  }

  /** The underlying server, for emulators that also accept WebSocket upgrades. */
  get httpServer(): Server {
    if (!this.server) throw new Error(`${this.name} emulator is not listening; await start() first`);
    return this.server;
  }

  async start(port = 0): Promise<string> {
    this.conformance?.prepare?.();
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 1_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const { port: actual } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${actual}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answer the next `times` (default 1) calls to `operation` with this fault instead. */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Forgets every fault injected and not used up yet: the service is healthy again. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Delay every answer to `operation` (`*` for all) by `ms`. */
  setLatency(operation: string, ms: number): void {
    if (ms <= 0) this.latency.delete(operation);
    else this.latency.set(operation, ms);
  }

  /** Calls to one operation, in order. */
  callsTo(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  onCall(listener: (call: RecordedCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  private takeFault(operation: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.operation === operation || f.operation === "*");
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(i, 1);
    return fault;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) addField(query, k, v);
    const request: EmulatorRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      url,
      query,
      headers: req.headers,
      rawBody,
      body: parseBody(req.headers["content-type"], rawBody),
    };

    const route = this.router(request);
    const operation = route?.operation ?? `${request.method} ${request.path}`;
    const delay = this.latency.get(operation) ?? this.latency.get("*") ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    let answer: EmulatorResponse;
    const fault = this.takeFault(operation);
    if (fault?.drop) {
      this.record(request, operation, 0, undefined);
      this.conformance?.check({ operation, request, status: 0, body: undefined, headers: {}, injected: true });
      req.socket.destroy();
      return;
    }
    if (fault) answer = { status: fault.status, body: fault.body, headers: fault.headers };
    else if (!route) answer = { status: 404, body: { message: "Not Found" } };
    else {
      try {
        answer = await route.handle();
      } catch (error) {
        answer = { status: 500, body: { message: `${this.name} emulator error: ${(error as Error).message}` } };
        this.conformance?.crashed?.(operation, error as Error);
      }
    }

    this.record(request, operation, answer.status, answer.body);
    this.conformance?.check({
      operation,
      request,
      status: answer.status,
      body: answer.body,
      headers: lowerCaseHeaders(answer.headers),
      injected: fault !== undefined,
    });
    const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload ? { "content-type": "application/json; charset=utf-8" } : {}),
      ...answer.headers,
    });
    res.end(payload);
  }

  private record(req: EmulatorRequest, operation: string, status: number, response: unknown): void {
    const call: RecordedCall = {
      operation,
      method: req.method,
      path: req.path,
      query: req.query,
      headers: req.headers,
      body: req.body,
      status,
      response,
      at: Date.now(),
    };
    this.calls.push(call);
    for (const listener of this.listeners) listener(call);
  }
}

function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function addField(target: Record<string, string | string[]>, key: string, value: string): void {
  const prev = target[key];
  if (prev === undefined) target[key] = value;
  else target[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
}

function parseBody(contentType: string | undefined, raw: string): unknown {
  if (!raw) return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    const fields: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(raw)) addField(fields, k, v);
    return fields;
  }
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
