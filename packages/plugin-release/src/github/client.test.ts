import { getEventListeners } from "node:events";
import { createLogger } from "@botyard/core";
import { GitHubEmulator } from "@botyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN, logs, releaseConfig, stagingRepo, startWorld, eachTestAt, loggerInto, type World } from "../test-support/release-world.js";
import { createGitHub } from "./client.js";
import { githubSettings } from "../test-support/github-settings.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

describe("requests and the run's abort signal", () => {
  let gh: GitHubEmulator;
  beforeAll(async () => {
    gh = await GitHubEmulator.start({ conformance: false });
    gh.addToken("ghp_signal_test", { login: "release-bot", rateLimit: 100_000 });
    gh.createRepo("acme/web");
  });
  afterAll(() => gh.close());

  it("leave no abort listener on the run's signal: 50 runs add none, and no MaxListenersExceededWarning is emitted", async () => {
    // One long-lived signal shared by 50 runs, each with its own client, as every run of a bot gets
    // one from ctx.signal. fetch keeps a listener on the signal it is given until the request is
    // garbage collected; undici lifts the signal's limit to 1,500 before Node warns, so the count of
    // listeners left is what shows a leak at this size.
    const host = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      for (let run = 0; run < 50; run++) {
        const octokit = createGitHub(githubSettings({ token: "ghp_signal_test", baseUrl: gh.url }), { log: createLogger({ level: "silent" }), signal: host.signal });
        for (let i = 0; i < 2; i++) await octokit.repos.get({ owner: "acme", repo: "web" });
      }
      await new Promise((resolve) => setImmediate(resolve)); // Node emits process warnings on a later tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(getEventListeners(host.signal, "abort")).toHaveLength(0);
    expect(warnings.filter((x) => x.name === "MaxListenersExceededWarning").map((x) => x.message)).toEqual([]);
    expect(gh.callsTo("GET /repos/{owner}/{repo}")).toHaveLength(100);
  });

  it("still abort a request in flight when the run's signal aborts (host shutdown)", async () => {
    const host = new AbortController();
    gh.setLatency("GET /repos/{owner}/{repo}", 2_000);
    try {
      const octokit = createGitHub(githubSettings({ token: "ghp_signal_test", baseUrl: gh.url }), { log: createLogger({ level: "silent" }), signal: host.signal });
      const call = octokit.repos.get({ owner: "acme", repo: "web" });
      setTimeout(() => host.abort(new Error("host stopping")), 100);
      await expect(call).rejects.toThrow("host stopping");
    } finally {
      gh.setLatency("GET /repos/{owner}/{repo}", 0);
    }
  });
});

describe("rate-limit awareness", () => {
  it("reports the remaining points of each resource as a metric, as GitHub's headers state them", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(w.t.metric("github_rate_limit_remaining", { resource: "core" })).toBe(w.gh.quota(TOKEN).remaining);
    expect(w.t.metric("github_rate_limit_remaining", { resource: "graphql" })).toBe(w.gh.quota(TOKEN, "graphql").remaining);
    expect(w.gh.quota(TOKEN, "graphql").remaining).toBeLessThan(5000);
  });

  describe("with a token of 10 points an hour", () => {
    let gh: GitHubEmulator;
    const lines: Array<Record<string, unknown>> = [];
    beforeAll(async () => {
      gh = await GitHubEmulator.start();
      gh.addToken("ghp_small_budget", { login: "release-bot", rateLimit: 10 });
      gh.createRepo("acme/web");
    });
    afterAll(() => gh.close());

    it("warns once when fewer than 10% are left, then waits for the reset instead of sending what GitHub would refuse", async () => {
      const log = loggerInto(lines);
      const octokit = createGitHub(githubSettings({ token: "ghp_small_budget", baseUrl: gh.url, maxRateLimitWaitSeconds: 60 }), { log });
      for (let i = 0; i < 10; i++) await octokit.repos.get({ owner: "acme", repo: "web" });
      const warned = lines.filter((l) => l.level === 40).map((l) => l.msg);
      expect(warned).toEqual([expect.stringMatching(/^GitHub core rate limit is low: 0 of 10 points left until \S+Z\. The bot waits for the reset once they are spent/)]);
      // The budget is spent until the reset, an hour away: beyond the bound, the call fails at once and is never sent.
      const error = await octokit.repos.get({ owner: "acme", repo: "web" }).then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/^GitHub core rate limit is spent until \S+: it lifts in \d+ s, beyond maxRateLimitWaitSeconds \(60 s\)\. on GET \/repos\/acme\/web$/);
      expect(gh.callsTo("GET /repos/{owner}/{repo}")).toHaveLength(10);
    });
  });

  it("the low-budget warning is said once per reset window, not once per run", async () => {
    w = await startWorld((gh) => releaseConfig(gh), { before: (gh) => gh.addToken(TOKEN, { login: "release-bot", rateLimit: 12 }) });
    stagingRepo(w.gh);
    // Each run without the comparison's ETag spends a point, until the 12 are gone.
    for (let run = 0; run < 14 && w.gh.quota(TOKEN).remaining > 0; run++) {
      await w.t.store.delete("comparison/acme/web/main...develop");
      await w.t.fireSchedule("release");
    }
    expect(w.gh.quota(TOKEN).remaining).toBe(0);
    expect(logs(w.t, 40).filter((l) => /rate limit is low/.test(String(l.msg))).map((l) => l.remaining)).toEqual([1]);
  });
});
