import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import type { Engine } from "../engine/engine.js";
import { oneBotEngine } from "../test-support/one-bot-engine.js";
import { definePlugin } from "../plugin/define-plugin.js";
import type { WebhookRequest } from "./trigger.js";
import { invalidWebhookBody, type WebhookBodyReader } from "./webhook-body-spec.js";

const post = (engine: Engine, bot: string, body: unknown) =>
  engine.handleWebhook(bot, "/", { method: "POST", headers: { "content-type": "application/json" }, query: {}, rawBody: JSON.stringify(body) ?? "", body });

const Alerts = Type.Object({
  alerts: Type.Array(Type.Object({ id: Type.String(), status: Type.Union([Type.Literal("firing"), Type.Literal("resolved")]) })),
  source: Type.Optional(Type.String({ default: "alertmanager" })),
});

describe("a webhook's declared body", () => {
  it("is checked once at intake: verify, dedupeKey and the handler get the typed value, defaults applied", async () => {
    const seen: Array<{ step: string; value: unknown }> = [];
    const plugin = definePlugin({
      name: "relay",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook(
          "/",
          {
            body: Alerts,
            verify: (req) => void seen.push({ step: "verify", value: req.body.alerts.length }),
            dedupeKey: (req) => (seen.push({ step: "dedupeKey", value: req.body.source }), req.body.alerts[0]?.id),
          },
          (ctx) => {
            // @ts-expect-error: the body is typed by its schema, which has no such field (it is not `any`)
            void ctx.event.body.receiver;
            return { status: 200, body: { statuses: ctx.event.body.alerts.map((a) => a.status), source: ctx.event.body.source } };
          },
        );
      },
    });
    const { engine } = await oneBotEngine("relay", plugin);
    const res = await post(engine, "relay", { alerts: [{ id: "a1", status: "firing" }] });
    expect(res).toEqual({ status: 200, body: { statuses: ["firing"], source: "alertmanager" } });
    expect(seen).toEqual([{ step: "verify", value: 1 }, { step: "dedupeKey", value: "alertmanager" }]);
    await engine.stop(1_000);
  });

  it("refuses a body that does not match with 400, naming the path of the first problem, before verify or the handler", async () => {
    let calls = 0;
    const plugin = definePlugin({
      name: "relay",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { body: Alerts, verify: () => void calls++ }, () => void calls++);
      },
    });
    const { engine } = await oneBotEngine("relay", plugin);
    const wrongStatus = await post(engine, "relay", { alerts: [{ id: "a1", status: "firing" }, { id: "a2", status: "gone" }] });
    expect(wrongStatus.status).toBe(400);
    expect(wrongStatus.body).toMatchObject({ ok: false, error: "invalid_body", path: "/alerts/1/status" });
    expect((wrongStatus.body as { message: string }).message).toMatch(/\S/);
    expect((await post(engine, "relay", { alerts: [{ status: "firing" }] })).body).toMatchObject({ error: "invalid_body", path: "/alerts/0/id", message: "is required" });
    expect((await post(engine, "relay", undefined)).body).toMatchObject({ error: "invalid_body", path: "" });
    expect(calls).toBe(0);
    await engine.stop(1_000);
  });

  it("runs a reader once per request, and a durable delivery comes back from the store with its value, not read again", async () => {
    let reads = 0;
    const handled: Array<{ id: string; priority: number }> = [];
    const keys: string[] = [];
    const readEvent: WebhookBodyReader<{ id: string; priority: number }> = (body) => {
      reads++;
      const b = body as { event_id?: unknown; p?: unknown } | undefined;
      if (typeof b?.event_id !== "string") return { ok: false, response: invalidWebhookBody("/event_id", "is required") };
      return { ok: true, value: { id: b.event_id, priority: Number(b.p ?? 3) } };
    };
    const plugin = definePlugin({
      name: "pager",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook(
          "/",
          {
            body: readEvent,
            verify: (req) => (req.body.priority > 5 ? { status: 422 } : undefined),
            dedupeKey: (req) => req.body.id,
            durable: { orderingKey: (req) => (keys.push(req.body.id), `p${req.body.priority}`) },
          },
          async (ctx) => void handled.push(ctx.event.body),
        );
      },
    });
    const { engine, store } = await oneBotEngine("pager", plugin);
    // Paused: the delivery waits in the store and is claimed from it, as after a crash.
    engine.queues.setPaused(true);
    expect((await post(engine, "pager", { event_id: "ev-1", p: 2 })).status).toBe(202);
    expect(reads).toBe(1);
    const stored = await store.claim<{ event: WebhookRequest }>("host/deliveries/pager/webhook:/", { claimMs: 60_000 });
    expect(stored!.payload.event.body).toEqual({ id: "ev-1", priority: 2 });
    await store.release(stored!);

    engine.queues.setPaused(false);
    await expect.poll(() => handled.length, { timeout: 5_000 }).toBe(1);
    expect(handled).toEqual([{ id: "ev-1", priority: 2 }]);
    expect(keys).toContain("ev-1");
    expect(reads).toBe(1);

    expect(await post(engine, "pager", { p: 1 })).toEqual(invalidWebhookBody("/event_id", "is required"));
    expect((await post(engine, "pager", { event_id: "ev-2", p: 9 })).status).toBe(422);
    await engine.stop(1_000);
  });

  it("fails a delivery queued before the webhook declared its body when the body refuses it, rather than handling it", async () => {
    const handled: unknown[] = [];
    const plugin = definePlugin({
      name: "late",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { body: Alerts, durable: { maxAttempts: 1 } }, async (ctx) => void handled.push(ctx.event.body));
      },
    });
    const { engine } = await oneBotEngine("late", plugin);
    const dead: unknown[] = [];
    engine.observe({ deadLetter: (letter) => void dead.push(letter) });
    engine.queues.setPaused(true);
    // As a version without `body:` stored it: the raw body only.
    const event = { method: "POST", path: "/", headers: { "content-type": "application/json" }, query: {}, rawBody: '{"alerts":"none"}' };
    await engine.queues.enqueue("deliveries/late/webhook:/", { event, extras: {} });
    await engine.queues.enqueue("deliveries/late/webhook:/", { event: { ...event, rawBody: '{"alerts":[]}' }, extras: {} });
    engine.queues.setPaused(false);
    await expect.poll(() => dead.length + handled.length, { timeout: 5_000 }).toBe(2);
    expect(handled).toEqual([{ alerts: [], source: "alertmanager" }]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ error: expect.stringContaining("queued before the webhook declared its body") });
    await engine.stop(1_000);
  });
});
