import { Tokens } from "@botyard/core";
import { describe, expect, it } from "vitest";
import { CHANNEL, logs, releaseConfig, releasePulls, stagingRepo, startWorld, eachTestAt, type World } from "../test-support/release-world.js";

let w: World | undefined;
eachTestAt("2024-06-03T08:00:00Z");

const TWO_REPOS = { repositories: [{ repo: "acme/web", reviewers: ["alice"] }, { repo: "acme/api-server", name: "api", head: "staging", base: "production" }] };

/** Runs `/release <text>` as `user` and returns the ephemeral answers. */
async function slash(text: string, options: { user?: string; channel?: string } = {}): Promise<string[]> {
  const result = await w!.t.command("/release", text, options);
  return w!.slack.responses(result.responseUrlId).map((r) => String(r.body.text));
}

describe("/release", () => {
  it("runs a release now, answers ephemerally and announces in the channel; the run is logged with its actor", async () => {
    w = await startWorld((gh) => releaseConfig(gh, TWO_REPOS));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const answers = await slash("web");
    const n = releasePulls(repo)[0]!.number;
    expect(answers).toEqual([`:rocket: *acme/web*: opened <https://github.com/acme/web/pull/${n}|#${n}> with 1 pull request.`]);
    expect(w.slack.messages(CHANNEL)).toHaveLength(1);
    expect(w.t.logs.find((l) => l.msg === "on-demand release started")).toMatchObject({ actor: { slackUserId: w.t.user }, repos: ["acme/web"] });

    expect(await slash("WEB")).toEqual([`:ok_hand: *acme/web*: <https://github.com/acme/web/pull/${n}|#${n}> is up to date (1 pull request).`]);
  });

  it("answers an unknown repository with the configured ones, and no argument with the usage", async () => {
    w = await startWorld((gh) => releaseConfig(gh, TWO_REPOS));
    expect(await slash("webb")).toEqual([
      'I don\'t know a repository called "webb". Configured: `web` (acme/web, develop → main), `api` (acme/api-server, staging → production).\nTry `/release web` or `/release status`.',
    ]);
    expect((await slash(""))[0]).toMatch(/^`\/release <repository>` opens or updates its release PR now; `\/release all` does every one; `\/release status` shows where each stands\.\nConfigured: `web`/);
    expect(w.gh.calls).toEqual([]);
  });

  it("status shows each repository's release PR and who still has to review it, and a failing one without hiding the others", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { repositories: [...TWO_REPOS.repositories, { repo: "acme/gone" }] }));
    const repo = stagingRepo(w.gh);
    const api = w.gh.createRepo("acme/api-server");
    api.createBranch("production", "main");
    api.createBranch("staging", "main");
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await slash("web");
    const n = releasePulls(repo)[0]!.number;
    expect(await slash("status")).toEqual([
      [
        `• *acme/web*: <https://github.com/acme/web/pull/${n}|#${n} ${releasePulls(repo)[0]!.title}>, waiting for review from alice.`,
        "• *acme/api-server*: no open release PR.",
        "• :x: acme/gone: not found (404). Check the name, and that the token can see it (private repositories need the `repo` scope).",
      ].join("\n"),
    ]);
    repo.review(n, { user: "alice", state: "APPROVED" });
    expect((await slash("status"))[0]!.split("\n")[0]).toMatch(/, approved by alice, ready to merge\.$/);
  });

  it("refuses politely when the person is not in an allowed user group, and lets members in", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { allow: { usergroups: ["S0RELEASE"] } }));
    w.slack.addUsergroup({ id: "S0RELEASE", handle: "releasers", name: "Releasers", users: [w.users.alice] });
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });

    expect(await slash("web")).toEqual([
      `Sorry <@${w.t.user}>, starting a release is limited to the people and groups set in this bot's \`allow\` list. Ask one of them, or see where things stand with \`status\`.`,
    ]);
    expect(releasePulls(repo)).toEqual([]);
    expect(logs(w.t, 30).find((l) => l.msg === "on-demand release refused: not allowed")).toMatchObject({ actor: { slackUserId: w.t.user } });
    // status stays open to everyone
    expect(await slash("status")).toEqual(["• *acme/web*: no open release PR."]);

    expect((await slash("web", { user: w.users.alice }))[0]).toMatch(/^:rocket: \*acme\/web\*: opened/);
    expect(releasePulls(repo)).toHaveLength(1);
  });

  it("refuses outside the allowed channels, and accepts listed users there", async () => {
    w = await startWorld((gh) => releaseConfig(gh, { allow: { users: ["U0TESTER"], channels: [CHANNEL] } }), { channels: [CHANNEL, "C0ELSEWHERE"] });
    stagingRepo(w.gh);
    expect(await slash("web", { channel: "C0ELSEWHERE" })).toEqual([`Sorry, releases can only be started in <#${CHANNEL}>. \`status\` works anywhere.`]);
    expect(await slash("web", { channel: CHANNEL, user: w.users.bob })).toEqual([expect.stringMatching(/^Sorry <@U\w+>, starting a release is limited/)]);
    expect(await slash("web", { channel: CHANNEL })).toEqual([":zzz: *acme/web*: nothing to release (develop has nothing that main lacks)."]);
  });
});

describe("@bot release", () => {
  it("runs the same actions from a mention and answers in the mention's thread", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const asked = await w.t.send(`<@${w.slack.botUserId}> release web`);
    const n = releasePulls(repo)[0]!.number;
    expect(w.slack.replies(CHANNEL, asked.ts).map((m) => m.text)).toEqual([`:rocket: *acme/web*: opened <https://github.com/acme/web/pull/${n}|#${n}> with 1 pull request.`]);

    const unknown = await w.t.send(`<@${w.slack.botUserId}> release mobile`);
    expect(w.slack.replies(CHANNEL, unknown.ts)[0]!.text).toContain('I don\'t know a repository called "mobile". Configured: `web` (acme/web, develop → main).\nTry `@bot release web`');
  });

  it("does not run again when the person edits the message that asked (Slack delivers the mention again, with `edited`)", async () => {
    w = await startWorld((gh) => releaseConfig(gh));
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    const asked = await w.t.send(`<@${w.slack.botUserId}> release web`);
    const events = await w.slack.editMessage({ channel: CHANNEL, ts: asked.ts, text: `<@${w.slack.botUserId}> release web please` });
    expect(events.map((e) => e.type)).toEqual(["message", "app_mention"]);
    await w.t.settle();
    expect(w.slack.replies(CHANNEL, asked.ts)).toHaveLength(1);
    expect(w.gh.callsTo("POST /repos/{owner}/{repo}/pulls")).toHaveLength(1);
  });
});

describe("the bot's clock", () => {
  it("dates an on-demand release PR by the clock registered before the bot starts, not the system's", async () => {
    const clock = { now: () => new Date("2031-05-06T12:00:00Z") };
    w = await startWorld((gh) => releaseConfig(gh, TWO_REPOS), { services: (c) => c.register(Tokens.Clock, { useValue: clock }) });
    const repo = stagingRepo(w.gh);
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    await slash("web");
    // The system's (faked) date is 2024-06-03.
    expect(releasePulls(repo).map((p) => p.title)).toEqual(["Release 2031-05-06"]);
  });
});
