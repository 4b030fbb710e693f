import { describe, expect, it, vi } from "vitest";
import { CHANNEL, logs, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T09:00:00Z");

/** Fires the reminder schedule at `iso` (one tick). */
async function remindAt(iso: string): Promise<void> {
  vi.setSystemTime(new Date(iso));
  await w!.t.fireSchedule("remind");
}

const thread = () => {
  const [parent] = w!.slack.messages(CHANNEL);
  return w!.slack.replies(CHANNEL, parent!.ts).map((m) => m.text);
};

describe("reviewer reminders", () => {
  it("mention pending reviewers in the release PR's thread once per tick, until it is approved", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { repositories: [{ repo: "acme/web", reviewers: ["alice", "bob"], teamReviewers: ["platform"] }] }), {
      before: (gh) => gh.addTeam("acme", { slug: "platform", members: ["carol", "dave"] }),
    });
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "dave", method: "merge" });
    await w.t.fireSchedule("release");
    const pr = releasePulls(repo)[0]!;
    const url = `https://github.com/acme/web/pull/${pr.number}`;

    await remindAt("2024-06-03T11:00:00Z");
    // alice resolves by e-mail; bob has no public e-mail on GitHub: named, not pinged
    expect(thread()).toEqual([`:eyes: <${url}|#${pr.number}> is waiting for review from <@${w.users.alice}>, bob, the acme/platform team.`]);

    // the same tick again (a retry, another replica): no second reminder
    await w.t.fireSchedule("remind");
    expect(thread()).toHaveLength(1);

    // bob comments, carol reviews for the platform team: only alice is left
    repo.review(pr.number, { user: "bob", state: "COMMENTED", body: "looks fine" });
    repo.review(pr.number, { user: "carol", state: "CHANGES_REQUESTED" });
    await remindAt("2024-06-03T14:00:00Z");
    expect(thread()).toHaveLength(2);
    expect(thread()[1]).toBe(`:eyes: <${url}|#${pr.number}> is waiting for review from <@${w.users.alice}>.`);

    // alice approves, but carol's requested changes still stand: nobody left to remind
    repo.review(pr.number, { user: "alice", state: "APPROVED" });
    await remindAt("2024-06-03T16:00:00Z");
    expect(thread()).toHaveLength(2);
    // carol approves after the fix: approved, reminders stop for good
    repo.review(pr.number, { user: "carol", state: "APPROVED" });
    repo.requestReviewers(pr.number, { users: ["bob"] });
    await remindAt("2024-06-04T11:00:00Z");
    expect(thread()).toHaveLength(2);

    // bob was warned about once, however many reminders named him
    const unresolved = logs(w.t, 40).filter((l) => l.login === "bob");
    expect(unresolved.map((l) => l.msg)).toEqual([
      'no Slack user for GitHub login "bob" (no public e-mail on GitHub, or none matching in Slack): reminders name it in plain text. Map it in `slackUsers`.',
    ]);
    const tracked = await w.t.store.get<{ reminders: Array<{ tick: string; pending: string[] }> }>(`tracked/acme/web/${pr.number}`);
    expect(tracked?.reminders).toEqual([
      { tick: "2024-06-03T11:00:00.000Z", pending: ["alice", "bob", "acme/platform"] },
      { tick: "2024-06-03T14:00:00.000Z", pending: ["alice"] },
    ]);
  });

  it("use the config's maps first: Slack users for logins, user groups for teams, or the team's members", async () => {
    w = await startWorld(
      (gh) =>
        releaseConfig(gh, {
          repositories: [{ repo: "acme/web", reviewers: ["bob"], teamReviewers: ["platform", "security"] }],
          slackUsers: { Bob: "U0BOBSLACK" },
          slackGroups: { platform: "S0PLATFORM" },
          expandTeams: true,
        }),
      {
        before: (gh) => {
          gh.addTeam("acme", { slug: "platform", members: ["carol"] });
          gh.addTeam("acme", { slug: "security", members: ["carol", "erin"] });
        },
      },
    );
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await w.t.fireSchedule("release");
    const n = releasePulls(repo)[0]!.number;
    await remindAt("2024-06-03T11:00:00Z");
    expect(thread()).toEqual([`:eyes: <https://github.com/acme/web/pull/${n}|#${n}> is waiting for review from <@U0BOBSLACK>, <!subteam^S0PLATFORM>, <@${w.users.carol}>, erin.`]);
    expect(w.slack.callsTo("users.lookupByEmail").map((c) => c.args.email)).toEqual(["carol@example.com"]);
  });

  it("say in the thread when the release PR is merged, with the PRs it shipped, once", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    repo.featureMerge("develop", { title: "Fix <!here> typo", author: "bob", method: "squash" });
    await w.t.fireSchedule("release");
    const n = releasePulls(repo)[0]!.number;
    const url = `https://github.com/acme/web/pull/${n}`;
    repo.mergePullRequest(n, { method: "merge", by: "carol" });

    await remindAt("2024-06-03T11:00:00Z");
    await remindAt("2024-06-03T14:00:00Z");
    expect(thread()).toEqual([
      [
        `:white_check_mark: Released! <${url}|#${n}> was merged into main by carol. It shipped 2 pull requests:`,
        "• <https://github.com/acme/web/pull/1|#1> Add login (alice)",
        "• <https://github.com/acme/web/pull/2|#2> Fix &lt;!here&gt; typo (bob)",
      ].join("\n"),
    ]);
    expect(w.slack.messages(CHANNEL)[0]!.text!.split("\n")[0]).toBe(
      `:white_check_mark: Released: <${url}|#${n} Release 2024-06-03> for *acme/web* (develop → main): 2 pull requests`,
    );
    expect(await w.t.store.get(`tracked/acme/web/${n}`)).toMatchObject({ state: "merged" });

    // the next release run finds nothing to release and opens nothing
    await w.t.fireSchedule("release");
    expect(releasePulls(repo).filter((p) => p.state === "open")).toEqual([]);
  });

  it("stop once the release PR is closed without merging, and mark its announcement closed", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "bob", method: "merge" });
    await w.t.fireSchedule("release");
    const n = releasePulls(repo)[0]!.number;
    const url = `https://github.com/acme/web/pull/${n}`;
    await remindAt("2024-06-03T11:00:00Z");
    expect(thread()).toEqual([`:eyes: <${url}|#${n}> is waiting for review from <@${w.users.alice}>.`]);

    repo.updatePullRequest(n, { state: "closed" });
    await remindAt("2024-06-03T14:00:00Z");
    await remindAt("2024-06-03T16:00:00Z");
    expect(thread()).toHaveLength(1); // no reminder, and no "Released!"
    expect(w.slack.messages(CHANNEL)[0]!.text!.split("\n")[0]).toBe(`:no_entry_sign: Closed without merging: <${url}|#${n} Release 2024-06-03> for *acme/web* (develop → main): 1 pull request`);
    expect(await w.t.store.get(`tracked/acme/web/${n}`)).toMatchObject({ state: "closed" });
    expect(logs(w.t, 30).filter((l) => l.msg === "release PR closed without merging")).toHaveLength(1);
  });

  it("announce a release PR opened by a person before reminding in its thread; skip drafts", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { schedule: false }));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const n = repo.openPullRequest({ head: "develop", base: "main", title: "Release by hand", user: "bob", draft: true });
    repo.requestReviewers(n, { users: ["alice"] });

    await remindAt("2024-06-03T11:00:00Z");
    expect(w.slack.messages(CHANNEL)).toEqual([]);

    repo.updatePullRequest(n, { draft: false });
    await remindAt("2024-06-03T14:00:00Z");
    const url = `https://github.com/acme/web/pull/${n}`;
    expect(w.slack.messages(CHANNEL).map((m) => m.text)).toEqual([`:rocket: Release PR <${url}|#${n} Release by hand> for *acme/web* (develop → main): 0 pull requests`]);
    expect(thread()).toEqual([`:eyes: <${url}|#${n}> is waiting for review from <@${w.users.alice}>.`]);
  });

  it("in the plugin's dry run, name the pending reviewers without pinging anyone", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { dryRun: true }));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const n = repo.openPullRequest({ head: "develop", base: "main", title: "Release", user: "bob" });
    repo.requestReviewers(n, { users: ["alice"] });
    await remindAt("2024-06-03T11:00:00Z");
    expect(w.slack.messages(CHANNEL).map((m) => m.text)).toEqual([`:test_tube: Dry run: would remind alice to review <https://github.com/acme/web/pull/${n}|#${n}> (acme/web).`]);
  });
});
