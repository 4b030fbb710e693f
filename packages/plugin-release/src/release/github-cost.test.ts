import { GRAPHQL_OPERATION, type GitHubRepo, type MergeMethod } from "@botyard/testing";
import { describe, expect, it } from "vitest";
import { CHANNEL, TOKEN, logs, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

const METHODS: MergeMethod[] = ["merge", "squash", "rebase"];
const merge = (repo: GitHubRepo, i: number) =>
  repo.featureMerge("develop", { title: `Change ${i}`, author: ["alice", "bob", "carol"][i % 3]!, method: METHODS[i % 3]!, commits: 5 });

/** The calls one release run makes, as `operation status`, with the REST and GraphQL points it spent. */
async function releaseRun(world: World): Promise<{ calls: string[]; rest: number; graphql: number }> {
  const start = world.gh.calls.length;
  const rest = world.gh.quota(TOKEN).used;
  const graphql = world.gh.quota(TOKEN, "graphql").used;
  await world.t.fireSchedule("release");
  return {
    calls: world.gh.calls.slice(start).map((c) => `${c.operation} ${c.status}`),
    rest: world.gh.quota(TOKEN).used - rest,
    graphql: world.gh.quota(TOKEN, "graphql").used - graphql,
  };
}

/** Forgets what the bot knows of the comparison, so the next run reads it whole: it must find what the incremental runs found. */
async function forgetComparison(world: World): Promise<void> {
  for (const { key } of await world.t.store.list("comparison/")) await world.t.store.delete(key);
}

const listed = (repo: GitHubRepo) => (releasePulls(repo).find((p) => p.state === "open")?.body ?? "").match(/^- \[[ x]\] #\d+ .*$/gm) ?? [];

describe("what a release run costs on GitHub", () => {
  it("a first run reads the comparison 100 commits per GraphQL query; an unchanged one only asks whether anything changed (304, free); after more merges, only what is new", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    for (let i = 1; i <= 30; i++) merge(repo, i);
    expect(repo.compare("main", "develop").ahead).toHaveLength(120);

    const first = await releaseRun(w);
    expect(first.calls).toEqual([
      "GET /repos/{owner}/{repo}/compare/{basehead} 200", // counts, and an ETag for next time
      `${GRAPHQL_OPERATION} 200`, // commits 1-100, each with its parents and PRs; the merged release PRs
      `${GRAPHQL_OPERATION} 200`, // commits 101-120
      "GET /repos/{owner}/{repo}/pulls 200", // an open release PR made by someone else?
      "POST /repos/{owner}/{repo}/pulls 201",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers 201",
    ]);
    expect([first.rest, first.graphql]).toEqual([4, 4]);
    expect(listed(repo)).toHaveLength(30);

    // Nothing changed: the comparison is unchanged (304), and the release PR is read once to see whether people edited or closed it.
    const unchanged = await releaseRun(w);
    expect(unchanged.calls).toEqual(["GET /repos/{owner}/{repo}/pulls/{pull_number} 200", "GET /repos/{owner}/{repo}/compare/{basehead} 304"]);
    const again = await releaseRun(w);
    expect(again).toEqual({ calls: ["GET /repos/{owner}/{repo}/pulls/{pull_number} 304", "GET /repos/{owner}/{repo}/compare/{basehead} 304"], rest: 0, graphql: 0 });

    for (let i = 31; i <= 35; i++) merge(repo, i);
    const more = await releaseRun(w);
    expect(more.calls).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number} 200", // the release PR's head moved
      "GET /repos/{owner}/{repo}/compare/{basehead} 200",
      "GET /repos/{owner}/{repo}/compare/{basehead} 200", // old head...develop: the new commits
      `${GRAPHQL_OPERATION} 200`, // their PRs
      "PATCH /repos/{owner}/{repo}/pulls/{pull_number} 200",
    ]);
    expect(listed(repo)).toHaveLength(35);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);

    // A run that reads the comparison whole finds the same: nothing to write.
    await forgetComparison(w);
    const whole = await releaseRun(w);
    expect(whole.calls.filter((c) => !c.startsWith("GET ") && !c.startsWith(GRAPHQL_OPERATION))).toEqual([]);
  });

  it("keeps the same answer as a whole read while base moves: a release merged, base merged back into head, a release squash-merged", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    for (let i = 1; i <= 4; i++) merge(repo, i);
    await w.t.fireSchedule("release");
    const first = releasePulls(repo)[0]!.number;
    expect(listed(repo)).toHaveLength(4);

    // Released with a merge commit; two more PRs; main merged back into develop by a PR (brings nothing to release).
    repo.mergePullRequest(first, { method: "merge", by: "carol" });
    merge(repo, 5);
    merge(repo, 6);
    const sync = repo.openPullRequest({ head: "main", base: "develop", title: "Sync main", user: "carol" });
    repo.mergePullRequest(sync, { method: "merge", by: "carol" });
    await w.t.fireSchedule("release");
    expect(listed(repo).map((l) => l.replace(/ \(@\w+\)$/, ""))).toEqual(["- [ ] #6 Change 5", "- [ ] #7 Change 6"]);
    const patches = w.gh.callsTo("PATCH /repos/{owner}/{repo}/pulls/{pull_number}").length;
    await forgetComparison(w);
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("PATCH /repos/{owner}/{repo}/pulls/{pull_number}")).toHaveLength(patches);

    // That release PR is squash-merged (its commits stay in main...develop); one more PR.
    const second = releasePulls(repo).find((p) => p.state === "open")!.number;
    repo.mergePullRequest(second, { method: "squash", by: "carol" });
    merge(repo, 7);
    await w.t.fireSchedule("release");
    expect(listed(repo).map((l) => l.replace(/ \(@\w+\)$/, ""))).toEqual(["- [ ] #10 Change 7"]);
    expect(logs(w.t, 40).map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`release PR #${second} .* was squash- or rebase-merged`))]);
    await forgetComparison(w);
    const creates = w.gh.callsTo("POST /repos/{owner}/{repo}/pulls").length;
    await w.t.fireSchedule("release");
    expect(w.gh.callsTo("PATCH /repos/{owner}/{repo}/pulls/{pull_number}")).toHaveLength(patches);
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls")).toHaveLength(creates);
  });
});
