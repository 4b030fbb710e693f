import { Engine, MemoryStore, createSlackClient } from "@botyard/core";
import { GitHubEmulator, GRAPHQL_OPERATION, SlackEmulator } from "@botyard/testing";
import { describe, expect, it, vi } from "vitest";
import release from "../index.js";
import { CHANNEL, TOKEN, logs, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, loggerInto, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

const PULLS_PATCH = "PATCH /repos/{owner}/{repo}/pulls/{pull_number}";

describe("the first release PR", () => {
  it("lists the PRs merged into develop (merge, squash and rebase alike), requests reviews, labels, assigns and announces", async () => {
    w = await startWorld(
      (gh) =>
        releaseConfig(gh, {
          timezone: "Asia/Tokyo",
          repositories: [{ repo: "acme/web", reviewers: ["alice"], teamReviewers: ["platform"], labels: ["release"], assignees: ["bob"] }],
        }),
      { before: (gh) => gh.addTeam("acme", { slug: "platform", members: ["carol"] }) },
    );
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge", commits: 2 });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash", commits: 3 });
    repo.featureMerge("develop", { title: "Refactor auth", author: "carol", method: "rebase", commits: 2 });

    await w.t.fireSchedule("release");

    const [pr, ...others] = releasePulls(repo);
    expect(others).toEqual([]);
    expect(pr).toMatchObject({
      number: 4,
      state: "open",
      draft: false,
      user: "release-bot",
      title: "Release 2024-06-03", // 17:00 in Tokyo
      requestedReviewers: ["alice"],
      requestedTeams: ["platform"],
      labels: ["release"],
      assignees: ["bob"],
    });
    expect(pr!.body).toContain("## Pull requests\n- [ ] #1 Add login (@alice)\n- [ ] #2 Fix typo (@bob)\n- [ ] #3 Refactor auth (@carol)\n\n");
    expect(pr!.body).toContain("[Full comparison main...develop](https://github.com/acme/web/compare/main...develop)");

    const url = "https://github.com/acme/web/pull/4";
    expect(w.slack.messages(CHANNEL).map((m) => m.text)).toEqual([
      [
        `:rocket: Release PR <${url}|#4 Release 2024-06-03> for *acme/web* (develop → main): 3 pull requests`,
        "• <https://github.com/acme/web/pull/1|#1> Add login (alice)",
        "• <https://github.com/acme/web/pull/2|#2> Fix typo (bob)",
        "• <https://github.com/acme/web/pull/3|#3> Refactor auth (carol)",
      ].join("\n"),
    ]);
    expect(w.t.actions.map((a) => a.name)).toEqual([
      "github.pulls.create",
      "github.pulls.requestReviewers",
      "github.issues.addLabels",
      "github.issues.addAssignees",
      "slack.chat.postMessage",
    ]);
    expect(w.t.actions.every((a) => a.ok && !a.dryRun)).toBe(true);
    expect(w.t.status().triggers.find((t) => t.name === "release")).toMatchObject({ runs: 1, errors: 0 });
  });

  it("keeps going when GitHub refuses a reviewer: the PR is open, the refusal is a warning", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { repositories: [{ repo: "acme/web", reviewers: ["release-bot"] }] }));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(releasePulls(repo)).toHaveLength(1);
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual(["github.pulls.requestReviewers failed: Review cannot be requested from pull request author."]);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);
  });
});

describe("an open release PR", () => {
  it("is updated, never doubled: new PRs are added, ticked boxes and notes survive, the announcement is edited", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash" });
    await w.t.fireSchedule("release");
    const number = releasePulls(repo)[0]!.number;
    const announced = w.slack.messages(CHANNEL)[0]!;

    // People work on the PR: tick boxes, write notes.
    const edited = repo
      .pull(number)
      .body!.replace("- [ ] Verified on staging", "- [x] Verified on staging")
      .replace("- [ ] #1 Add login (@alice)", "- [x] #1 Add login (@alice)")
      .replace(/(<!-- keep: notes -->)[\s\S]*?(<!-- \/keep: notes -->)/, "$1\nDeploy after the migration.\n$2");
    repo.updatePullRequest(number, { body: edited });
    repo.featureMerge("develop", { title: "Add search", author: "carol", method: "rebase" });
    vi.setSystemTime(new Date("2024-06-04T08:00:00Z"));

    await w.t.fireSchedule("release");
    expect(releasePulls(repo).map((p) => p.number)).toEqual([number]);
    const pr = repo.pull(number);
    expect(pr.title).toBe("Release 2024-06-04");
    expect(pr.body).toContain("- [x] #1 Add login (@alice)\n- [ ] #2 Fix typo (@bob)\n- [ ] #4 Add search (@carol)");
    expect(pr.body).toContain("- [x] Verified on staging");
    expect(pr.body).toContain("<!-- keep: notes -->\nDeploy after the migration.\n<!-- /keep: notes -->");
    expect(pr.requestedReviewers).toEqual(["alice"]); // requested once, at creation

    const messages = w.slack.messages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.ts).toBe(announced.ts);
    expect(messages[0]!.text).toContain(":rocket: Release PR <https://github.com/acme/web/pull/3|#3 Release 2024-06-04> for *acme/web* (develop → main): 3 pull requests");
    expect(messages[0]!.text).toContain("• <https://github.com/acme/web/pull/4|#4> Add search (carol)");

    // Nothing new: no write at all.
    const patches = w.gh.callsTo(PULLS_PATCH).length;
    const actions = w.t.actions.length;
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo(PULLS_PATCH)).toHaveLength(patches);
    expect(w.t.actions).toHaveLength(actions);
  });

  it("opened by a person is found with owner:branch (not confused with other PRs into main) and updated", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    repo.createBranch("hotfix/crash", "main");
    repo.commit("hotfix/crash", { message: "Fix crash", author: "bob" });
    const hotfix = repo.openPullRequest({ head: "hotfix/crash", base: "main", title: "Hotfix", user: "bob" });
    const human = repo.openPullRequest({ head: "develop", base: "main", title: "release", body: "by hand", user: "carol" });

    await w.t.fireSchedule("release");
    expect(repo.pulls().filter((p) => p.state === "open").map((p) => p.number)).toEqual([hotfix, human]);
    expect(repo.pull(human)).toMatchObject({ title: "Release 2024-06-03", user: "carol" });
    expect(repo.pull(human).body).toContain("- [ ] #1 Add login (@alice)");
    expect(repo.pull(hotfix).title).toBe("Hotfix");
    expect(w.gh.callsTo("GET /repos/{owner}/{repo}/pulls").map((c) => c.query.head)).toContain("acme:develop");
  });
});

describe("a release PR opened meanwhile", () => {
  it("treats GitHub's 422 \"A pull request already exists\" as a state: it updates that PR", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    // Someone opens it right after the bot's lookup answered "none", so the bot tries to create one.
    let n = 0;
    w.gh.onCall((call) => {
      if (n === 0 && call.operation === "GET /repos/{owner}/{repo}/pulls" && call.query.state === "open")
        n = repo.openPullRequest({ head: "develop", base: "main", title: "release", user: "carol" });
    });
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls").map((c) => c.status)).toEqual([422]);
    expect(releasePulls(repo).map((p) => [p.number, p.title])).toEqual([[n, "Release 2024-06-03"]]);
    expect(logs(w.t, 40)).toEqual([]);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);
  });
});

describe("nothing to release", () => {
  it("opens no PR, posts nothing, logs it at info and counts no error", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh);
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls")).toEqual([]);
    expect(w.slack.messages(CHANNEL)).toEqual([]);
    expect(logs(w.t, 30).map((l) => l.msg)).toContain("nothing to release: main...develop has no commits");
    expect(logs(w.t, 40)).toEqual([]);
    expect(w.t.status().triggers.find((t) => t.name === "release")).toMatchObject({ runs: 1, errors: 0 });
  });
});

describe("GitHub sees no commits between the branches", () => {
  it("answers the create with 422 \"No commits between\": no PR, nothing posted, an info log, no error", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    // main catches up with develop (a fast-forward push) right after the bot compared the branches.
    w.gh.onCall((call) => {
      if (call.operation === "GET /repos/{owner}/{repo}/pulls" && call.query.state === "open") repo.setBranch("main", repo.head("develop"));
    });
    await w.t.fireSchedule("release");

    const creates = w.gh.callsTo("POST /repos/{owner}/{repo}/pulls");
    expect(creates.map((c) => [c.status, (c.response as { errors?: Array<{ message: string }> }).errors?.[0]?.message])).toEqual([[422, "No commits between main and develop"]]);
    expect(repo.pulls().filter((p) => p.head === "develop")).toEqual([]);
    expect(w.slack.messages(CHANNEL)).toEqual([]);
    expect(logs(w.t, 30).map((l) => l.msg)).toContain("nothing to release: GitHub sees no commits between main and develop");
    expect(logs(w.t, 40)).toEqual([]);
    expect(w.t.status().triggers.find((t) => t.name === "release")).toMatchObject({ runs: 1, errors: 0 });
  });
});

describe("draft release PRs", () => {
  it("are opened as drafts when the repository asks for it", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { repositories: [{ repo: "acme/web", reviewers: ["alice"], draft: true }] }));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls").map((c) => (c.body as { draft?: unknown }).draft)).toEqual([true]);
    expect(releasePulls(repo)).toMatchObject([{ state: "open", draft: true, requestedReviewers: ["alice"] }]);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);
  });
});

describe("squash-merged release PRs", () => {
  it("leaves released PRs out, warns once with the fix, and releases what is new", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge", commits: 2 });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash" });
    await w.t.fireSchedule("release");
    const first = releasePulls(repo)[0]!.number;
    repo.mergePullRequest(first, { method: "squash", by: "carol" });
    // base...head did not shrink: that is the trap
    expect(repo.compare("main", "develop").ahead.length).toBe(4);

    await w.t.fireSchedule("release");
    expect(releasePulls(repo).filter((p) => p.state === "open")).toEqual([]);
    expect(logs(w.t, 30).map((l) => l.msg)).toContain("nothing new to release: every commit ahead went out with an earlier release PR");
    const warnings = logs(w.t, 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/release PR #3 \(https:\/\/github\.com\/acme\/web\/pull\/3\) was squash- or rebase-merged into main, so main\.\.\.develop still lists its 4 commits/);
    expect(warnings[0]!.msg).toMatch(/merge release PRs with a merge commit/);
    const slackWarning = w.slack.messages(CHANNEL).find((m) => m.text?.startsWith(":warning:"));
    expect(slackWarning?.text).toContain("bring develop back in line now by merging main into it");

    repo.featureMerge("develop", { title: "Add search", author: "carol", method: "merge" });
    await w.t.fireSchedule("release");
    const [second] = releasePulls(repo).filter((p) => p.state === "open");
    expect(second!.body).toContain("## Pull requests\n- [ ] #4 Add search (@carol)\n\n");
    expect(second!.body).not.toContain("Add login");
    expect(logs(w.t, 40)).toHaveLength(1); // warned once
  });
});

describe("squash-merged release PRs on a git-flow repository (default branch develop)", () => {
  it("are detected from the release PRs themselves: GitHub associates develop's commits only with the PRs that brought them in", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = w.gh.createRepo("acme/web", { defaultBranch: "develop" });
    repo.createBranch("main", "develop");
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge", commits: 2 });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash" });
    repo.commit("develop", { message: "Bump version", author: "carol" });
    await w.t.fireSchedule("release");
    const first = releasePulls(repo)[0]!;
    expect(first.body).toContain("## Pull requests\n- [ ] #1 Add login (@alice)\n- [ ] #2 Fix typo (@bob)\n");
    repo.mergePullRequest(first.number, { method: "squash", by: "carol" });
    // On the default branch, a commit's associated PRs never include the release PR that shipped it.
    const sha = repo.compare("main", "develop").ahead[0]!;
    expect(repo.pullsForCommit(sha).map((p) => p.number)).toEqual([1]);

    await w.t.fireSchedule("release");
    expect(releasePulls(repo).filter((p) => p.state === "open")).toEqual([]);
    expect(logs(w.t, 30).map((l) => l.msg)).toContain("nothing new to release: every commit ahead went out with an earlier release PR");
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual([expect.stringMatching(/release PR #3 .* still lists its 5 commits/)]);

    repo.featureMerge("develop", { title: "Add search", author: "carol", method: "rebase" });
    await w.t.fireSchedule("release");
    const [second] = releasePulls(repo).filter((p) => p.state === "open");
    expect(second!.body).toContain("## Pull requests\n- [ ] #4 Add search (@carol)\n\n");
    expect(second!.body).not.toContain("Add login");
    expect(second!.body).not.toContain("Fix typo");
  });
});

describe("many commits", () => {
  it("reads base...head past 250 commits, 100 per GraphQL query with their PRs (no call per commit), and lists each PR once", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Big import", author: "alice", method: "merge", commits: 260 });
    repo.featureMerge("develop", { title: "Small fix", author: "bob", method: "squash" });
    repo.featureMerge("develop", { title: "Rebased change", author: "carol", method: "rebase", commits: 3 });
    await w.t.fireSchedule("release");

    // 265 commits: one REST compare for the counts (and its ETag), three GraphQL pages for the commits
    expect(w.gh.callsTo("GET /repos/{owner}/{repo}/compare/{basehead}").map((c) => c.query.per_page)).toEqual(["1"]);
    const pages = w.gh.callsTo(GRAPHQL_OPERATION).map((c) => (c.response as { data: { repository: { baseRef: { compare: { commits: { nodes: unknown[] } } } } } }).data.repository.baseRef.compare.commits.nodes.length);
    expect(pages).toEqual([100, 100, 65]);
    expect(w.gh.callsTo("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls")).toEqual([]);
    const body = releasePulls(repo)[0]!.body!;
    expect(body).toContain("- [ ] #1 Big import (@alice)\n- [ ] #2 Small fix (@bob)\n- [ ] #3 Rebased change (@carol)\n\n");
    expect(body.match(/#1 Big import/g)).toHaveLength(1);
    expect(body).toContain("3 pull requests");
  });

  it("keeps the body within GitHub's 65,536 characters, pointing at the comparison for the rest", async () => {
    const padding = " — ".concat("details ".repeat(125));
    w = await startWorld((gh) => releaseConfig(gh, { prLine: `- [ ] #{{number}} {{title}}${padding}` }));
    const repo = stagingRepo(w.gh);
    for (let i = 1; i <= 70; i++) repo.featureMerge("develop", { title: `Change ${i}`, author: "alice", method: "squash" });
    await w.t.fireSchedule("release");
    const [pr] = releasePulls(repo);
    expect(pr!.body!.length).toBeLessThanOrEqual(65_536);
    const shown = pr!.body!.split("\n").filter((l) => l.startsWith("- [ ] #")).length;
    expect(shown).toBeGreaterThan(50);
    expect(shown).toBeLessThan(70);
    expect(pr!.body).toContain(`- … and ${70 - shown} more pull requests: see the [full comparison](https://github.com/acme/web/compare/main...develop)`);
    expect(w.slack.messages(CHANNEL)[0]!.text).toContain("70 pull requests");
  });
});

describe("escaping", () => {
  it("keeps titles from pinging Slack channels or formatting the PR body", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "<!channel> *urgent* <script> for @octocat", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    const text = w.slack.messages(CHANNEL)[0]!.text!;
    expect(text).toContain("• <https://github.com/acme/web/pull/1|#1> &lt;!channel&gt; *urgent* &lt;script&gt; for @octocat (alice)");
    expect(text).not.toContain("<!channel>");
    expect(releasePulls(repo)[0]!.body).toContain("- [ ] #1 \\<!channel\\> \\*urgent\\* \\<script\\> for @\u200boctocat (@alice)");
  });
});

describe("failures", () => {
  it("logs a clear error per failing repository and carries on with the others", async () => {
    w = await startWorld((gh) =>
      releaseConfig(gh, {
        repositories: [{ repo: "acme/missing" }, { repo: "acme/api", head: "staging" }, { repo: "acme/web" }],
      }),
    );
    stagingRepo(w.gh, "acme/api");
    const web = stagingRepo(w.gh);
    web.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");

    expect(releasePulls(web)).toHaveLength(1);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);
    const errors = logs(w.t, 50).map((l) => [l.repo, l.msg]);
    expect(errors).toEqual([
      ["acme/missing", "release failed: acme/missing: not found (404). Check the name, and that the token can see it (private repositories need the `repo` scope)."],
      ["acme/api", 'release failed: acme/api: branch "staging" not found. Check `head` in the bot\'s config.'],
      [undefined, "handler failed: release failed for 2 of 3 repositories: acme/missing, acme/api"],
    ]);
    expect(w.t.status().triggers.find((t) => t.name === "release")).toMatchObject({ errors: 1 });
    expect(w.t.status().state).toBe("running");
  });

  it("names the repository and the token problem on bad credentials, and never logs the token", async () => {
    const wrong = "ghp_this_token_is_not_known_1234";
    w = await startWorld((gh) => releaseConfig(gh, { github: { token: wrong, baseUrl: gh.url } }));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(logs(w.t, 50)[0]!.msg).toBe(
      "release failed: acme/web: GitHub rejected the token (401 Bad credentials). Check github.token (e.g. ${GITHUB_TOKEN}) and that it has not expired.",
    );
    expect(JSON.stringify(w.t.logs)).not.toContain(wrong);
    expect(JSON.stringify(w.t.logs)).not.toContain(TOKEN);
    expect(w.slack.messages(CHANNEL)).toEqual([]);
  });

  it("waits out rate limits within the bound and completes the run", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.rateLimit({ kind: "primary", retryAfterSec: 0, operation: "GET /repos/{owner}/{repo}/compare/{basehead}" });
    w.gh.rateLimit({ kind: "secondary", status: 429, retryAfterSec: 0, operation: "POST /repos/{owner}/{repo}/pulls" });
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls").map((c) => c.status)).toEqual([429, 201]);
    expect(releasePulls(repo)).toHaveLength(1);
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual([
      "GitHub primary rate limit: waiting 0 s before retrying",
      "GitHub secondary rate limit: waiting 0 s before retrying",
    ]);
  });

  it("fails the repository, not the host, when a rate limit lasts beyond the bound", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    stagingRepo(w.gh).featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    w.gh.rateLimit({ kind: "secondary", retryAfterSec: 600 });
    await w.t.fireSchedule("release");
    expect(logs(w.t, 50)[0]!.msg).toBe(
      "release failed: acme/web: GitHub secondary rate limit on GET /repos/acme/web/compare/main...develop: it lifts in 600 s, beyond maxRateLimitWaitSeconds (2 s).",
    );
    expect(w.t.status().state).toBe("running");
  });
});

describe("several release bots in one host", () => {
  it("carry on when one bot's repository fails: the other's release PR is opened and announced", async () => {
    // Two bots of this plugin in one engine, as `botyard start` runs a bots.yaml listing both.
    const gh = await GitHubEmulator.start();
    const slack = await SlackEmulator.start();
    const lines: Array<Record<string, unknown>> = [];
    const logger = loggerInto(lines, "info");
    const engine = new Engine({ slack: createSlackClient({ token: slack.botToken, apiUrl: slack.apiUrl, logger }), store: new MemoryStore(), logger });
    try {
      slack.createChannel("releases", { id: CHANNEL });
      gh.addToken(TOKEN, { login: "release-bot" });
      const repo = stagingRepo(gh);
      repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
      engine.load([
        { id: "broken", plugin: release, config: releaseConfig(gh, { repositories: [{ repo: "acme/gone" }], command: "/release-gone", mention: false }) },
        { id: "web", plugin: release, config: releaseConfig(gh, { repositories: [{ repo: "acme/web" }] }) },
      ]);
      await engine.start();
      await Promise.all([engine.fire("broken", "release"), engine.fire("web", "release")]);
      await engine.drain();

      expect(releasePulls(repo)).toHaveLength(1);
      expect(slack.messages(CHANNEL).map((m) => m.text?.split("\n")[0])).toEqual([
        ":rocket: Release PR <https://github.com/acme/web/pull/2|#2 Release 2024-06-03> for *acme/web* (develop → main): 1 pull request",
      ]);
      const errors = lines.filter((l) => (l.level as number) >= 50);
      expect(errors.map((l) => [l.bot, l.repo ?? null])).toEqual([
        ["broken", "acme/gone"],
        ["broken", null],
      ]);
      expect(engine.status().map((b) => [b.id, b.state, b.triggers.find((t) => t.name === "release")?.errors])).toEqual([
        ["broken", "running", 1],
        ["web", "running", 0],
      ]);
    } finally {
      await engine.stop(2_000);
      await slack.close();
      await gh.close();
    }
  });
});

describe("dry run", () => {
  it("with the plugin's dryRun: reads GitHub, changes nothing there, and posts what it would do", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { dryRun: true }));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(releasePulls(repo)).toEqual([]);
    expect(w.gh.calls.filter((c) => c.method !== "GET" && c.operation !== GRAPHQL_OPERATION)).toEqual([]); // GraphQL: queries only
    expect(w.slack.messages(CHANNEL).map((m) => m.text)).toEqual([
      ':test_tube: Dry run: would open a release PR "Release 2024-06-03" for *acme/web* (develop → main) with 1 pull request:\n• <https://github.com/acme/web/pull/1|#1> Add login (alice)',
    ]);
    expect(w.t.actions.map((a) => a.name)).toEqual(["slack.chat.postMessage"]);
    expect(await w.t.store.list("tracked/")).toEqual([]);
  });

  it("with the bot's dryRun (bots.yaml): every write is recorded as skipped, none is made", async () => {
    w = await startWorld((gh) => releaseConfig(gh), { dryRun: true });
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(releasePulls(repo)).toEqual([]);
    expect(w.gh.calls.filter((c) => c.method !== "GET" && c.operation !== GRAPHQL_OPERATION)).toEqual([]); // GraphQL: queries only
    expect(w.slack.messages(CHANNEL)).toEqual([]);
    expect(w.t.actions.map((a) => [a.name, a.dryRun])).toEqual([["github.pulls.create", true]]);
    expect(logs(w.t, 30).map((l) => l.msg)).toContain("dry run: action skipped");
    expect(await w.t.store.list("tracked/")).toEqual([]);
  });
});
