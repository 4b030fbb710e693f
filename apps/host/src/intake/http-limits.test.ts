import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// A plugin whose "/hold" webhook waits until the test releases it: requests in flight on demand.
const gate = `
import { definePlugin, Type } from "@botyard/core";
export const held = [];
export default definePlugin({
  name: "gate", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/", async () => ({ status: 201, body: { bot: bot.info.id } }));
    bot.webhook("/hold", async () => { await new Promise((release) => held.push(release)); return { status: 201, body: { held: true } }; });
  },
});
`;
const bots = "bots:\n  - { id: slow, use: botyard-plugin-gate }\n  - { id: fast, use: botyard-plugin-gate }\n";

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const start = (http: string) => startInProcessHost(bots, { httpExtra: http, setup: (project) => project.plugin("botyard-plugin-gate", gate) });
const post = (path: string, body = "{}") => fetch(`${h!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
const held = async () => ((await import(`${h!.project.dir}/node_modules/botyard-plugin-gate/index.js`)) as { held: Array<() => void> }).held;
async function holding(n: number): Promise<Array<() => void>> {
  const list = await held();
  while (list.length < n) await new Promise((r) => setTimeout(r, 5));
  return list;
}
/** `botyard_http_refused_total` by reason, from /metrics. */
async function refusals(): Promise<Record<string, number>> {
  const text = await (await fetch(`${h!.url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^botyard_http_refused_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

/** A raw TCP client: what it wrote, what came back, and whether the server closed it. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: Promise<void>; connected: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  let data = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
  socket.on("error", () => {});
  return {
    socket,
    received: () => data,
    closed: new Promise((resolve) => socket.once("close", () => resolve())),
    connected: new Promise((resolve) => socket.once("connect", () => resolve())),
  };
}

describe("HTTP limits", () => {
  it("answers 431 to headers over maxHeaderBytes, counts it, and keeps serving", async () => {
    h = await start("maxHeaderBytes: 2048");
    const res = await fetch(`${h.url}/hooks/fast`, { method: "POST", headers: { "x-filler": "x".repeat(4_000) }, body: "{}" });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ ok: false, error: "headers_too_large" });
    // A 64 KB path is part of the headers too.
    expect((await fetch(`${h.url}/hooks/${"a".repeat(64 * 1024)}`, { method: "POST", body: "{}" })).status).toBe(431);
    expect((await post("/hooks/fast")).status).toBe(201);
    expect(await refusals()).toMatchObject({ headers_too_large: 2, timeout: 0 });
  });

  it("answers 429 with Retry-After to a bot over maxInFlightPerBot, while the other bots are served", async () => {
    h = await start("maxInFlight: 3, maxInFlightPerBot: 2");
    const slow = [post("/hooks/slow/hold"), post("/hooks/slow/hold")];
    const release = await holding(2);
    const refused = await post("/hooks/slow");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toEqual({ ok: false, error: "bot_busy" });
    const other = await post("/hooks/fast");
    expect(other.status).toBe(201);
    expect(await other.json()).toEqual({ bot: "fast" });
    release.forEach((r) => r());
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([201, 201]);
    // Its slots are back once its requests are answered.
    expect((await post("/hooks/slow")).status).toBe(201);
    expect(await refusals()).toMatchObject({ bot_busy: 1, too_many_requests: 0 });
    expect(h.raw.filter((l) => l.includes("HTTP limit reached (bot_busy)") && l.includes('"bot":"slow"'))).toHaveLength(1);
  });

  it("answers 503 with Retry-After to webhooks over maxInFlight, and keeps answering health checks", async () => {
    h = await start("maxInFlight: 3, maxInFlightPerBot: 2");
    const pending = [post("/hooks/slow/hold"), post("/hooks/slow/hold"), post("/hooks/fast/hold")];
    const release = await holding(3);
    const refused = await post("/hooks/fast");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toEqual({ ok: false, error: "too_many_requests" });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    release.forEach((r) => r());
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([201, 201, 201]);
    expect((await post("/hooks/fast")).status).toBe(201);
    expect(await refusals()).toMatchObject({ too_many_requests: 1, bot_busy: 0 });
  });

  it("closes connections over maxConnections at once, counts them, and accepts again when some close", async () => {
    h = await start("maxConnections: 3");
    const open = [rawClient(h.host.port), rawClient(h.host.port), rawClient(h.host.port)];
    await Promise.all(open.map((c) => c.connected));
    const extra = rawClient(h.host.port);
    await extra.closed;
    expect(extra.received()).toBe("");
    for (const c of open) c.socket.destroy();
    await Promise.all(open.map((c) => c.closed));
    expect((await post("/hooks/fast")).status).toBe(201);
    expect(await refusals()).toMatchObject({ too_many_connections: 1 });
  });

  it("closes slowloris clients (headers or body a byte at a time) with 408 within their timeouts, while valid webhooks are served", async () => {
    h = await start("headersTimeoutMs: 300, requestTimeoutMs: 600");
    const port = h.host.port;
    // Each would take 30 s to send everything at this pace: far longer than it is given.
    const total = 300;
    const trickle = (client: ReturnType<typeof rawClient>, head: string) => {
      let sent = 0;
      client.socket.write(head);
      const timer = setInterval(() => {
        if (client.socket.destroyed || sent >= total) return clearInterval(timer);
        client.socket.write("a");
        sent++;
      }, 100);
      return { sent: () => sent, stop: () => clearInterval(timer) };
    };
    const headers = rawClient(port);
    const body = rawClient(port);
    const slowHeaders = trickle(headers, "POST /hooks/fast HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const slowBody = trickle(body, `POST /hooks/fast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${total + 2}\r\n\r\n"`);

    const served: number[] = [];
    let done = false;
    void Promise.all([headers.closed, body.closed]).then(() => (done = true));
    while (!done) {
      served.push((await post("/hooks/fast")).status);
      await new Promise((r) => setTimeout(r, 50));
    }
    slowHeaders.stop();
    slowBody.stop();

    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\n\{"ok":false,"error":"timeout"\}$/);
    expect(body.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(slowHeaders.sent()).toBeLessThan(total);
    expect(slowBody.sent()).toBeLessThan(total);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((s) => s === 201)).toBe(true);
    expect(await refusals()).toMatchObject({ timeout: 2 });
    // A request timed out mid-body is not a failure of the host's.
    expect(h.raw.filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it("refuses a config whose headers timeout exceeds its request timeout, where it is set", async () => {
    await expect(start("requestTimeoutMs: 5000")).rejects.toThrow(/bots\.yaml:5:58 {2}http\.requestTimeoutMs: http\.headersTimeoutMs \(10000\) must not exceed http\.requestTimeoutMs \(5000\)/);
  });
});
