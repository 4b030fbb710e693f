import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeViolations } from "../conformance/registry.js";
import { GitHubEmulator } from "./github-emulator.js";
import type { GitHubRepo } from "./repo-model.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = "ghp_graphql_reader";

let gh: GitHubEmulator;
let octokit: Octokit;
let repo: GitHubRepo;
const merged: Record<string, { number: number; shas: string[]; landed: string[] }> = {};

const COMPARE = `query($owner: String!, $name: String!, $after: String) {
  rateLimit { cost remaining limit used }
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: "refs/heads/main") {
      compare(headRef: "develop") {
        aheadBy behindBy status
        commits(first: 3, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { oid parents(first: 2) { nodes { oid } } associatedPullRequests(first: 5) { nodes { number state baseRefName headRefName author { login } } } }
        }
      }
    }
  }
}`;

beforeAll(async () => {
  gh = await GitHubEmulator.start();
  gh.addToken(TOKEN, { login: "release-bot" });
  octokit = new Octokit({ baseUrl: gh.url, auth: TOKEN, log: silent });
  repo = gh.createRepo("acme/web");
  repo.createBranch("develop", "main");
  for (const method of ["merge", "squash", "rebase"] as const) {
    const r = repo.featureMerge("develop", { title: `By ${method}`, author: "alice", method, commits: 2 });
    merged[method] = { number: r.number, shas: r.shas, landed: r.landedShas };
  }
});
afterAll(() => gh.close());

describe("GitHub's GraphQL API, from the repository model", () => {
  it("compares refs and names each commit's pull requests as the REST endpoint does, page by page", async () => {
    type Page = { rateLimit: { cost: number }; repository: { ref: { compare: { aheadBy: number; status: string; commits: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ oid: string; associatedPullRequests: { nodes: Array<{ number: number }> } }> } } } } };
    const nodes: Array<{ oid: string; prs: number[] }> = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page = await octokit.graphql<Page>(COMPARE, { owner: "acme", name: "web", after });
      const { compare } = page.repository.ref;
      expect([compare.aheadBy, compare.status, compare.commits.totalCount]).toEqual([6, "AHEAD", 6]);
      // 1 commits connection + 3 commits' parents and associatedPullRequests = 7 "requests": rounded, at least 1 point.
      expect(page.rateLimit.cost).toBe(1);
      nodes.push(...compare.commits.nodes.map((n) => ({ oid: n.oid, prs: n.associatedPullRequests.nodes.map((p) => p.number) })));
      after = compare.commits.pageInfo.hasNextPage ? compare.commits.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(2);
    expect(nodes.map((n) => n.oid)).toEqual(repo.compare("main", "develop").ahead);
    for (const n of nodes) {
      const { data } = await octokit.repos.listPullRequestsAssociatedWithCommit({ owner: "acme", repo: "web", commit_sha: n.oid });
      expect(n.prs).toEqual(data.map((p) => p.number));
    }
    // the squash commit, the rebased copies, the merge commit: each names its PR
    const byOid = new Map(nodes.map((n) => [n.oid, n.prs]));
    expect(byOid.get(merged.squash!.landed[0]!)).toEqual([merged.squash!.number]);
    expect(merged.rebase!.landed.map((s) => byOid.get(s))).toEqual([[merged.rebase!.number], [merged.rebase!.number]]);
    expect(byOid.get(merged.merge!.landed[0]!)).toEqual([merged.merge!.number]);
  });

  it("finds pull requests by head and base, and answers NOT_FOUND as GitHub does", async () => {
    const open = repo.openPullRequest({ head: "develop", base: "main", title: "Release", user: "release-bot" });
    const data = await octokit.graphql<{ repository: { pullRequests: { nodes: Array<{ number: number; state: string; headRefOid: string }> } } }>(
      `{ repository(owner: "acme", name: "web") { pullRequests(headRefName: "develop", baseRefName: "main", states: [OPEN], first: 5) { nodes { number state headRefOid } } } }`,
    );
    expect(data.repository.pullRequests.nodes).toEqual([{ number: open, state: "OPEN", headRefOid: repo.head("develop") }]);

    const missing = await octokit.graphql(`{ repository(owner: "acme", name: "nope") { name } }`).catch((e: { errors: unknown; data: unknown }) => e);
    expect(missing).toMatchObject({ data: { repository: null }, errors: [{ type: "NOT_FOUND", path: ["repository"], message: "Could not resolve to a Repository with the name 'acme/nope'." }] });
  });

  it("spends points from the token's GraphQL budget, reported in rateLimit and the headers, apart from REST's", async () => {
    const before = gh.quota(TOKEN);
    const res = await octokit.request("POST /graphql", { query: `{ rateLimit { cost remaining used } viewer { login } }` } as never);
    expect(res.headers["x-ratelimit-resource"]).toBe("graphql");
    const { rateLimit, viewer } = (res.data as { data: { rateLimit: { cost: number; remaining: number; used: number }; viewer: { login: string } } }).data;
    expect(viewer.login).toBe("release-bot");
    expect(rateLimit.cost).toBe(1);
    expect(Number(res.headers["x-ratelimit-remaining"])).toBe(rateLimit.remaining);
    expect(gh.quota(TOKEN).used).toBe(before.used); // REST's bucket is untouched
    // 100 pull requests x 100 commits x 100 associated PRs: 1 + 100 + 10,000 requests = 101 points, 1,010,100 nodes: refused
    const big = await octokit
      .graphql(`{ repository(owner: "acme", name: "web") { pullRequests(first: 100) { nodes { commits(first: 100) { nodes { commit { associatedPullRequests(first: 100) { totalCount } } } } } } } }`)
      .catch((e: { errors: Array<{ type: string; message: string }> }) => e);
    expect((big as { errors: Array<{ type: string }> }).errors[0]!.type).toBe("MAX_NODE_LIMIT_EXCEEDED");
  });

  it("refuses a connection without first or last, and more than 100 records", async () => {
    const noLimit = await octokit.graphql(`{ repository(owner: "acme", name: "web") { pullRequests { totalCount } } }`).catch((e: { errors: unknown }) => e);
    expect(noLimit).toMatchObject({ errors: [{ type: "MISSING_PAGINATION_BOUNDARIES", message: "You must provide a `first` or `last` value to properly paginate the `pullRequests` connection." }] });
    const tooMany = await octokit.graphql(`{ repository(owner: "acme", name: "web") { pullRequests(first: 101) { totalCount } } }`).catch((e: { errors: unknown }) => e);
    expect(tooMany).toMatchObject({ errors: [{ type: "EXCESSIVE_PAGINATION" }] });
  });

  it("validates every query against GitHub's published schema: a field GitHub does not have is a violation of the test that sent it", async () => {
    const error = await octokit.graphql(`{ repository(owner: "acme", name: "web") { pullRequests(first: 1) { nodes { reviewersPending } } } }`).catch((e: { errors: Array<{ message: string }> }) => e);
    expect((error as { errors: Array<{ message: string }> }).errors.map((e) => e.message)).toEqual(['Cannot query field "reviewersPending" on type "PullRequest".']);
    const [found, ...more] = takeViolations({ provider: "github", operation: "POST /graphql" });
    expect(more).toEqual([]);
    expect(found).toMatchObject({ direction: "request", errors: ['Cannot query field "reviewersPending" on type "PullRequest".'] });
  });

  it("reports a field GitHub has but the emulator does not answer as a coverage violation", async () => {
    await octokit.graphql(`{ repository(owner: "acme", name: "web") { stargazerCount } }`).catch(() => undefined);
    expect(takeViolations({ provider: "github", operation: "POST /graphql" })).toMatchObject([{ direction: "coverage", errors: ["Repository.stargazerCount"] }]);
  });

  it("is served at /api/graphql for a GitHub Enterprise Server base URL (…/api/v3), as Octokit sends it", async () => {
    const ghes = new Octokit({ baseUrl: `${gh.url}/api/v3`, auth: TOKEN, log: silent });
    expect(await ghes.graphql<{ viewer: { login: string } }>("{ viewer { login } }")).toEqual({ viewer: { login: "release-bot" } });
    expect(gh.callsTo("POST /graphql").at(-1)!.path).toBe("/api/graphql");
  });
});

describe("conditional requests (ETag / If-None-Match)", () => {
  it("answer 304 for an unchanged resource without spending the rate limit, and 200 with a new ETag once it changed", async () => {
    const route = "GET /repos/{owner}/{repo}/compare/{basehead}";
    const params = { owner: "acme", repo: "web", basehead: "main...develop", per_page: 1 };
    const first = await octokit.request(route, params);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const used = gh.quota(TOKEN).used;
    const again = await octokit.request(route, { ...params, headers: { "if-none-match": etag } }).catch((e: { status: number }) => e);
    expect(again.status).toBe(304);
    expect(gh.quota(TOKEN).used).toBe(used);
    // another token sees another representation (GitHub's answers vary on Authorization)
    gh.addToken("ghp_other_reader", { login: "carol" });
    const other = new Octokit({ baseUrl: gh.url, auth: "ghp_other_reader", log: silent });
    expect((await other.request(route, { ...params, headers: { "if-none-match": etag } })).status).toBe(200);

    repo.commit("develop", { message: "Direct push", author: "bob" });
    const changed = await octokit.request(route, { ...params, headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(gh.quota(TOKEN).used).toBe(used + 1);
  });
});

describe("lost answers", () => {
  it("carry out the write and answer 502 instead (a proxy failing after GitHub did the work)", async () => {
    gh.loseAnswer({ operation: "POST /repos/{owner}/{repo}/pulls" });
    repo.createBranch("hotfix", "main");
    repo.commit("hotfix", { message: "Fix", author: "bob" });
    const failed = await octokit.pulls.create({ owner: "acme", repo: "web", head: "hotfix", base: "main", title: "Hotfix" }).catch((e: { status: number }) => e);
    expect(failed.status).toBe(502);
    expect(repo.pulls().filter((p) => p.head === "hotfix").map((p) => p.state)).toEqual(["open"]);
  });
});
