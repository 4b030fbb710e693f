import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${h.url}${path}`, { method: "POST", headers, body });

  it("passes a JSON webhook to its handler and returns the handler's answer", async () => {
    const res = await post("/hooks/rec", JSON.stringify({ n: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: { n: 1 } });
  });

  it("answers 400 to malformed JSON without calling the handler", async () => {
    const res = await post("/hooks/rec", "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: "invalid_body" });
  });

  it("answers 413 to a body over the limit", async () => {
    const res = await post("/hooks/rec", JSON.stringify({ big: "x".repeat(2_000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "body_too_large", limitBytes: 1024 });
  });

  it("answers 404 to an unknown bot or path, 405 to other methods", async () => {
    expect((await post("/hooks/nobody", "{}")).status).toBe(404);
    expect((await post("/hooks/rec/elsewhere", "{}")).status).toBe(404);
    expect((await post("/nothing-here", "{}")).status).toBe(404);
    expect((await fetch(`${h.url}/hooks/rec`)).status).toBe(405);
  });

  it("answers 500 when the handler throws, and the host keeps serving", async () => {
    const res = await post("/hooks/rec/boom", "{}");
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ ok: false, error: "handler_failed" });
    expect(h.raw.some((l) => l.includes("handler exploded") && l.includes('"bot":"rec"'))).toBe(true);
    expect((await post("/hooks/rec", "{}")).status).toBe(201);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it("none of the refused requests reached the handler", async () => {
    const mod = (await import(`${h.project.dir}/node_modules/botyard-plugin-recorder/index.js`)) as { seen: unknown[] };
    expect(mod.seen).toEqual([{ n: 1 }, {}]);
  });
});
