import { describe, expect, it } from "vitest";
import { CHANNEL, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

const thread = (world: World) => {
  const [parent] = world.slack.messages(CHANNEL);
  return world.slack.replies(CHANNEL, parent!.ts).map((m) => m.text);
};

describe("the authors of the listed PRs (git-pr-release's request-pr-author-review and assign-pr-author)", () => {
  it("are asked to review, assigned and mentioned in the release PR's thread, each once, as their PRs are added", async () => {
    w = await startWorld((gh) =>
      releaseConfig(gh, { repositories: [{ repo: "acme/web", reviewers: ["carol"], requestAuthorReviews: true, assignAuthors: true, mentionAuthors: true }] }),
    );
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash" });
    repo.featureMerge("develop", { title: "Bump deps", author: "release-bot", method: "squash" }); // the release PR's own author cannot review it
    await w.t.fireSchedule("release");

    const [pr] = releasePulls(repo);
    expect(pr).toMatchObject({ requestedReviewers: ["carol", "alice", "bob"], assignees: ["alice", "bob"] });
    const url = `https://github.com/acme/web/pull/${pr!.number}`;
    // alice resolves to Slack by her public e-mail; bob has none: named, not pinged
    expect(thread(w)).toEqual([
      [
        `:mag: Please verify your changes on staging before <${url}|#${pr!.number}> ships:`,
        `• <@${w.users.alice}>: <https://github.com/acme/web/pull/1|#1> Add login`,
        "• bob: <https://github.com/acme/web/pull/2|#2> Fix typo",
      ].join("\n"),
    ]);

    // carol adds a PR, alice another one: only carol is new
    repo.featureMerge("develop", { title: "Add search", author: "carol", method: "rebase" });
    repo.featureMerge("develop", { title: "Add logout", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    expect(repo.pull(pr!.number)).toMatchObject({ requestedReviewers: ["carol", "alice", "bob"], assignees: ["alice", "bob", "carol"] });
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers").map((c) => (c.body as { reviewers: string[] }).reviewers)).toEqual([
      ["carol"], // the configured reviewers, at creation
      ["alice", "bob"],
      ["carol"],
    ]);
    expect(thread(w)).toHaveLength(2);
    expect(thread(w)[1]).toBe(`:mag: Please verify your changes on staging before <${url}|#${pr!.number}> ships:\n• <@${w.users.carol}>: <https://github.com/acme/web/pull/5|#5> Add search`);

    // nothing new: nobody asked again
    const writes = w.t.actions.length;
    await w.t.fireSchedule("release");
    expect(w.t.actions).toHaveLength(writes);
    expect(thread(w)).toHaveLength(2);
  });

  it("are left alone by default", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "bob", method: "merge" });
    await w.t.fireSchedule("release");
    expect(releasePulls(repo)[0]).toMatchObject({ requestedReviewers: ["alice"], assignees: [] });
    expect(thread(w)).toEqual([]);
  });
});
