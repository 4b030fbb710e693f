import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import { oneBotEngine } from "../test-support/one-bot-engine.js";
import { definePlugin } from "../plugin/define-plugin.js";
import type { WebhookRequest } from "./trigger.js";

describe("durable intake", () => {
  it("queues a webhook delivery without its credentials: checked at intake, never stored", async () => {
    const seen: WebhookRequest[] = [];
    const plugin = definePlugin({
      name: "deploys",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook(
          "/",
          { durable: true, verify: (req) => (req.headers.authorization === "Bearer hook-credential" ? undefined : { status: 401 }) },
          async (ctx) => void seen.push(ctx.event),
        );
      },
    });
    const { engine, store } = await oneBotEngine("deploys", plugin);
    engine.queues.setPaused(true);

    const headers = {
      authorization: "Bearer hook-credential",
      "proxy-authorization": "Basic cHJveHk6cHc=",
      cookie: "session=s3ss10n",
      "x-hub-signature-256": "sha256=5ign",
      "x-botyard-secret": "shared-5ecret",
      "x-gitlab-token": "gl-t0ken",
      "content-type": "application/json",
      "x-request-id": "req-42",
    };
    const req = { method: "POST", headers, query: { token: "q-t0ken", env: "prod" }, rawBody: '{"service":"web"}', body: { service: "web" } };
    expect((await engine.handleWebhook("deploys", "/", req)).status).toBe(202);

    // What the store holds (a SQLite file, a Redis server): no credential, in any header or parameter.
    const job = await store.claim<{ event: WebhookRequest }>("host/deliveries/deploys/webhook:/", { claimMs: 60_000 });
    expect(job!.payload.event.headers).toEqual({ "content-type": "application/json", "x-request-id": "req-42" });
    expect(job!.payload.event.query).toEqual({ env: "prod" });
    expect(JSON.stringify(job!.payload)).not.toMatch(/hook-credential|cHJveHk6cHc=|s3ss10n|5ign|5ecret|t0ken/);
    // Nor the parsed body: it is the raw body read again, so it is not stored twice.
    expect(job!.payload.event).not.toHaveProperty("body");
    await store.release(job!);

    // The handler still gets the delivery, with everything else it needs, the body read again from the store's copy.
    engine.queues.setPaused(false);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(1);
    expect(seen[0]).toMatchObject({ body: { service: "web" }, rawBody: '{"service":"web"}', headers: { "x-request-id": "req-42" } });
    await engine.stop(1_000);
  });

  it("also leaves out the headers a webhook names as credentials, whatever they are called", async () => {
    const plugin = definePlugin({
      name: "alerts",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { durable: true, credentials: ["X-Shared-Key"], verify: (req) => (req.headers["x-shared-key"] === "k3y-value" ? undefined : { status: 401 }) }, async () => {});
      },
    });
    const { engine, store } = await oneBotEngine("alerts", plugin);
    engine.queues.setPaused(true);
    const req = { method: "POST", headers: { "x-shared-key": "k3y-value", "x-request-id": "r-1" }, query: { "X-Shared-Key": "k3y-value" }, rawBody: "{}", body: {} };
    expect((await engine.handleWebhook("alerts", "/", req)).status).toBe(202);
    const job = await store.claim<{ event: WebhookRequest }>("host/deliveries/alerts/webhook:/", { claimMs: 60_000 });
    expect(job!.payload.event.headers).toEqual({ "x-request-id": "r-1" });
    expect(job!.payload.event.query).toEqual({});
    await engine.stop(1_000);
  });

  it("reads a stored delivery's body again by its content type, form fields included", async () => {
    const seen: unknown[] = [];
    const plugin = definePlugin({
      name: "forms",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.webhook("/", { durable: true }, async (ctx) => void seen.push(ctx.event.body));
      },
    });
    const { engine, store } = await oneBotEngine("forms", plugin);
    // Paused: the deliveries wait in the store and are claimed from it, not handed over at once.
    engine.queues.setPaused(true);
    const post = (contentType: string, rawBody: string, body: unknown) =>
      engine.handleWebhook("forms", "/", { method: "POST", headers: { "content-type": contentType }, query: {}, rawBody, body });
    expect((await post("application/x-www-form-urlencoded", "payload=%7B%7D&team=sre", { payload: "{}", team: "sre" })).status).toBe(202);
    expect((await post("text/csv", "a,b", "a,b")).status).toBe(202);
    expect((await post("application/json", "", undefined)).status).toBe(202);
    engine.queues.setPaused(false);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(3);
    expect(seen).toEqual([{ payload: "{}", team: "sre" }, "a,b", undefined]);
    await engine.stop(1_000);
  });
});
