import type { Server } from "node:http";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, MemoryStore, createLogger, createSlackClient } from "@botyard/core";
import { HttpIntake } from "./http-intake.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// A plugin beside bots.yaml that records every request its handler sees.
const recorder = `
import { definePlugin, Type } from "@botyard/core";
export const seen = [];
export default definePlugin({
  name: "recorder", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async (ctx) => { seen.push(ctx.event.body); return { status: 201, body: { got: ctx.event.body } }; });
    bot.webhook("/boom", async () => { throw new Error("handler exploded"); });
    bot.webhook("/query", async (ctx) => ({ status: 200, body: { query: ctx.event.query, inherits: Object.getPrototypeOf(ctx.event.query) === Object.prototype } }));
    bot.webhook("/bad-answer", async () => ({ status: 200, headers: { "x-first": "kept?", "x-bad": "a\\nb" }, body: { ok: true } }));
  },
});
`;

describe("HTTP server", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost("bots:\n  - id: rec\n    use: botyard-plugin-recorder\n", {
      setup: (project) => project.plugin("botyard-plugin-recorder", recorder),
    });
  });
  afterAll(() => h.close());

  const post = (path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${h.url}${path}`, { method: "POST", headers, body, ...(typeof body === "string" ? {} : { duplex: "half" }) } as RequestInit);
  // What the recorder's handler has seen so far (the plugin module the host imported).
  const seen = async () => ((await import(`${h.project.dir}/node_modules/botyard-plugin-recorder/index.js`)) as { seen: unknown[] }).seen.length;
  /** Sends a request that must be refused before the handler, and checks the handler saw nothing. */
  const refused = async (send: () => Promise<Response>): Promise<Response> => {
    const before = await seen();
    const res = await send();
    expect(await seen()).toBe(before);
    return res;
  };

  it("passes a JSON webhook to its handler and returns the handler's answer", async () => {
    const before = await seen();
    const res = await post("/hooks/rec", JSON.stringify({ n: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: { n: 1 } });
    // The check every refusal below relies on: a request the handler does see is counted.
    expect(await seen()).toBe(before + 1);
  });

  it("answers 400 to malformed JSON without calling the handler", async () => {
    const res = await refused(() => post("/hooks/rec", "{not json"));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: "invalid_body" });
  });

  it("answers 413 to a body over the limit", async () => {
    const res = await refused(() => post("/hooks/rec", JSON.stringify({ big: "x".repeat(2_000) })));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "body_too_large", limitBytes: 1024 });
  });

  it("answers 413 to a chunked body that grows over the limit, with no content-length to go by", async () => {
    const chunk = new TextEncoder().encode(`"${"x".repeat(298)}",`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode("["));
        if (sent++ < 5) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('""]'));
          controller.close();
        }
      },
    });
    const res = await refused(() => post("/hooks/rec", body));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "body_too_large", limitBytes: 1024 });
  });

  it("answers 404 to an unknown bot or path, 405 to other methods", async () => {
    expect((await refused(() => post("/hooks/nobody", "{}"))).status).toBe(404);
    expect((await refused(() => post("/hooks/rec/elsewhere", "{}"))).status).toBe(404);
    expect((await refused(() => post("/nothing-here", "{}"))).status).toBe(404);
    expect((await refused(() => fetch(`${h.url}/hooks/rec`))).status).toBe(405);
  });

  it("hands the handler a query of its own fields, and refuses a __proto__ parameter", async () => {
    const res = await post("/hooks/rec/query?constructor=x&toString=y&a=1&a=2", "{}");
    expect(await res.json()).toEqual({ query: { constructor: "x", toString: "y", a: ["1", "2"] }, inherits: true });
    const refusedQuery = await refused(() => post("/hooks/rec?__proto__=x", "{}"));
    expect(refusedQuery.status).toBe(400);
    expect(await refusedQuery.json()).toEqual({ ok: false, error: "invalid_request", message: 'a "__proto__" query parameter is not allowed' });
  });

  it("answers 400 to JSON nested too deep or carrying __proto__, before the handler", async () => {
    const deep = await refused(() => post("/hooks/rec", `${"[".repeat(200)}${"]".repeat(200)}`));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({ ok: false, error: "invalid_body", message: "JSON nested more than 128 levels deep" });
    expect((await refused(() => post("/hooks/rec", '{"__proto__":{"admin":true}}'))).status).toBe(400);
  });

  it("logs no error and calls no handler when a client leaves in the middle of its body", async () => {
    const before = await seen();
    const errorsBefore = h.raw.filter((l) => l.includes('"level":50')).length;
    const socket = connect(Number(new URL(h.url).port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write('POST /hooks/rec HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"n":');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    // The next request is served once the server has seen the first one go.
    expect((await post("/hooks/rec", "{}")).status).toBe(201);
    expect(await seen()).toBe(before + 1);
    expect(h.raw.filter((l) => l.includes('"level":50')).length).toBe(errorsBefore);
  });

  it("answers a handler's answer that cannot be sent with a 500 that carries none of it", async () => {
    const res = await post("/hooks/rec/bad-answer", "{}");
    expect(res.status).toBe(500);
    expect(res.headers.get("x-first")).toBeNull();
    expect(await res.json()).toEqual({ ok: false, error: "internal_error" });
  });

  it("answers 500 when the handler throws, and the host keeps serving", async () => {
    const res = await post("/hooks/rec/boom", "{}");
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ ok: false, error: "handler_failed" });
    expect(h.raw.some((l) => l.includes("handler exploded") && l.includes('"bot":"rec"'))).toBe(true);
    expect((await post("/hooks/rec", "{}")).status).toBe(201);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe("HTTP server, once listening", () => {
  it("keeps serving after a connection it could not accept (EMFILE), and logs it", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const engine = new Engine({ slack: createSlackClient({ token: "xoxb-unused", logger: log }), store: new MemoryStore(), logger: log });
    const http = new HttpIntake({ engine, log, host: "127.0.0.1", port: 0, readiness: () => ({ ready: true }) });
    const { port } = await http.start();
    try {
      // What libuv reports when accept() fails for want of file descriptors.
      const server = (http as unknown as { servers: Server[] }).servers[0]!;
      server.emit("error", Object.assign(new Error("accept EMFILE"), { code: "EMFILE" }));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(lines.some((l) => l.includes("could not accept a connection") && l.includes("EMFILE"))).toBe(true);
    } finally {
      await http.close();
    }
  });
});
