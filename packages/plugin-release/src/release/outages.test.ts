import { GRAPHQL_OPERATION } from "@botyard/testing";
import { describe, expect, it, vi } from "vitest";
import { CHANNEL, logs, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

const CREATE = "POST /repos/{owner}/{repo}/pulls";
const COMPARE = "GET /repos/{owner}/{repo}/compare/{basehead}";
const statuses = (world: World, operation: string) => world.gh.callsTo(operation).map((c) => c.status);

/** One open release PR, announced once: what every outage below must leave. */
function expectOneReleasePr(world: World): void {
  const repo = world.gh.repo("acme/web");
  expect(releasePulls(repo).filter((p) => p.state === "open")).toHaveLength(1);
  expect(world.slack.messages(CHANNEL)).toHaveLength(1);
}

describe("GitHub outages never make a second release PR", () => {
  it("a create whose answer is lost after GitHub opened the PR (a 502) is retried; GitHub says it exists, and the bot updates that one", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.loseAnswer({ operation: CREATE });
    await w.t.fireSchedule("release");
    expect(statuses(w, CREATE)).toEqual([502, 422]);
    expectOneReleasePr(w);
    expect(releasePulls(w.gh.repo("acme/web"))[0]!.body).toContain("- [ ] #1 Add login (@alice)");
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual([expect.stringMatching(/^GitHub answered 502: retrying in \d+ ms$/)]);
    expect(w.t.status().triggers.find((t) => t.name === "release")).toMatchObject({ errors: 0 });
  });

  it("a create that times out (GitHub opened the PR, its answer came too late) is retried the same way", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { github: { token: "ghp_release_bot_test_token_0001", baseUrl: gh.url, timeoutSeconds: 1.5 } }));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    // Long enough past the timeout that a loaded machine's slow answers elsewhere do not time out too.
    w.gh.loseAnswer({ operation: CREATE, delayMs: 4_000 });
    await w.t.fireSchedule("release");
    await vi.waitFor(() => expect(statuses(w!, CREATE)).toEqual([422, 201]), { timeout: 10_000 }); // the late answer is recorded last
    expectOneReleasePr(w);
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual(["GitHub did not answer within 1.5 s: retrying in " + logs(w.t, 40)[0]!.waitMs + " ms"]);
  });

  it("server errors and dropped connections on reads are retried within bounds", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.inject({ operation: COMPARE, status: 0, drop: true });
    w.gh.inject({ operation: GRAPHQL_OPERATION, status: 503, body: { message: "Service Unavailable" }, times: 2 });
    await w.t.fireSchedule("release");
    expect(statuses(w, COMPARE)).toEqual([0, 200]);
    expect(statuses(w, GRAPHQL_OPERATION)).toEqual([503, 503, 200]);
    expectOneReleasePr(w);
  });

  it("an outage longer than the retries fails the repository's run cleanly; the next run opens the release PR once", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { github: { token: "ghp_release_bot_test_token_0001", baseUrl: gh.url, maxRetries: 1 } }));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.inject({ operation: CREATE, status: 502, body: { message: "Server Error" }, times: 2 });
    await w.t.fireSchedule("release");
    expect(statuses(w, CREATE)).toEqual([502, 502]);
    expect(logs(w.t, 50).map((l) => l.msg)[0]).toBe("release failed: acme/web: GitHub answered 502 (Server Error).");
    expect(releasePulls(w.gh.repo("acme/web"))).toEqual([]);
    expect(w.t.status().state).toBe("running");

    await w.t.fireSchedule("release");
    expectOneReleasePr(w);
  });

  it("a rate limit on GitHub's GraphQL API (200 with RATE_LIMITED) is waited out and the query sent again", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.rateLimit({ kind: "primary", operation: GRAPHQL_OPERATION, retryAfterSec: 0 });
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo(GRAPHQL_OPERATION).map((c) => (c.response as { errors?: Array<{ type: string }> }).errors?.[0]?.type ?? "ok")).toEqual(["RATE_LIMITED", "ok"]);
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual(["GitHub primary rate limit: waiting 0 s before retrying"]);
    expectOneReleasePr(w);
  });
});
