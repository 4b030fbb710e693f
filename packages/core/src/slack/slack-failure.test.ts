import slackWebApi from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { classifySlackError, describeSlackFailure } from "./slack-failure.js";

// The errors @slack/web-api 8.2.0 throws, as it builds them.
const { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } = slackWebApi;

const platform = (body: Record<string, unknown>) => new WebAPIPlatformError({ ok: false, ...body } as never);
const describeFor = (error: unknown, context: Partial<Parameters<typeof describeSlackFailure>[1]> = {}) =>
  describeSlackFailure(classifySlackError(error), { method: "chat.postMessage", args: { channel: "C0123ABCD" }, ...context }).message;

describe("what a failed Slack call tells the operator", () => {
  it("not_in_channel: the invite to type, with the bot's handle and the channel's name when known", () => {
    expect(describeFor(platform({ error: "not_in_channel" }), { botHandle: "botyard", channelName: "ops" })).toBe(
      "chat.postMessage in C0123ABCD failed: not_in_channel — invite the app: /invite @botyard in #ops",
    );
    expect(describeFor(platform({ error: "not_in_channel" }))).toBe(
      "chat.postMessage in C0123ABCD failed: not_in_channel — invite the app: /invite @<the app's bot name> in the channel C0123ABCD",
    );
  });

  it("missing_scope: the scope Slack says is needed and the ones the token has", () => {
    expect(describeFor(platform({ error: "missing_scope", needed: "chat:write", provided: "channels:read" }))).toBe(
      "chat.postMessage in C0123ABCD failed: missing_scope — the app needs the chat:write scope (it has channels:read): add it under OAuth & Permissions at " +
        "https://api.slack.com/apps, reinstall the app to the workspace, and restart botyard with the new slack.botToken if it changed",
    );
    // The client also maps the x-accepted-oauth-scopes / x-oauth-scopes headers into response_metadata.
    expect(classifySlackError(platform({ error: "missing_scope", response_metadata: { acceptedScopes: ["usergroups:write"], scopes: ["chat:write", "users:read"] } }))).toEqual({
      kind: "platform",
      error: "missing_scope",
      needed: "usergroups:write",
      provided: "chat:write,users:read",
    });
  });

  it("a refused token, whatever the method", () => {
    for (const error of ["invalid_auth", "token_revoked", "account_inactive"]) {
      expect(describeFor(platform({ error }), { method: "usergroups.users.update", args: { usergroup: "S0123" } })).toBe(
        `usergroups.users.update for user group S0123 failed: ${error} — Slack refused the bot token: check slack.botToken (xoxb-...); if the app was uninstalled or the token revoked, reinstall the app and update slack.botToken`,
      );
    }
  });

  it("Slack's other answers pass through with the method and channel, and no advice it does not have", () => {
    expect(describeFor(platform({ error: "message_not_found" }), { method: "chat.update" })).toBe("chat.update in C0123ABCD failed: message_not_found");
  });

  it("retries that ran out: 5xx, 429, no answer, refused connections", () => {
    const tried = { attempts: 6, elapsedMs: 23_400, timeoutMs: 10_000 };
    expect(describeFor(new WebAPIHTTPError(502, "Bad Gateway", {}, ""), tried)).toMatch(/failed: Slack answered HTTP 502 on each of 6 attempts over 23\.4 s — Slack may be having trouble/);
    expect(describeFor(new WebAPIRateLimitedError(30), tried)).toBe(
      "chat.postMessage in C0123ABCD failed: rate limited (HTTP 429, Retry-After 30 s) on each of 6 attempts over 23.4 s — the bots call chat.postMessage faster than Slack allows for this workspace: spread the calls out or make fewer",
    );
    const timedOut = new WebAPIRequestError(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    expect(describeFor(timedOut, tried)).toMatch(/failed: no answer from Slack within 10\.0 s on each of 6 attempts over 23\.4 s — check the network path to Slack/);
    const refused = new WebAPIRequestError(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") }));
    expect(describeFor(refused, tried)).toMatch(/failed: cannot reach Slack \(connect ECONNREFUSED 127\.0\.0\.1:9\) on each of 6 attempts/);
  });
});
