import { describe, expect, it } from "vitest";
import { isBotyardError, ErrorCodes } from "../errors/botyard-error.js";
import { normaliseWebhookPath, WebhookRouter } from "./webhook-router.js";

const answer = (text: string) => async () => ({ status: 200, body: { text } });

describe("WebhookRouter", () => {
  it("finds a bot's handler by path, with or without slashes at either end, and hands on the registered path", async () => {
    const router = new WebhookRouter();
    router.add("alerts", "/datadog", answer("datadog"));
    router.add("alerts", "/", answer("root"));
    router.add("deploys", "/datadog", answer("other bot"));

    for (const path of ["/datadog", "/datadog/", "datadog", "/datadog//"]) {
      const found = router.find("alerts", path);
      expect(found?.path).toBe("/datadog");
      expect((await found!.route({ method: "POST", path: found!.path, headers: {}, query: {}, rawBody: "", body: undefined })).body).toEqual({ text: "datadog" });
    }
    expect(router.find("alerts", "")?.path).toBe("/");
    expect(router.has("deploys", "/datadog/")).toBe(true);
    expect(router.has("deploys", "/")).toBe(false);
    expect(router.find("nobody", "/datadog")).toBeUndefined();
  });

  it("refuses a second handler at the same path of one bot, and forgets a handler once removed", () => {
    const router = new WebhookRouter();
    const remove = router.add("alerts", "/datadog", answer("first"));
    let refused: unknown;
    try {
      router.add("alerts", "/datadog/", answer("second"));
    } catch (error) {
      refused = error;
    }
    expect(isBotyardError(refused, ErrorCodes.TRIGGER_INVALID)).toBe(true);
    expect((refused as Error).message).toMatch(/^Bot "alerts" registers two webhooks at "\/datadog"\./);
    remove();
    expect(router.has("alerts", "/datadog")).toBe(false);
    expect(() => router.add("alerts", "/datadog", answer("again"))).not.toThrow();
  });

  it("normalises paths the way senders spell them", () => {
    expect([normaliseWebhookPath("/a/b"), normaliseWebhookPath("a/b/"), normaliseWebhookPath("///"), normaliseWebhookPath("")]).toEqual(["/a/b", "/a/b", "/", "/"]);
  });
});
