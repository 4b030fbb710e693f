import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// Properties of a real host's HTTP endpoints under random and malformed requests: never a crash or
// a 5xx, never a stack trace in an answer, never a handler called with a request the host did
// not validate, always a 4xx unless the request was a valid one (then the handler's own answer).

// Records what its handler is given; answers 201 without echoing it.
const recorder = `
import { definePlugin, Type } from "@botyard/core";
export const seen = [];
export default definePlugin({
  name: "recorder", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async (ctx) => { seen.push(ctx.event); return { status: 201, body: { ok: true } }; });
  },
});
`;

interface Seen {
  body: unknown;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  path: string;
}

let h: InProcessHost;
let seen: Seen[];
beforeAll(async () => {
  h = await startInProcessHost("bots:\n  - id: rec\n    use: botyard-plugin-recorder\n", { setup: (project) => project.plugin("botyard-plugin-recorder", recorder) });
  seen = ((await import(`${h.project.dir}/node_modules/botyard-plugin-recorder/index.js`)) as { seen: Seen[] }).seen;
});
afterAll(async () => {
  // Still alive and serving after everything below.
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  expect(h.raw.filter((l) => l.includes('"level":50') || l.includes('"level":60'))).toEqual([]);
  await h.close();
});

const STACK = /\n\s+at .*:\d+:\d+|\bat (?:async )?\w+ \(/;

/** How deep a parsed value nests, and whether any object in it has its own `__proto__` key. */
function shape(value: unknown): { depth: number; proto: boolean } {
  let depth = 0;
  let proto = false;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, d] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    depth = Math.max(depth, d + 1);
    if (Object.hasOwn(node, "__proto__")) proto = true;
    for (const child of Object.values(node)) pending.push([child, d + 1]);
  }
  return { depth, proto };
}

/** Sends exactly `request` over TCP; the final status the server answered (0: closed without answering). */
function raw(request: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(h.host.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s to ${JSON.stringify(String(request).slice(0, 200))}`));
    }, 5_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      // Past any interim answer (100 Continue) to the final one.
      const text = Buffer.concat(chunks).toString("latin1").replace(/^(?:HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.end(request);
  });
}

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.api+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "",
  "APPLICATION/JSON",
  ";;;",
);
const key = fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "\\u005f_proto__", "a"), fc.string({ maxLength: 5 }));
const deep = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom("[", '{"a":')).map(([n, open]) => `${open.repeat(n)}1${(open === "[" ? "]" : "}").repeat(n)}`);
const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.dictionary(key, fc.json({ maxDepth: 2 }), { maxKeys: 4 }).map((d) => `{${Object.entries(d).map(([k, v]) => `"${k}":${v}`).join(",")}}`),
  fc.constantFrom(`{"__proto__":{"admin":true}}`, `{"constructor":{"prototype":{"admin":true}}}`, `{"a":"\\ud800"}`, "[".repeat(100_000), "\u0000", "\ufeff{}", "{} {}", "nul\u0000l"),
  deep,
  fc.integer({ min: 900, max: 3_000 }).map((n) => JSON.stringify({ big: "x".repeat(n) })),
);

describe("the webhook endpoint under random bodies (property)", () => {
  it("answers the handler's 201 or a 4xx, and hands the handler only validated bodies", async () => {
    await fc.assert(
      fc.asyncProperty(contentType, body, async (type, payload) => {
        const before = seen.length;
        const res = await fetch(`${h.url}/hooks/rec`, { method: "POST", headers: type ? { "content-type": type } : {}, body: payload });
        const text = await res.text();
        expect(text).not.toMatch(STACK);
        if (seen.length > before) {
          expect(res.status).toBe(201);
          expect(seen.length).toBe(before + 1);
          const { depth, proto } = shape(seen[before]!.body);
          expect(depth).toBeLessThanOrEqual(128);
          expect(proto).toBe(false);
          if (typeof payload === "string" && /json/i.test(type)) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(payload);
            } catch {
              parsed = Symbol("not JSON");
            }
            if (typeof parsed !== "symbol") expect(seen[before]!.body).toEqual(parsed);
          }
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("hands the handler a query of its own string fields, or answers 400", async () => {
    const piece = fc.constantFrom("__proto__", "%5F%5Fproto%5F%5F", "constructor", "toString", "hasOwnProperty", "a", "=", "&", "%", "%zz", "[]", "+", "%00");
    const search = fc.array(fc.oneof(piece, fc.string({ maxLength: 4 }).map(encodeURIComponent)), { maxLength: 12 }).map((p) => p.join(""));
    await fc.assert(
      fc.asyncProperty(search, async (q) => {
        const before = seen.length;
        const res = await fetch(`${h.url}/hooks/rec?${q}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(await res.text()).not.toMatch(STACK);
        if (seen.length === before) return void expect(res.status).toBe(400);
        expect(res.status).toBe(201);
        const query = seen[before]!.query;
        expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
        expect(Object.hasOwn(query, "__proto__")).toBe(false);
        for (const value of Object.values(query)) expect(typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("every endpoint under random request targets and headers (property)", () => {
  // What the host serves, by its own rules: anything else must be a 4xx.
  const serves = (method: string, target: string): "hook" | "admin" | undefined => {
    const pathname = target.split("?")[0]!;
    if ((method === "GET" || method === "HEAD") && ["/healthz", "/readyz", "/metrics", "/status"].includes(pathname)) return "admin";
    const m = /^\/hooks\/([^/]+)(\/.*)?$/.exec(pathname);
    if (method !== "POST" || !m) return undefined;
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    const rest = (m[2] ?? "/").replace(/\/+$/, "") || "/";
    return id === "rec" && rest === "/" ? "hook" : undefined;
  };
  const segment = fc.oneof(
    fc.constantFrom("hooks", "rec", "%72ec", "..", ".", "%2e%2e", "%2E%2e", "%2f", "%2F", "%00", "%", "%zz", "metrics", "healthz", "readyz", "status", "__proto__", "constructor", "", "\\", ";", "é", "?", "?a=1", "#x", "*"),
    fc.string({ maxLength: 6 }),
  );
  const target = fc.oneof(
    fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join("/")}`),
    fc.constantFrom("/hooks/../metrics", "/hooks/%2e%2e/metrics", "/hooks/rec/../../metrics", "/hooks/rec%2F..%2F..%2Fmetrics", "/hooks/rec/%2e", "*", "http://127.0.0.1/hooks/rec", "//hooks/rec", "/hooks/rec\u0000", `/hooks/${"a".repeat(64 * 1024)}`),
  );
  const method = fc.constantFrom("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "BREW", "post");

  it("answers every request line with a 4xx unless it names a route, and a route only as routed", async () => {
    await fc.assert(
      fc.asyncProperty(method, target, async (m, t) => {
        const before = seen.length;
        const { status, text } = await raw(`${m} ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
        expect(text).not.toMatch(STACK);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
        const route = serves(m, t);
        if (status < 300) expect(route, `${m} ${t.slice(0, 100)} answered ${status}`).toBeDefined();
        else expect(route === undefined || status === 503, `${m} ${t.slice(0, 100)} answered ${status}`).toBe(true);
        expect(seen.length).toBe(before + (route === "hook" ? 1 : 0));
      }),
      { numRuns: 150 },
    );
  });

  it("answers requests with random headers, and with conflicting framing, without crashing", async () => {
    const name = fc.oneof(fc.constantFrom("__proto__", "constructor", "x-token", "content-type", "host", "expect", "upgrade"), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/));
    const value = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,40}$/), fc.constantFrom("100-continue", "websocket", "application/json", "é"));
    const framing = fc.constantFrom(
      "Content-Length: 2\r\n",
      "Content-Length: 2\r\nContent-Length: 2\r\n",
      "Content-Length: 2\r\nContent-Length: 3\r\n",
      "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked, identity\r\n",
      "Content-Length: -1\r\n",
      "Content-Length: 2 2\r\n",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 8 }), framing, async (headers, frame) => {
        const before = seen.length;
        const lines = headers.map(([n, v]) => `${n}: ${v}\r\n`).join("");
        const { status, text } = await raw(Buffer.from(`POST /hooks/rec HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}${frame}Connection: close\r\n\r\n{}`, "latin1"));
        expect(text).not.toMatch(STACK);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
        if (seen.length > before) expect(status).toBe(201);
      }),
      { numRuns: 100 },
    );
  });
});
