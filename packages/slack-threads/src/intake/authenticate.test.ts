import { describe, expect, it } from "vitest";
import { createAuthenticator, createWebhookVerifier } from "./authenticate.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("authenticating alert senders' deliveries", () => {
  it("accepts the secret in the configured header only", () => {
    const ok = createAuthenticator({ secret: "a-long-shared-secret", header: "X-DD-Secret" });
    expect(ok({ "x-dd-secret": "a-long-shared-secret" })).toBe(true);
    expect(ok({ "x-dd-secret": "a-long-shared-secreT" })).toBe(false);
    expect(ok({ "x-dd-secret": "a-long-shared-secret-and-more" })).toBe(false);
    expect(ok({ "x-botyard-secret": "a-long-shared-secret" })).toBe(false);
    expect(ok({})).toBe(false);
  });

  it("accepts HTTP basic auth when configured, and either credential when both are", () => {
    const ok = createAuthenticator({ secret: "a-long-shared-secret", basic: { username: "dd", password: "p4ssword-p4ssword" } });
    expect(ok({ authorization: basic("dd", "p4ssword-p4ssword") })).toBe(true);
    expect(ok({ "x-botyard-secret": "a-long-shared-secret" })).toBe(true);
    expect(ok({ authorization: basic("dd", "wrong") })).toBe(false);
    expect(ok({ authorization: basic("other", "p4ssword-p4ssword") })).toBe(false);
    expect(ok({ authorization: "Bearer p4ssword-p4ssword" })).toBe(false);
  });

  it("refuses to run without any credential configured", () => {
    expect(() => createAuthenticator({ missing: "dogdata needs `secret` or `basicAuth`" })).toThrow(/needs `secret` or `basicAuth`/);
  });

  it("accepts Alertmanager's bearer token, and nothing else in its place", () => {
    const ok = createAuthenticator({ bearer: "a-long-bearer-token-123" });
    expect(ok({ authorization: "Bearer a-long-bearer-token-123" })).toBe(true);
    expect(ok({ authorization: "bearer a-long-bearer-token-123" })).toBe(true);
    expect(ok({ authorization: "Bearer a-long-bearer-token-12" })).toBe(false);
    expect(ok({ authorization: basic("x", "a-long-bearer-token-123") })).toBe(false);
    expect(ok({ "x-botyard-secret": "a-long-bearer-token-123" })).toBe(false);
  });

  it("as a webhook's verify: passes a good delivery, answers 401 otherwise, with the basic-auth challenge when basic auth is configured", () => {
    const verify = createWebhookVerifier({ basic: { username: "am", password: "p4ssword-p4ssword" } });
    expect(verify({ headers: { authorization: basic("am", "p4ssword-p4ssword") } })).toBeUndefined();
    expect(verify({ headers: { authorization: basic("am", "wrong") } })).toEqual({
      status: 401,
      body: { ok: false, error: "unauthorized" },
      headers: { "www-authenticate": 'Basic realm="botyard"' },
    });
    const bearerOnly = createWebhookVerifier({ bearer: "a-long-bearer-token-123" });
    expect(bearerOnly({ headers: {} })).toEqual({ status: 401, body: { ok: false, error: "unauthorized" } });
  });
});
