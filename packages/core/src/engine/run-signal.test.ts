import { getEventListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import { createLogger } from "../logging/logger.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { createSlackClient } from "../slack/slack-client.js";
import { MemoryStore } from "../store/memory-store.js";
import type { TriggerRuntime } from "../triggers/trigger.js";
import { Engine } from "./engine.js";

// `ctx.signal` belongs to the run. fetch adds an abort listener to the signal it is given and
// drops it only when the request is garbage collected: with one signal for the whole host, every
// request a handler made left a listener behind on it (MaxListenersExceededWarning, a leak).
describe("ctx.signal", () => {
  const silent = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });

  async function engineWith(handler: (signal: AbortSignal) => Promise<unknown>) {
    let host: AbortSignal | undefined;
    const plugin = definePlugin({
      name: "fetcher",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async (ctx) => void (await handler(ctx.signal)));
        // A trigger of its own sees the host's signal, which outlives every run.
        bot.on({ kind: "probe", name: "probe", describe: () => "probe", activate: (rt: TriggerRuntime) => ((host = rt.signal), { stop() {} }) });
      },
    });
    const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger: silent });
    const engine = new Engine({ slack, store: new MemoryStore(), logger: silent });
    engine.load([{ id: "fetcher", plugin, config: {} }]);
    await engine.start();
    const post = () => engine.handleWebhook("fetcher", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined });
    return { engine, post, host: () => host! };
  }

  it("leaves nothing on the host's signal after 10,000 runs that each pass it to a request, and no warning", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const { engine, post, host } = await engineWith(async (signal) => (await fetch(url, { signal })).text());
      for (let i = 0; i < 10_000; i++) {
        const response = await post();
        expect(response.status).toBe(200);
      }
      expect(getEventListeners(host(), "abort")).toHaveLength(0);
      await engine.stop(1_000);
      // Node reports listener leaks on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      server.close();
    }
  }, 60_000);

  it("is the run's own, and aborts at the shutdown deadline for the runs still going", async () => {
    const signals: AbortSignal[] = [];
    const { engine, post, host } = await engineWith(async (signal) => {
      signals.push(signal);
      if (signals.length === 2) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    });
    await post();
    const stuck = post();
    await expect.poll(() => signals.length).toBe(2);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals[0]).not.toBe(host());
    const { unfinished } = await engine.stop(50);
    expect(unfinished).toBe(1);
    await stuck;
    expect(signals[1]!.aborted).toBe(true);
    expect((signals[1]!.reason as Error).message).toBe("the host is shutting down");
    // A run that was over is not aborted: nothing of it is left to stop.
    expect(signals[0]!.aborted).toBe(false);
  });
});
