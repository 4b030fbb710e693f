import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeViolations } from "../conformance/registry.js";
import { GitHubEmulator } from "./github-emulator.js";
import type { GitHubRepo } from "./repo-model.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = "ghp_releasebot";

let gh: GitHubEmulator;
let octokit: Octokit;

/** An Octokit for `auth` (`null`: anonymous). */
function client(auth: string | null = TOKEN): Octokit {
  return new Octokit({ baseUrl: gh.url, ...(auth === null ? {} : { auth }), log: silent });
}

/** The RequestError Octokit throws for a call (fails the test if the call succeeds). */
async function failure(call: Promise<unknown>): Promise<{
  status: number;
  response: { data: any; headers: Record<string, string | number | undefined> };
}> {
  try {
    await call;
  } catch (error) {
    return error as never;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  gh = await GitHubEmulator.start();
  gh.addUser({ login: "release-bot", name: "Release Bot" });
  gh.addUser({ login: "alice", name: "Alice Liddell", email: "alice@example.com" });
  gh.addUser({ login: "bob", name: "Bob" });
  gh.addUser({ login: "carol" });
  gh.addTeam("acme", { slug: "platform", members: ["carol", "dave"] });
  gh.addToken(TOKEN, { login: "release-bot" });
  octokit = client();
});

afterAll(async () => {
  await gh.close();
});

describe("compare", () => {
  let repo: GitHubRepo;
  const owner = "acme";
  const name = "compare";

  beforeAll(() => {
    repo = gh.createRepo("acme/compare", { defaultBranch: "main" });
    repo.createBranch("develop", "main");
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge", commits: 2 });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash", commits: 3 });
    repo.featureMerge("develop", { title: "Refactor auth", author: "alice", method: "rebase", commits: 2 });
    repo.featureMerge("develop", { title: "Big import", author: "bob", method: "merge", commits: 260 });
  });

  it("counts commits reachable from head and not from base, across merge, squash and rebase", async () => {
    const { data } = await octokit.repos.compareCommitsWithBasehead({ owner, repo: name, basehead: "main...develop" });
    // merge: 2 + merge commit; squash: 1; rebase: 2; merge: 260 + merge commit
    expect(data.ahead_by).toBe(267);
    expect(data.total_commits).toBe(267);
    expect(data.behind_by).toBe(0);
    expect(data.status).toBe("ahead");
    expect(data.merge_base_commit.sha).toBe(repo.head("main"));
    expect(data.base_commit.sha).toBe(repo.head("main"));
    // no paging parameter: the 250 most recent commits, oldest first, ending with head
    expect(data.commits).toHaveLength(250);
    expect(data.commits.at(-1)!.sha).toBe(repo.head("develop"));
    expect(data.files!.length).toBeGreaterThan(0);
    const merges = data.commits.filter((c) => c.parents.length === 2);
    expect(merges).toHaveLength(1); // the first merge commit fell off the 250 window
  });

  it("paginates past 250 commits with page/per_page and a Link header", async () => {
    const all = await octokit.paginate(
      octokit.repos.compareCommitsWithBasehead,
      { owner, repo: name, basehead: "main...develop", per_page: 100 },
      // Octokit's paginate types assume a `total_count` list here; compare's array is `commits`
      (response) => (response.data as unknown as { commits: Array<{ sha: string }> }).commits,
    );
    expect(all).toHaveLength(267);
    expect(new Set(all.map((c) => c.sha)).size).toBe(267);
    expect(all.at(-1)!.sha).toBe(repo.head("develop"));
    expect(all.map((c) => c.sha)).toEqual(repo.compare("main", "develop").ahead);

    const first = await octokit.repos.compareCommits({ owner, repo: name, base: "main", head: "develop", per_page: 100 });
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('rel="last"');
    expect(first.data.files!.length).toBeGreaterThan(0);

    // page by `page` until a short page comes back
    const pages: string[][] = [];
    for (let page = 1; ; page++) {
      const { data } = await octokit.repos.compareCommits({ owner, repo: name, base: "main", head: "develop", per_page: 100, page });
      pages.push(data.commits.map((c) => c.sha));
      expect(data.ahead_by).toBe(267);
      if (page > 1) expect(data.files).toBeUndefined();
      if (data.commits.length < 100) break;
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 67]);
  });

  it("reports diverged, behind and identical histories, and 404s for unknown refs", async () => {
    const other = gh.createRepo("acme/compare2");
    other.createBranch("develop", "main");
    other.featureMerge("develop", { title: "Feature", author: "alice", method: "squash" });
    other.commit("main", { message: "Hotfix", author: "bob" });
    let { data } = await octokit.repos.compareCommitsWithBasehead({ owner, repo: "compare2", basehead: "main...develop" });
    expect([data.status, data.ahead_by, data.behind_by]).toEqual(["diverged", 1, 1]);
    ({ data } = await octokit.repos.compareCommitsWithBasehead({ owner, repo: "compare2", basehead: "develop...main" }));
    expect([data.status, data.ahead_by, data.behind_by]).toEqual(["diverged", 1, 1]);

    const release = other.openPullRequest({ head: "develop", base: "main", title: "Release", user: "release-bot" });
    other.mergePullRequest(release, { method: "merge" });
    ({ data } = await octokit.repos.compareCommitsWithBasehead({ owner, repo: "compare2", basehead: "main...develop" }));
    // main has the hotfix and the release merge commit that develop lacks
    expect([data.status, data.ahead_by, data.behind_by]).toEqual(["behind", 0, 2]);
    expect(data.merge_base_commit.sha).toBe(other.head("develop"));
    ({ data } = await octokit.repos.compareCommitsWithBasehead({ owner, repo: "compare2", basehead: "main...main" }));
    expect(data.status).toBe("identical");
    ({ data } = await octokit.repos.compareCommitsWithBasehead({
      owner,
      repo: "compare2",
      basehead: `acme:${other.head("main").slice(0, 7)}...acme:develop`,
    }));
    expect(data.behind_by).toBe(2); // same as main...develop

    const err = await failure(octokit.repos.compareCommitsWithBasehead({ owner, repo: "compare2", basehead: "main...nope" }));
    expect(err.status).toBe(404);
    expect(err.response.data).toMatchObject({
      message: "Not Found",
      documentation_url: "https://docs.github.com/rest/commits/commits#compare-two-commits",
    });
  });
});

describe("commits and their pull requests", () => {
  it("associates merge, squash and rebase results (and the PR's own commits) with the PR", async () => {
    const repo = gh.createRepo("acme/assoc");
    const list = (sha: string) =>
      octokit.repos
        .listPullRequestsAssociatedWithCommit({ owner: "acme", repo: "assoc", commit_sha: sha })
        .then((r) => r.data.map((p) => p.number));

    const merged = repo.featureMerge("main", { title: "Merged", author: "alice", method: "merge", commits: 2 });
    const mergeCommit = repo.getCommit(merged.mergeCommitSha);
    expect(mergeCommit.parents).toHaveLength(2);
    expect(await list(merged.mergeCommitSha)).toEqual([merged.number]);
    expect(await list(merged.shas[0]!)).toEqual([merged.number]);
    const { data: commit } = await octokit.repos.getCommit({ owner: "acme", repo: "assoc", ref: merged.mergeCommitSha });
    expect(commit.parents.map((p) => p.sha)).toEqual(mergeCommit.parents);
    expect(commit.commit.message).toBe(`Merge pull request #${merged.number} from acme/feature/merged\n\nMerged`);
    expect(commit.files).toHaveLength(2); // what the merge brought in over its first parent
    expect((await octokit.repos.getCommit({ owner: "acme", repo: "assoc", ref: "main" })).data.sha).toBe(merged.mergeCommitSha);

    const squashed = repo.featureMerge("main", { title: "Squashed", author: "bob", method: "squash", commits: 3 });
    expect(squashed.landedShas).toEqual([squashed.mergeCommitSha]);
    expect(repo.getCommit(squashed.mergeCommitSha).parents).toEqual([merged.mergeCommitSha]);
    expect(repo.getCommit(squashed.mergeCommitSha).message).toMatch(/^Squashed \(#2\)\n\n\* Squashed \(1\/3\)/);
    expect(await list(squashed.mergeCommitSha)).toEqual([squashed.number]);
    expect(await list(squashed.shas[1]!)).toEqual([squashed.number]);

    const rebased = repo.featureMerge("main", { title: "Rebased", author: "alice", method: "rebase", commits: 2 });
    expect(rebased.landedShas).toHaveLength(2);
    expect(rebased.landedShas).not.toContain(rebased.shas[0]);
    expect(repo.head("main")).toBe(rebased.landedShas[1]);
    for (const sha of rebased.landedShas) expect(await list(sha)).toEqual([rebased.number]);

    // a commit not yet on the default branch: open and merged PRs that contain it
    repo.createBranch("develop", "main");
    const feature = repo.featureMerge("develop", { title: "On develop", author: "bob", method: "merge" });
    const release = repo.openPullRequest({ head: "develop", base: "main", title: "Release", user: "release-bot" });
    const { data } = await octokit.repos.listPullRequestsAssociatedWithCommit({
      owner: "acme",
      repo: "assoc",
      commit_sha: feature.shas[0]!,
    });
    expect(data.map((p) => [p.number, p.base.ref, p.merged_at !== null])).toEqual([
      [feature.number, "develop", true],
      [release, "main", false],
    ]);
    // once released to the default branch, only the merged PR that introduced it is listed
    repo.mergePullRequest(release, { method: "merge", by: "release-bot" });
    expect(await list(feature.shas[0]!)).toEqual([feature.number]);

    const err = await failure(list("0".repeat(40)));
    expect(err.status).toBe(422);
  });

  it("on a git-flow repository (default branch develop), lists only the PR that brought a commit into develop", async () => {
    const repo = gh.createRepo("acme/flow", { defaultBranch: "develop" });
    repo.createBranch("main", "develop");
    const list = (sha: string) =>
      octokit.repos.listPullRequestsAssociatedWithCommit({ owner: "acme", repo: "flow", commit_sha: sha }).then((r) => r.data.map((p) => p.number));
    const feature = repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const release = repo.openPullRequest({ head: "develop", base: "main", title: "Release", user: "release-bot" });
    // the open release PR carries the commit too, but the commit is on the default branch already
    expect(await list(feature.shas[0]!)).toEqual([feature.number]);
    repo.mergePullRequest(release, { method: "squash", by: "release-bot" });
    // the squashed release PR is not listed for the commits it released, only for its squash commit on main
    expect(await list(feature.shas[0]!)).toEqual([feature.number]);
    expect(await list(feature.mergeCommitSha)).toEqual([feature.number]);
    expect(await list(repo.head("main"))).toEqual([release]);
  });
});

describe("pull requests", () => {
  let repo: GitHubRepo;
  beforeAll(() => {
    repo = gh.createRepo("acme/web", { defaultBranch: "main" });
    repo.createBranch("develop", "main");
    repo.featureMerge("develop", { title: "Feature A", author: "alice", method: "squash" });
  });

  it("creates a PR (201), then 422s: already exists, no commits between, bad branch, body too long", async () => {
    const created = await octokit.pulls.create({
      owner: "acme",
      repo: "web",
      head: "develop",
      base: "main",
      title: "Release 2024-06-01",
      body: "- Feature A",
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      number: repo.pulls().at(-1)!.number,
      state: "open",
      merged: false,
      draft: false,
      title: "Release 2024-06-01",
      commits: 1,
      user: { login: "release-bot" },
      head: { ref: "develop", label: "acme:develop", sha: repo.head("develop") },
      base: { ref: "main", sha: repo.head("main"), repo: { full_name: "acme/web" } },
      html_url: `https://github.com/acme/web/pull/${created.data.number}`,
    });

    const exists = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "develop", base: "main", title: "Again" }));
    expect(exists.status).toBe(422);
    expect(exists.response.data).toEqual({
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:develop." }],
      documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
      status: "422",
    });

    repo.createBranch("empty", "main");
    const none = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "empty", base: "main", title: "Nothing" }));
    expect(none.status).toBe(422);
    expect(none.response.data.errors).toEqual([
      { resource: "PullRequest", code: "custom", message: "No commits between main and empty" },
    ]);

    const missing = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "nope", base: "main", title: "x" }));
    expect(missing.response.data.errors).toEqual([{ resource: "PullRequest", field: "head", code: "invalid" }]);

    repo.commit("empty", { message: "one change" });
    const long = await failure(
      octokit.pulls.create({ owner: "acme", repo: "web", head: "empty", base: "main", title: "x", body: "x".repeat(65_537) }),
    );
    expect(long.status).toBe(422);
    expect(long.response.data.errors[0]).toMatchObject({ field: "body", message: "body is too long (maximum is 65536 characters)" });
    const ok = await octokit.pulls.create({ owner: "acme", repo: "web", head: "empty", base: "main", title: "x", body: "x".repeat(65_536), draft: true });
    expect(ok.data.draft).toBe(true);
    expect(gh.callsTo("POST /repos/{owner}/{repo}/pulls").map((c) => c.status)).toEqual([201, 422, 422, 422, 422, 201]);
  });

  it("lists with head owner:branch filtering, ignores a bare branch, filters base, paginates", async () => {
    const open = repo.pulls().filter((p) => p.state === "open");
    expect(open.length).toBe(2);
    const byOwnerBranch = await octokit.pulls.list({ owner: "acme", repo: "web", head: "acme:develop" });
    expect(byOwnerBranch.data.map((p) => p.head.ref)).toEqual(["develop"]);
    const bare = await octokit.pulls.list({ owner: "acme", repo: "web", head: "develop" });
    expect(bare.data).toHaveLength(2);
    const otherOwner = await octokit.pulls.list({ owner: "acme", repo: "web", head: "someone:develop" });
    expect(otherOwner.data).toHaveLength(0);
    const all = await octokit.pulls.list({ owner: "acme", repo: "web", state: "all", base: "develop" });
    expect(all.data.map((p) => p.title)).toEqual(["Feature A"]);

    const firstPage = await octokit.pulls.list({ owner: "acme", repo: "web", state: "all", per_page: 1 });
    expect(firstPage.headers.link).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/web\/pulls\?state=all&per_page=1&page=2>; rel="next"/);
    const paged = await octokit.paginate(octokit.pulls.list, { owner: "acme", repo: "web", state: "all", per_page: 1 });
    expect(paged.map((p) => p.number)).toEqual([3, 2, 1]); // created, newest first
  });

  it("updates a PR (title, body, state, base)", async () => {
    const number = repo.pulls().find((p) => p.head === "develop" && p.state === "open")!.number;
    const { data } = await octokit.pulls.update({ owner: "acme", repo: "web", pull_number: number, title: "Release v2", body: "notes" });
    expect([data.title, data.body]).toEqual(["Release v2", "notes"]);
    expect(repo.pull(number)).toMatchObject({ title: "Release v2", body: "notes", state: "open" });
    await octokit.pulls.update({ owner: "acme", repo: "web", pull_number: number, state: "closed" });
    expect(repo.pull(number)).toMatchObject({ state: "closed", merged: false });
    const reopened = await octokit.pulls.update({ owner: "acme", repo: "web", pull_number: number, state: "open" });
    expect(reopened.data.state).toBe("open");
    const bad = await failure(octokit.pulls.update({ owner: "acme", repo: "web", pull_number: number, base: "nope" }));
    expect(bad.status).toBe(422);
    const got = await octokit.pulls.get({ owner: "acme", repo: "web", pull_number: number });
    expect(got.data).toMatchObject({ number, title: "Release v2", mergeable: true, merged_by: null });
    const commits = await octokit.pulls.listCommits({ owner: "acme", repo: "web", pull_number: number });
    expect(commits.data.map((c) => c.sha)).toEqual(repo.pull(number).commits);
  });

  it("labels, assignees, reviewers; a reviewer who reviews leaves requested_reviewers", async () => {
    const number = repo.pulls().find((p) => p.head === "develop" && p.state === "open")!.number;
    const labels = await octokit.issues.addLabels({ owner: "acme", repo: "web", issue_number: number, labels: ["release", "bug"] });
    expect(labels.data.map((l) => l.name)).toEqual(["release", "bug"]);
    const assigned = await octokit.issues.addAssignees({ owner: "acme", repo: "web", issue_number: number, assignees: ["alice", "ghost"] });
    expect(assigned.status).toBe(201);
    expect(assigned.data.assignees!.map((a) => a.login)).toEqual(["alice"]);

    const requested = await octokit.pulls.requestReviewers({
      owner: "acme",
      repo: "web",
      pull_number: number,
      reviewers: ["alice", "bob"],
      team_reviewers: ["platform"],
    });
    expect(requested.status).toBe(201);
    let rr = await octokit.pulls.listRequestedReviewers({ owner: "acme", repo: "web", pull_number: number });
    expect(rr.data.users.map((u) => u.login)).toEqual(["alice", "bob"]);
    expect(rr.data.teams.map((t) => t.slug)).toEqual(["platform"]);

    repo.review(number, { user: "alice", state: "APPROVED" });
    repo.review(number, { user: "carol", state: "COMMENTED", body: "looks fine" });
    rr = await octokit.pulls.listRequestedReviewers({ owner: "acme", repo: "web", pull_number: number });
    expect(rr.data.users.map((u) => u.login)).toEqual(["bob"]);
    expect(rr.data.teams).toEqual([]); // carol reviewed for the platform team
    const reviews = await octokit.pulls.listReviews({ owner: "acme", repo: "web", pull_number: number });
    expect(reviews.data.map((r) => [r.user!.login, r.state])).toEqual([
      ["alice", "APPROVED"],
      ["carol", "COMMENTED"],
    ]);
    expect(reviews.data[0]!.commit_id).toBe(repo.head("develop"));

    const removed = await octokit.pulls.removeRequestedReviewers({ owner: "acme", repo: "web", pull_number: number, reviewers: ["bob"] });
    expect(removed.data.requested_reviewers).toEqual([]);
    const self = await failure(octokit.pulls.requestReviewers({ owner: "acme", repo: "web", pull_number: number, reviewers: ["release-bot"] }));
    expect(self.status).toBe(422);
    expect(self.response.data.message).toBe("Review cannot be requested from pull request author.");
    const stranger = await failure(octokit.pulls.requestReviewers({ owner: "acme", repo: "web", pull_number: number, reviewers: ["nobody"] }));
    expect(stranger.response.data.message).toMatch(/^Reviews may only be requested from collaborators/);
    expect(repo.pull(number)).toMatchObject({ labels: ["release", "bug"], assignees: ["alice"], requestedReviewers: [] });
  });

  it("submits reviews through the API: approve, request changes (with a body), not one's own PR", async () => {
    const number = repo.pulls().find((p) => p.head === "develop" && p.state === "open")!.number;
    gh.addToken("ghp_alice", { login: "alice" });
    repo.requestReviewers(number, { users: ["bob"] });
    const approved = await client("ghp_alice").pulls.createReview({ owner: "acme", repo: "web", pull_number: number, event: "APPROVE" });
    expect(approved.status).toBe(200);
    expect(approved.data).toMatchObject({ state: "APPROVED", user: { login: "alice" }, commit_id: repo.head("develop") });
    gh.addToken("ghp_bob", { login: "bob" });
    const bare = await failure(client("ghp_bob").pulls.createReview({ owner: "acme", repo: "web", pull_number: number, event: "REQUEST_CHANGES" }));
    expect([bare.status, bare.response.data.errors]).toEqual([422, ["Body is required"]]);
    await client("ghp_bob").pulls.createReview({ owner: "acme", repo: "web", pull_number: number, event: "REQUEST_CHANGES", body: "not yet" });
    expect(repo.pull(number).requestedReviewers).not.toContain("bob");
    const pending = await failure(client("ghp_bob").pulls.createReview({ owner: "acme", repo: "web", pull_number: number }));
    expect(pending.status).toBe(422);
    const own = await failure(octokit.pulls.createReview({ owner: "acme", repo: "web", pull_number: number, event: "APPROVE" }));
    expect(own.response.data.message).toBe("Can not approve your own pull request");
    expect(repo.pull(number).reviews.slice(-2).map((r) => [r.user, r.state, r.body])).toEqual([
      ["alice", "APPROVED", ""],
      ["bob", "CHANGES_REQUESTED", "not yet"],
    ]);
  });

  it("merges through the API and reports merged state", async () => {
    const number = repo.pulls().find((p) => p.head === "develop" && p.state === "open")!.number;
    const merged = await octokit.pulls.merge({ owner: "acme", repo: "web", pull_number: number, merge_method: "merge" });
    expect(merged.data).toMatchObject({ merged: true, sha: repo.head("main") });
    const { data } = await octokit.pulls.get({ owner: "acme", repo: "web", pull_number: number });
    expect(data).toMatchObject({ state: "closed", merged: true, merge_commit_sha: repo.head("main"), merged_by: { login: "release-bot" } });
    const again = await failure(octokit.pulls.merge({ owner: "acme", repo: "web", pull_number: number }));
    expect(again.status).toBe(405);
  });
});

describe("repos, users, teams", () => {
  it("serves repositories, branches, users and team members", async () => {
    gh.createRepo("acme/api", { defaultBranch: "trunk" });
    const { data: repo } = await octokit.repos.get({ owner: "acme", repo: "api" });
    expect(repo).toMatchObject({ full_name: "acme/api", default_branch: "trunk", private: true, owner: { login: "acme", type: "Organization" } });
    const { data: branch } = await octokit.repos.getBranch({ owner: "acme", repo: "api", branch: "trunk" });
    expect(branch.commit.sha).toBe(gh.repo("acme/api").head("trunk"));
    gh.repo("acme/api").createBranch("release/1.0", "trunk");
    expect((await octokit.repos.getBranch({ owner: "acme", repo: "api", branch: "release/1.0" })).data.name).toBe("release/1.0");
    const noBranch = await failure(octokit.repos.getBranch({ owner: "acme", repo: "api", branch: "nope" }));
    expect([noBranch.status, noBranch.response.data.message]).toEqual([404, "Branch not found"]);
    const noRepo = await failure(octokit.repos.get({ owner: "acme", repo: "nope" }));
    expect(noRepo.response.data).toEqual({
      message: "Not Found",
      documentation_url: "https://docs.github.com/rest/repos/repos#get-a-repository",
      status: "404",
    });

    const alice = await octokit.users.getByUsername({ username: "alice" });
    expect([alice.data.name, alice.data.email]).toEqual(["Alice Liddell", "alice@example.com"]);
    expect((await octokit.users.getByUsername({ username: "bob" })).data.email).toBeNull();
    expect((await failure(octokit.users.getByUsername({ username: "nobody" }))).status).toBe(404);
    expect((await octokit.users.getAuthenticated()).data.login).toBe("release-bot");

    const members = await octokit.teams.listMembersInOrg({ org: "acme", team_slug: "platform" });
    expect(members.data.map((m) => m.login)).toEqual(["carol", "dave"]);
    gh.addToken("ghp_noorg", { login: "bob", scopes: ["repo"] });
    const noOrg = await failure(client("ghp_noorg").teams.listMembersInOrg({ org: "acme", team_slug: "platform" }));
    expect(noOrg.status).toBe(404);

    gh.addToken("ghp_other", { login: "bob", repos: ["acme/web"] });
    expect((await failure(client("ghp_other").repos.get({ owner: "acme", repo: "api" }))).status).toBe(404);
    expect((await client("ghp_other").repos.get({ owner: "acme", repo: "web" })).status).toBe(200);
    expect((await failure(client(null).repos.get({ owner: "acme", repo: "web" }))).status).toBe(404);
  });
});

describe("auth, rate limits, unknown routes", () => {
  it("401s unknown tokens", async () => {
    const err = await failure(client("ghp_wrong").repos.get({ owner: "acme", repo: "web" }));
    expect(err.status).toBe(401);
    expect(err.response.data).toEqual({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
  });

  it("sends rate-limit headers and counts calls", async () => {
    const before = gh.quota(TOKEN);
    const res = await octokit.repos.get({ owner: "acme", repo: "web" });
    expect(res.headers["x-ratelimit-limit"]).toBe("5000");
    expect(Number(res.headers["x-ratelimit-remaining"])).toBe(before.remaining - 1);
    expect(res.headers["x-ratelimit-resource"]).toBe("core");
    const { data } = await octokit.rateLimit.get();
    expect(data.resources.core.used).toBe(before.used + 1);
  });

  it("primary rate limit: 403, remaining 0, reset", async () => {
    gh.rateLimit({ kind: "primary", retryAfterSec: 120 });
    const err = await failure(octokit.repos.get({ owner: "acme", repo: "web" }));
    expect(err.status).toBe(403);
    expect(err.response.headers["x-ratelimit-remaining"]).toBe("0");
    const reset = Number(err.response.headers["x-ratelimit-reset"]);
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 119);
    expect(err.response.data.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    expect((await octokit.repos.get({ owner: "acme", repo: "web" })).status).toBe(200);
  });

  it("secondary rate limit: 403 or 429 with retry-after", async () => {
    gh.rateLimit({ kind: "secondary", times: 2, retryAfterSec: 30 });
    for (let i = 0; i < 2; i++) {
      const err = await failure(octokit.pulls.list({ owner: "acme", repo: "web" }));
      expect(err.status).toBe(403);
      expect(err.response.headers["retry-after"]).toBe("30");
      expect(err.response.data.message).toMatch(/^You have exceeded a secondary rate limit/);
    }
    gh.rateLimit({ kind: "secondary", status: 429, operation: "POST /repos/{owner}/{repo}/pulls" });
    await octokit.pulls.list({ owner: "acme", repo: "web" });
    const err = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "develop", base: "main", title: "x" }));
    expect(err.status).toBe(429);
    expect(err.response.headers["retry-after"]).toBe("60");
  });

  it("404s unknown routes and records operations by their OpenAPI templates", async () => {
    const err = await failure(octokit.request("GET /repos/{owner}/{repo}/nothing-here", { owner: "acme", repo: "web" }));
    expect(err.status).toBe(404);
    expect(err.response.data).toMatchObject({ message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    // In conformance mode an endpoint the emulator does not implement is a coverage violation.
    expect(takeViolations({ provider: "github", direction: "coverage" }).map((v) => v.operation)).toEqual(["GET /repos/acme/web/nothing-here"]);
    expect(gh.callsTo("GET /repos/{owner}/{repo}/compare/{basehead}").length).toBeGreaterThan(3);
    expect(gh.callsTo("GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers").length).toBe(2);
  });
});
