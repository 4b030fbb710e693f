import { GitHubEmulator } from "@botyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHub } from "./client.js";
import { loggerInto } from "../test-support/release-world.js";
import { rateLimitWait } from "./rate-limit.js";
import { githubSettings } from "../test-support/github-settings.js";

const TOKEN = "ghp_rate_limit_test_token";
let gh: GitHubEmulator;
let lines: Array<Record<string, unknown>>;

function client(github: { maxRateLimitWaitSeconds?: number; maxRetries?: number } = {}, signal?: AbortSignal) {
  const log = loggerInto(lines);
  return createGitHub(githubSettings({ token: TOKEN, baseUrl: gh.url, ...github }), { log, ...(signal ? { signal } : {}) });
}

beforeAll(async () => {
  gh = await GitHubEmulator.start();
  gh.addToken(TOKEN, { login: "release-bot" });
  gh.createRepo("acme/web");
});
afterAll(() => gh.close());

describe("reading GitHub's rate-limit answers", () => {
  const failure = (status: number, headers: Record<string, string>, message = "") => ({ status, response: { headers, data: { message } } });

  it("waits until x-ratelimit-reset for a primary limit, measured on the server's clock", () => {
    const date = "Mon, 03 Jun 2024 08:00:00 GMT";
    const reset = String(Date.parse(date) / 1000 + 30);
    expect(rateLimitWait(failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, date }), 0)).toEqual({ kind: "primary", ms: 30_500 });
    expect(rateLimitWait(failure(429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, date }), 0)?.kind).toBe("primary");
  });

  it("waits retry-after for a secondary limit, and a minute when GitHub names none", () => {
    expect(rateLimitWait(failure(403, { "retry-after": "7" }))).toEqual({ kind: "secondary", ms: 7_000 });
    expect(rateLimitWait(failure(429, {}))).toEqual({ kind: "secondary", ms: 60_000 });
    expect(rateLimitWait(failure(403, {}, "You have exceeded a secondary rate limit."))).toEqual({ kind: "secondary", ms: 60_000 });
  });

  it("does not mistake other refusals for rate limits", () => {
    expect(rateLimitWait(failure(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by integration"))).toBeUndefined();
    expect(rateLimitWait(failure(404, { "retry-after": "1" }))).toBeUndefined();
    expect(rateLimitWait(new Error("socket hang up"))).toBeUndefined();
  });
});

describe("the GitHub client against rate limits", () => {
  it("retries after primary, secondary and 429 limits and succeeds", async () => {
    lines = [];
    gh.clearCalls();
    gh.rateLimit({ kind: "primary", retryAfterSec: 0 });
    gh.rateLimit({ kind: "secondary", retryAfterSec: 0 });
    gh.rateLimit({ kind: "secondary", status: 429, retryAfterSec: 0 });
    const { data } = await client().repos.get({ owner: "acme", repo: "web" });
    expect(data.full_name).toBe("acme/web");
    expect(gh.callsTo("GET /repos/{owner}/{repo}").map((c) => c.status)).toEqual([403, 403, 429, 200]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "GitHub primary rate limit: waiting 0 s before retrying",
      "GitHub secondary rate limit: waiting 0 s before retrying",
      "GitHub secondary rate limit: waiting 0 s before retrying",
    ]);
  });

  it("gives up at once, with a clear error, when the limit lifts later than the configured bound", async () => {
    gh.clearCalls();
    gh.rateLimit({ kind: "primary", retryAfterSec: 3600 });
    const error = await client({ maxRateLimitWaitSeconds: 5 }).repos.get({ owner: "acme", repo: "web" }).then(() => undefined, (e: unknown) => e as Error & { status?: number });
    if (!error) throw new Error("expected the call to fail");
    expect(error.message).toMatch(/^GitHub primary rate limit on GET \/repos\/acme\/web: it lifts in 360\d s, beyond maxRateLimitWaitSeconds \(5 s\)\.$/);
    expect(error.status).toBe(403);
    expect(gh.callsTo("GET /repos/{owner}/{repo}")).toHaveLength(1);
  });

  it("gives up after maxRetries when the limit keeps coming back", async () => {
    gh.clearCalls();
    gh.rateLimit({ kind: "secondary", retryAfterSec: 0, times: 5 });
    const error = await client({ maxRetries: 2 }).repos.get({ owner: "acme", repo: "web" }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe("GitHub secondary rate limit on GET /repos/acme/web: still limited after 2 retries.");
    expect(gh.callsTo("GET /repos/{owner}/{repo}")).toHaveLength(3);
    await client().repos.get({ owner: "acme", repo: "web" }).catch(() => undefined); // drain the scripted limits
    await client().repos.get({ owner: "acme", repo: "web" }).catch(() => undefined);
  });

  it("stops waiting when the run is aborted (host shutdown)", async () => {
    gh.rateLimit({ kind: "secondary", retryAfterSec: 60 });
    const abort = new AbortController();
    const call = client({ maxRateLimitWaitSeconds: 120 }, abort.signal).repos.get({ owner: "acme", repo: "web" });
    // abort while the client waits out the 60 s limit
    setTimeout(() => abort.abort(new Error("host stopping")), 50);
    await expect(call).rejects.toThrow("host stopping");
  });
});
