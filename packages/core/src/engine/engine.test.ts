import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { Engine } from "./engine.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { MemoryStore } from "../store/memory-store.js";
import { createLogger } from "../logging/logger.js";
import { createSlackClient } from "../slack/slack-client.js";
import type { ActionRecord } from "../actions/action.js";
import { defineAction } from "../actions/action.js";
import { Type } from "typebox";
import { ErrorCodes } from "../errors/botyard-error.js";
import { Tokens } from "../di/builtin-tokens.js";
import { createContainer, type Container } from "../di/container.js";
import { token } from "../di/tokens.js";
import type { SlackEnvelope } from "../slack/slack-types.js";

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

// An engine with no Slack behind it: these tests exercise routing, isolation and the pipeline.
function engineWith(options: { dryRun?: boolean; store?: MemoryStore; container?: Container } = {}) {
  const sink = logSink();
  const logger = createLogger({ level: "debug", destination: sink.stream });
  const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger, clientOptions: { retryConfig: { retries: 0 } } });
  const actions: ActionRecord[] = [];
  const engine = new Engine({
    slack,
    store: options.store ?? new MemoryStore(),
    logger,
    dryRun: options.dryRun ?? false,
    observers: [{ action: (a) => actions.push(a) }],
    ...(options.container ? { container: options.container } : {}),
  });
  return { engine, logs: sink.lines, actions };
}

const message = (channel: string, text: string, extra: Record<string, unknown> = {}): SlackEnvelope => ({
  envelope_id: `env-${Math.random()}`,
  type: "events_api",
  payload: { event_id: `Ev${Math.random()}`, event: { type: "message", channel, user: "U1", text, ts: "1.000001", ...extra } },
});

describe("Engine", () => {
  it("routes a message to the bots that match it, and to no other", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      name: "echo",
      core: "^1.0.0",
      config: Type.Object({ channel: Type.String() }),
      setup(bot, config) {
        bot.message(/^ping (\w+)$/, async (ctx) => void seen.push(`${bot.info.id}:${ctx.match[1]}`), { channel: config.channel });
      },
    });
    const { engine } = engineWith();
    engine.load([
      { id: "a", plugin, config: { channel: "C1" } },
      { id: "b", plugin, config: { channel: "C2" } },
    ]);
    await engine.start();
    await engine.dispatch(message("C1", "ping one"));
    await engine.dispatch(message("C2", "ping two"));
    await engine.dispatch(message("C2", "pong"));
    await engine.idle();
    expect(seen.sort()).toEqual(["a:one", "b:two"]);
  });

  it("does not feed the app's own messages back unless a trigger asks for them", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      name: "self",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.message("hello", async () => void seen.push("default"));
        bot.message("hello", async () => void seen.push("includeSelf"), { includeSelf: true, name: "self-too" });
      },
    });
    const { engine } = engineWith();
    engine.load([{ id: "s", plugin, config: {} }]);
    engine.setIdentity({ userId: "UBOT", botId: "BBOT" });
    await engine.start();
    await engine.dispatch(message("C1", "hello", { user: "UBOT", bot_id: "BBOT" }));
    await engine.idle();
    expect(seen).toEqual(["includeSelf"]);
  });

  it("touches the store only for an event some trigger wants: an edit, its own post or a message that does not match costs nothing", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      name: "picky",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.message(/^deploy (\w+)$/, async (ctx) => void seen.push(ctx.match[1]!));
      },
    });
    const store = new MemoryStore();
    const writes: string[] = [];
    const setIfAbsent = store.setIfAbsent.bind(store);
    store.setIfAbsent = (key, ...rest) => (writes.push(key), setIfAbsent(key, ...rest));
    const { engine } = engineWith({ store });
    engine.load([{ id: "p", plugin, config: {} }]);
    engine.setIdentity({ userId: "UBOT", botId: "BBOT" });
    await engine.start();
    writes.length = 0;
    await engine.dispatch(message("C1", "lunch anyone?"));
    await engine.dispatch(message("C1", "deploy web", { subtype: "message_changed" }));
    await engine.dispatch(message("C1", "deploy web", { user: "UBOT", bot_id: "BBOT" }));
    await engine.idle();
    expect({ seen, writes }).toEqual({ seen: [], writes: [] });
    await engine.dispatch(message("C1", "deploy web"));
    await engine.idle();
    expect(seen).toEqual(["web"]);
    expect(writes.filter((k) => k.includes("event/"))).toHaveLength(1);
  });

  it("handles a Slack event once even when it is delivered twice", async () => {
    let runs = 0;
    const plugin = definePlugin({
      name: "count",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.message(undefined, async () => void runs++);
      },
    });
    const store = new MemoryStore();
    const first = engineWith({ store });
    const second = engineWith({ store }); // a second replica sharing the store
    for (const e of [first.engine, second.engine]) {
      e.load([{ id: "c", plugin, config: {} }]);
      await e.start();
    }
    const envelope = message("C1", "hi");
    await first.engine.dispatch(envelope);
    await second.engine.dispatch({ ...envelope, retry_attempt: 1, retry_reason: "timeout" });
    await first.engine.idle();
    await second.engine.idle();
    expect(runs).toBe(1);
  });

  it("isolates a failing handler: it is logged with its bot id and counted, and other bots keep running", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      name: "flaky",
      core: "^1.0.0",
      config: Type.Object({ fail: Type.Boolean() }),
      setup(bot, config) {
        bot.message(undefined, async () => {
          if (config.fail) throw new Error("boom");
          seen.push(bot.info.id);
        });
      },
    });
    const { engine, logs } = engineWith();
    engine.load([
      { id: "bad", plugin, config: { fail: true } },
      { id: "good", plugin, config: { fail: false } },
    ]);
    await engine.start();
    await engine.dispatch(message("C1", "x"));
    await engine.dispatch(message("C1", "y"));
    await engine.idle();
    expect(seen).toEqual(["good", "good"]);
    const failed = logs.filter((l) => l.level === 50 && l.bot === "bad");
    expect(failed).toHaveLength(2);
    expect(String(failed[0]!.msg)).toContain("boom");
    const bad = engine.status().find((b) => b.id === "bad")!;
    expect(bad.state).toBe("running");
    expect(bad.triggers[0]).toMatchObject({ runs: 2, errors: 2, lastError: "boom" });
  });

  it("keeps a run's outcome when an observer throws: a success stays a success, and runFinished fires once", async () => {
    const plugin = definePlugin({
      name: "fine",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async () => ({ status: 200, body: { ok: true } }));
      },
    });
    const { engine, logs } = engineWith();
    const finished: boolean[] = [];
    engine.observe({
      runStarted: () => {
        throw new Error("metrics backend down (start)");
      },
      runFinished: (run) => {
        finished.push(run.ok);
        throw new Error("metrics backend down (finish)");
      },
    });
    engine.load([{ id: "f", plugin, config: {} }]);
    await engine.start();
    const res = await engine.handleWebhook("f", "/", { method: "POST", headers: {}, query: {}, rawBody: "{}", body: {} });
    await engine.idle();
    expect(res.status).toBe(200);
    expect(finished).toEqual([true]);
    expect(logs.filter((l) => l.msg === "an engine observer threw")).toHaveLength(2);
    expect(logs.filter((l) => String(l.msg).startsWith("handler failed"))).toEqual([]);
    expect(engine.status().find((b) => b.id === "f")?.triggers.every((t) => t.errors === 0)).toBe(true);
  });

  it("reports a bot whose setup throws as failed and runs the others", async () => {
    const ok = definePlugin({ name: "ok", core: "^1.0.0", config: Type.Object({}), setup: (bot) => bot.webhook("/", async () => ({ status: 204 })) });
    const broken = definePlugin({
      name: "broken",
      core: "^1.0.0",
      config: Type.Object({}),
      setup() {
        throw new Error("cannot set up");
      },
    });
    const asyncSetup = definePlugin({ name: "async", core: "^1.0.0", config: Type.Object({}), setup: (async () => {}) as never });
    const { engine } = engineWith();
    const status = engine.load([
      { id: "broken", plugin: broken, config: {} },
      { id: "async", plugin: asyncSetup, config: {} },
      { id: "ok", plugin: ok, config: {} },
    ]);
    expect(status.map((b) => [b.id, b.state, b.code])).toEqual([
      ["broken", "failed", ErrorCodes.PLUGIN_SETUP_FAILED],
      ["async", "failed", ErrorCodes.PLUGIN_SETUP_FAILED],
      ["ok", "loaded", undefined],
    ]);
    expect(status[0]!.reason).toContain("cannot set up");
    expect(status[1]!.reason).toContain("must not be async");
    await engine.start();
    expect((await engine.handleWebhook("ok", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined })).status).toBe(204);
    expect((await engine.handleWebhook("broken", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined })).status).toBe(404);
  });

  it("refuses a second bot claiming the same slash command or mention keyword", () => {
    const plugin = definePlugin({
      name: "cmd",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.command("/release", async () => {});
        bot.mention("deploy", async () => {});
      },
    });
    const { engine } = engineWith();
    const status = engine.load([
      { id: "one", plugin, config: {} },
      { id: "two", plugin, config: {} },
    ]);
    expect(status[0]!.state).toBe("loaded");
    expect(status[1]).toMatchObject({ state: "failed", code: ErrorCodes.TRIGGER_CONFLICT });
    expect(status[1]!.reason).toMatch(/slash command "\/release", which bot "one" already claims/);
  });

  it("under dry-run logs the actions it would run and runs none", async () => {
    const effects: string[] = [];
    const openTicket = defineAction("tracker.open", async (_ctx, args: { title: string }) => {
      effects.push(args.title);
      return { id: 42 };
    }, { dryRunResult: { id: 0 } });
    let answer: unknown;
    const plugin = definePlugin({
      name: "dry",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async (ctx) => {
          answer = await openTicket(ctx, { title: "disk full" });
          // A Slack write through the real client is an action too: skipped, never sent.
          await ctx.slack.chat.postMessage({ channel: "C1", text: "ticket opened" });
        });
      },
    });
    const { engine, actions, logs } = engineWith();
    engine.load([{ id: "d", plugin, config: {}, dryRun: true }]);
    await engine.start();
    const res = await engine.handleWebhook("d", "/", { method: "POST", headers: {}, query: {}, rawBody: "{}", body: {} });
    expect(res.status).toBe(200);
    expect(effects).toEqual([]);
    expect(answer).toEqual({ id: 0 });
    expect(actions.map((a) => [a.name, a.dryRun])).toEqual([
      ["tracker.open", true],
      ["slack.chat.postMessage", true],
    ]);
    expect(logs.filter((l) => l.msg === "dry run: action skipped").map((l) => l.action)).toEqual(["tracker.open", "slack.chat.postMessage"]);
  });

  it("tells a run it is dry when its bot or the whole host runs dry (ctx.dryRun), and not otherwise", async () => {
    const seen: Record<string, boolean> = {};
    const plugin = definePlugin({
      name: "which",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async (ctx) => void (seen[`${ctx.bot.id}${ctx.bot.dryRun ? " (bot dry)" : ""}`] = ctx.dryRun));
      },
    });
    const request = { method: "POST", headers: {}, query: {}, rawBody: "{}", body: {} };
    const live = engineWith();
    live.engine.load([
      { id: "live", plugin, config: {} },
      { id: "dry", plugin, config: {}, dryRun: true },
    ]);
    await live.engine.start();
    const wholeHost = engineWith({ dryRun: true });
    wholeHost.engine.load([{ id: "host-dry", plugin, config: {} }]);
    await wholeHost.engine.start();
    await live.engine.handleWebhook("live", "/", request);
    await live.engine.handleWebhook("dry", "/", request);
    await wholeHost.engine.handleWebhook("host-dry", "/", request);
    expect(seen).toEqual({ live: false, "dry (bot dry)": true, "host-dry": true });
  });

  it("runs an action for real outside dry-run, recording it once even when it uses the Slack client inside", async () => {
    const plugin = definePlugin({
      name: "wet",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async (ctx) => {
          const n = await ctx.act("math.double", { n: 21 }, async () => 42);
          return { status: 200, body: { n } };
        });
      },
    });
    const { engine, actions } = engineWith();
    engine.load([{ id: "w", plugin, config: {} }]);
    await engine.start();
    const res = await engine.handleWebhook("w", "/", { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined });
    expect(res).toEqual({ status: 200, body: { n: 42 } });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ bot: "w", name: "math.double", dryRun: false, ok: true, args: { n: 21 } });
  });

  it("gives each bot its own store namespace and DI container", async () => {
    const plugin = definePlugin({
      name: "ns",
      core: "^1.0.0",
      config: Type.Object({ greeting: Type.String() }),
      setup(bot, config) {
        const Greeter = Symbol.for("botyard:test.greeter") as never as import("../di/tokens.js").Token<{ greet(): string }>;
        bot.provide(Greeter, () => ({ greet: () => config.greeting }));
        bot.webhook("/", async (ctx) => {
          await ctx.store.set("seen", config.greeting);
          return { status: 200, body: { greeting: ctx.container.resolve(Greeter).greet(), stored: await ctx.store.list("") } };
        });
      },
    });
    const { engine } = engineWith();
    engine.load([
      { id: "en", plugin, config: { greeting: "hello" } },
      { id: "fr", plugin, config: { greeting: "bonjour" } },
    ]);
    await engine.start();
    const req = { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined };
    expect((await engine.handleWebhook("en", "/", req)).body).toEqual({ greeting: "hello", stored: [{ key: "seen", value: "hello" }] });
    expect((await engine.handleWebhook("fr", "/", req)).body).toEqual({ greeting: "bonjour", stored: [{ key: "seen", value: "bonjour" }] });
  });

  it("lets a service registered before the bots load replace what a plugin provides, and gives every bot the clock", async () => {
    const Greeter = token<{ greet(): string }>("test.replaceable-greeter");
    const plugin = definePlugin({
      name: "replaceable",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.provide(Greeter, () => ({ greet: () => "from the plugin" }));
        bot.webhook("/", (ctx) => ({ status: 200, body: { greeting: ctx.container.resolve(Greeter).greet(), now: ctx.container.resolve(Tokens.Clock).now().toISOString() } }));
      },
    });
    const req = { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined };

    const container = createContainer();
    container.register(Greeter, { useValue: { greet: () => "from the test" } });
    container.register(Tokens.Clock, { useValue: { now: () => new Date("2031-01-01T00:00:00Z") } });
    const replaced = engineWith({ container }).engine;
    replaced.load([{ id: "r", plugin, config: {} }]);
    await replaced.start();
    expect((await replaced.handleWebhook("r", "/", req)).body).toEqual({ greeting: "from the test", now: "2031-01-01T00:00:00.000Z" });

    const plain = engineWith().engine;
    plain.load([{ id: "p", plugin, config: {} }]);
    await plain.start();
    const before = Date.now();
    const body = (await plain.handleWebhook("p", "/", req)).body as { greeting: string; now: string };
    expect(body.greeting).toBe("from the plugin");
    // The system clock: read during the run.
    expect(Date.parse(body.now)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.now)).toBeLessThanOrEqual(Date.now());
  });

  it("deduplicates webhook deliveries by key and runs a failed one again on retry", async () => {
    let attempts = 0;
    const plugin = definePlugin({
      name: "dedupe",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { dedupeKey: (req) => (req.body as { id: string }).id }, async () => {
          attempts++;
          if (attempts === 1) throw new Error("first attempt fails");
        });
      },
    });
    const { engine } = engineWith();
    engine.load([{ id: "d", plugin, config: {} }]);
    await engine.start();
    const req = { method: "POST", headers: {}, query: {}, rawBody: '{"id":"evt-1"}', body: { id: "evt-1" } };
    expect((await engine.handleWebhook("d", "/", req)).status).toBe(500);
    expect((await engine.handleWebhook("d", "/", req)).status).toBe(200);
    expect(await engine.handleWebhook("d", "/", req)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(attempts).toBe(2);
  });

  it("answers a durable webhook 202 once queued, processes it, and retries a failing handler", async () => {
    const processed: string[] = [];
    let failures = 1;
    const plugin = definePlugin({
      name: "durable",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { durable: true, dedupeKey: (req) => (req.body as { id: string }).id }, async (ctx) => {
          if (failures-- > 0) throw new Error("transient");
          processed.push((ctx.event.body as { id: string }).id);
        });
      },
    });
    const { engine } = engineWith();
    engine.load([{ id: "q", plugin, config: {} }]);
    await engine.start();
    const req = { method: "POST", headers: {}, query: {}, rawBody: '{"id":"a"}', body: { id: "a" } };
    const first = await engine.handleWebhook("q", "/", req);
    expect(first.status).toBe(202);
    expect((await engine.handleWebhook("q", "/", req)).body).toMatchObject({ duplicate: true });
    // The first attempt fails; the queue redelivers it after its backoff (1 s).
    await expect.poll(() => processed, { timeout: 5_000 }).toEqual(["a"]);
    await engine.stop(1_000);
  });

  it("stops gracefully: intake refused, in-flight handlers finish, then stop hooks run", async () => {
    const order: string[] = [];
    let release!: () => void;
    const plugin = definePlugin({
      name: "slow",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", async () => {
          order.push("handler started");
          await new Promise<void>((r) => (release = r));
          order.push("handler finished");
        });
        bot.onStop(() => void order.push("onStop"));
      },
    });
    const { engine } = engineWith();
    engine.load([{ id: "s", plugin, config: {} }]);
    await engine.start();
    const req = { method: "POST", headers: {}, query: {}, rawBody: "", body: undefined };
    const pending = engine.handleWebhook("s", "/", req);
    await expect.poll(() => order).toEqual(["handler started"]);
    const stopping = engine.stop(5_000);
    expect((await engine.handleWebhook("s", "/", req)).status).toBe(503);
    release();
    await expect(stopping).resolves.toEqual({ unfinished: 0 });
    await pending;
    expect(order).toEqual(["handler started", "handler finished", "onStop"]);
  });

  it("persists a durable Slack event before handling it, so another process handles it after a crash", async () => {
    const handled: string[] = [];
    const plugin = definePlugin({
      name: "durable-slack",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.message(/^deploy (\w+)$/, async (ctx) => void handled.push(`${ctx.match[1]} by ${ctx.actor?.slackUserId}`), { durable: true });
      },
    });
    const store = new MemoryStore();
    const first = engineWith({ store });
    first.engine.load([{ id: "d", plugin, config: {} }]);
    await first.engine.start();
    // The first process acks and queues the event, then dies before its worker gets to it.
    first.engine.queues.setPaused(true);
    await first.engine.dispatch(message("C1", "deploy web"));
    expect(handled).toEqual([]);
    expect(await store.queueSize("host/deliveries/d/message:/^deploy (\\w+)$/")).toBe(1);

    const second = engineWith({ store });
    second.engine.load([{ id: "d", plugin, config: {} }]);
    await second.engine.start();
    await expect.poll(() => handled, { timeout: 5_000 }).toEqual(["web by U1"]);
    await second.engine.stop(1_000);
  });
});

