import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../logging/logger.js";
import { SLACK_REQUEST_TIMEOUT_MS, SLACK_RETRY_POLICY, createSlackClient } from "./slack-client.js";

// The host's WebClient against Slack having a bad day. @botyard/testing's emulator is built on core,
// so these tests cannot use it: a small HTTP server answers the way Slack does when it fails (the
// host-level tests in apps/host/src/e2e/slack-faults.e2e.test.ts run the same faults through the emulator).

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | "no answer";

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of servers.splice(0)) await close();
});

/** A Web API that answers each call with `answer(method, nth call to it)`, recording the calls. */
async function slackThat(answer: (method: string, n: number) => Answer) {
  const calls: Array<{ method: string; at: number }> = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = (req.url ?? "").replace(/^\/api\//, "");
    const n = calls.filter((c) => c.method === method).length + 1;
    calls.push({ method, at: Date.now() });
    req.resume();
    const a = answer(method, n);
    if (a === "no answer") return void hanging.push(res);
    res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
    res.end(JSON.stringify(a.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return { calls, apiUrl };
}

const fast = { retries: 2, minTimeout: 20, maxTimeout: 40 };

describe("createSlackClient against Slack failing", () => {
  it("retries a 5xx within its policy, then throws once, saying what happened and what to do", async () => {
    const slack = await slackThat(() => ({ status: 503, body: { ok: false, error: "service_unavailable" } }));
    const client = createSlackClient({ token: "xoxb-test", apiUrl: slack.apiUrl, logger: silentLogger(), clientOptions: { retryConfig: fast } });
    const error = (await client.chat.postMessage({ channel: "C0123ABCD", text: "hi" }).catch((e: unknown) => e)) as Error & { code: string };
    expect(slack.calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.postMessage", "chat.postMessage"]);
    expect(error.code).toBe("slack_webapi_http_error");
    expect(error.message).toMatch(
      /^chat\.postMessage in C0123ABCD failed: Slack answered HTTP 503 on each of 3 attempts over [\d.]+ m?s — Slack may be having trouble \(https:\/\/slack-status\.com\)/,
    );
  });

  it("gives up on an attempt Slack does not answer, and says how long it waited", async () => {
    const slack = await slackThat(() => "no answer");
    const client = createSlackClient({
      token: "xoxb-test",
      apiUrl: slack.apiUrl,
      logger: silentLogger(),
      clientOptions: { timeout: 150, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } },
    });
    const error = (await client.conversations.setTopic({ channel: "C0123ABCD", topic: "x" }).catch((e: unknown) => e)) as Error;
    expect(slack.calls).toHaveLength(2);
    expect(error.message).toMatch(/^conversations\.setTopic in C0123ABCD failed: no answer from Slack within 150 ms on each of 2 attempts over [\d.]+ m?s — check the network path/);
  });

  it("counts an attempt's timeout from when it is sent, not while it waits out a Retry-After longer than the timeout", async () => {
    const slack = await slackThat((_m, n) => (n <= 2 ? { status: 429, headers: { "retry-after": "1" }, body: { ok: false, error: "ratelimited" } } : { status: 200, body: { ok: true } }));
    const client = createSlackClient({
      token: "xoxb-test",
      apiUrl: slack.apiUrl,
      logger: silentLogger(),
      clientOptions: { timeout: 300, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 } },
    });
    // Two concurrent calls get a 429 each, then wait a second (over three timeouts) for their turn.
    const results = await Promise.all([client.chat.postMessage({ channel: "C0123ABCD", text: "a" }), client.chat.postMessage({ channel: "C0123ABCD", text: "b" })]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(slack.calls).toHaveLength(4);
    expect(slack.calls[2]!.at - slack.calls[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it("keeps a Slack error's class, code and data (code that handles already_reacted still works), and is not retried", async () => {
    const slack = await slackThat(() => ({ status: 200, body: { ok: false, error: "already_reacted" } }));
    const client = createSlackClient({ token: "xoxb-test", apiUrl: slack.apiUrl, logger: silentLogger(), clientOptions: { retryConfig: fast } });
    const error = (await client.reactions.add({ channel: "C0123ABCD", timestamp: "1.2", name: "eyes" }).catch((e: unknown) => e)) as Error & {
      code: string;
      data: { error: string };
    };
    expect(error.code).toBe("slack_webapi_platform_error");
    expect(error.data.error).toBe("already_reacted");
    expect(error.message).toBe("reactions.add in C0123ABCD failed: already_reacted");
    expect(slack.calls).toHaveLength(1);
  });

  it("names the channel and the bot in an invite, from conversations.info and the host's auth.test", async () => {
    const slack = await slackThat((method) =>
      method === "auth.test"
        ? { status: 200, body: { ok: true, user: "opsbot", user_id: "U0BOT" } }
        : method === "conversations.info"
          ? { status: 200, body: { ok: true, channel: { id: "C0123ABCD", name: "incidents" } } }
          : { status: 200, body: { ok: false, error: "not_in_channel" } },
    );
    const client = createSlackClient({ token: "xoxb-test", apiUrl: slack.apiUrl, logger: silentLogger() });
    await client.auth.test();
    const error = (await client.chat.postMessage({ channel: "C0123ABCD", text: "hi" }).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(error.message).toBe("chat.postMessage in C0123ABCD failed: not_in_channel — invite the app: /invite @opsbot in #incidents");
    expect(error.hint).toBe("invite the app: /invite @opsbot in #incidents");
  });

  it("by default waits at most about 25 s between the attempts of one call, each attempt limited to 10 s", () => {
    // node-retry's wait before retry i (0-based): min(maxTimeout, random(1..2) * minTimeout * factor^i).
    const worst = Array.from({ length: SLACK_RETRY_POLICY.retries }, (_, i) =>
      Math.min(SLACK_RETRY_POLICY.maxTimeout, 2 * SLACK_RETRY_POLICY.minTimeout * SLACK_RETRY_POLICY.factor ** i),
    ).reduce((a, b) => a + b, 0);
    expect(worst).toBeLessThanOrEqual(25_000);
    expect(SLACK_REQUEST_TIMEOUT_MS).toBe(10_000);
  });
});
