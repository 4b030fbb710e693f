import { Octokit } from "@octokit/rest";
import webApi from "@slack/web-api";
import { GitHubEmulator, PagerDutyEmulator, SlackEmulator } from "@botyard/testing";
import { conformanceEnabled, conformanceViolations, enableConformance, resetShapes, shapeTallies, validatedOperations } from "@botyard/testing/conformance";
import type { ConformanceViolation, ShapeTally, ValidatedOperation } from "@botyard/testing/conformance";
import { exerciseSlackShapes } from "./exercise-slack-shapes.js";

const { WebClient } = webApi;
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => "error" as never, setName() {} };

type Provider = "slack" | "github" | "pagerduty";

export interface ExerciseResult {
  /** What the tour validated, per operation: requests, and answers (or events) by kind, counted. */
  validated: Record<Provider, Record<string, ValidatedOperation>>;
  /** Violations the tour caused; left in the registry too, so a test running the tour fails on them. */
  violations: ConformanceViolation[];
  /** Slack answers and payloads compared with Slack's recorded samples, by shape. */
  shapes: Record<string, ShapeTally>;
}

/** `after` minus `before`: what was validated in between. */
function validatedSince(before: ExerciseResult["validated"], after: ExerciseResult["validated"]): ExerciseResult["validated"] {
  const out = { slack: {}, github: {}, pagerduty: {} } as ExerciseResult["validated"];
  for (const provider of Object.keys(out) as Provider[]) {
    for (const [operation, now] of Object.entries(after[provider])) {
      const then = before[provider][operation];
      const responses: Record<string, number> = {};
      for (const [kind, n] of Object.entries(now.responses)) if (n - (then?.responses[kind] ?? 0) > 0) responses[kind] = n - (then?.responses[kind] ?? 0);
      const requests = now.requests - (then?.requests ?? 0);
      if (requests > 0 || Object.keys(responses).length) out[provider][operation] = { requests, responses };
    }
  }
  return out;
}

/** Run a call that may fail as intended; only the emulator's answer (and its validation) matters. */
async function attempt(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // Errors are part of the exercise.
  }
}

/**
 * A scripted tour of every operation the three emulators implement, with the real clients, in
 * conformance mode: success answers and the errors Botyard handles (Slack's `ok:false` names and
 * 429 `ratelimited`, GitHub's 422s, 401, 403/429 rate limits, PagerDuty's 400/401/404/429). It is
 * deterministic, so what it validated, and how many times, is what the fidelity report lists. It
 * counts only its own calls: whatever the process validated before is left out.
 */
export async function runExercise(): Promise<ExerciseResult> {
  const wasEnabled = conformanceEnabled();
  enableConformance(true);
  const before = validatedOperations();
  const earlier = new Set(conformanceViolations());
  resetShapes();
  try {
    await exerciseSlack();
    await exerciseGitHub();
    await exercisePagerDuty();
    return { validated: validatedSince(before, validatedOperations()), violations: conformanceViolations().filter((v) => !earlier.has(v)), shapes: shapeTallies() };
  } finally {
    enableConformance(wasEnabled);
  }
}

async function exerciseSlack(): Promise<void> {
  const slack = await SlackEmulator.start({ pingIntervalMs: 0 });
  try {
    const web = (token: string | undefined = slack.botToken) =>
      new WebClient(token, { slackApiUrl: slack.apiUrl, logger: silent as never, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const bot = web();
    const ops = slack.createChannel("ops");
    const quiet = slack.createChannel("quiet", { botMember: false });
    const secret = slack.createChannel("secret", { isPrivate: true });
    const alice = slack.addUser({ name: "alice", email: "alice@example.com" });
    const bob = slack.addUser({ name: "bob", email: "bob@example.com" });
    slack.addMember(ops.id, alice.id);
    const group = slack.addUsergroup({ handle: "oncall", name: "On call", users: [alice.id] });
    const datadog = slack.addBot({ name: "Datadog" });

    await bot.auth.test();
    await attempt(() => web("xoxb-1-2-invalid").auth.test());
    await bot.team.info();
    await bot.bots.info({ bot: datadog.botId });
    await attempt(() => bot.bots.info({ bot: "B999999999" }));
    await web(slack.appToken).apps.connections.open();

    const posted = await bot.chat.postMessage({
      channel: ops.id,
      text: "Deploying v1.2",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Deploying* v1.2" } }],
      metadata: { event_type: "deploy", event_payload: { version: "1.2" } },
    });
    const ts = posted.ts!;
    await bot.chat.postMessage({ channel: ops.id, text: "step 1", thread_ts: ts });
    await attempt(() => bot.chat.postMessage({ channel: "C999999999", text: "x" }));
    await attempt(() => bot.chat.postMessage({ channel: quiet.id, text: "x" }));
    await attempt(() => bot.apiCall("chat.postMessage", { channel: ops.id, blocks: [{ type: "header", text: { type: "mrkdwn", text: "x" } }] }));
    slack.rateLimit("chat.postMessage", { retryAfterSec: 1 });
    await attempt(() => bot.chat.postMessage({ channel: ops.id, text: "too fast" }));
    await bot.chat.update({ channel: ops.id, ts, text: "Deployed v1.2" });
    await attempt(() => bot.chat.update({ channel: ops.id, ts: "1700000000.000001", text: "x" }));
    await bot.chat.getPermalink({ channel: ops.id, message_ts: ts });
    await bot.chat.postEphemeral({ channel: ops.id, user: alice.id, text: "only you" });

    await bot.reactions.add({ channel: ops.id, timestamp: ts, name: "eyes" });
    await attempt(() => bot.reactions.add({ channel: ops.id, timestamp: ts, name: "eyes" }));
    await bot.reactions.get({ channel: ops.id, timestamp: ts });
    await bot.reactions.remove({ channel: ops.id, timestamp: ts, name: "eyes" });
    await attempt(() => bot.reactions.remove({ channel: ops.id, timestamp: ts, name: "eyes" }));

    await slack.sendMessage({ channel: ops.id, user: alice.id, text: `<@${slack.botUserId}> status?` });
    await slack.postAs(datadog, { channel: ops.id, text: "", attachments: [{ color: "#e01e5a", title: "Triggered: CPU high", title_link: "https://app.datadoghq.com/monitors/1", text: "CPU > 90" }] });
    await bot.conversations.history({ channel: ops.id, limit: 2, include_all_metadata: true });
    await bot.conversations.history({ channel: secret.id });
    await attempt(() => bot.conversations.history({ channel: quiet.id }));
    await bot.conversations.replies({ channel: ops.id, ts });
    await bot.conversations.info({ channel: ops.id, include_num_members: true });
    await bot.conversations.setTopic({ channel: ops.id, topic: "On call: alice" });
    await bot.conversations.list({ types: "public_channel,private_channel", limit: 2 });
    await bot.conversations.members({ channel: ops.id });
    await bot.conversations.join({ channel: quiet.id });
    await bot.conversations.open({ users: bob.id });
    await bot.chat.delete({ channel: ops.id, ts });

    await bot.users.info({ user: alice.id });
    await bot.users.lookupByEmail({ email: "alice@example.com" });
    await attempt(() => bot.users.lookupByEmail({ email: "nobody@example.com" }));
    await bot.users.list({ limit: 10 });

    await bot.usergroups.list({ include_users: true, include_disabled: true, include_count: true });
    await bot.usergroups.users.list({ usergroup: group.id });
    await bot.usergroups.users.update({ usergroup: group.id, users: `${alice.id},${bob.id}` });
    await attempt(() => bot.usergroups.users.update({ usergroup: group.id, users: "" }));
    await attempt(() => bot.usergroups.users.update({ usergroup: group.id, users: "U999999999" }));
    await bot.usergroups.disable({ usergroup: group.id });
    await bot.usergroups.enable({ usergroup: group.id });
    await bot.usergroups.create({ name: "Release captains", handle: "release-captains" });

    // Events the workspace delivers (validated as they are queued; no Socket Mode client needed).
    await slack.addReaction({ channel: ops.id, ts: posted.ts!, user: alice.id, name: "tada" }).catch(() => undefined);
    const said = await slack.sendMessage({ channel: ops.id, user: alice.id, text: "hello" });
    await slack.addReaction({ channel: ops.id, ts: said.ts, user: bob.id, name: "wave" });
    await slack.removeReaction({ channel: ops.id, ts: said.ts, user: bob.id, name: "wave" });
    await slack.editMessage({ channel: ops.id, ts: said.ts, text: "hello!" });
    await slack.deleteMessage({ channel: ops.id, ts: said.ts });
    await slack.sendMessage({ channel: secret.id, user: slack.botUserId, text: "private" }).catch(() => undefined);
    await slack.sendMessage({ channel: slack.dmChannel(alice.id), user: alice.id, text: "dm" });
    slack.addMember(secret.id, alice.id);
    await slack.sendMessage({ channel: secret.id, user: alice.id, text: "in a private channel" });
    await exerciseSlackShapes(slack, bot);
  } finally {
    await slack.close();
  }
}

async function exerciseGitHub(): Promise<void> {
  const gh = await GitHubEmulator.start({ now: () => new Date("2030-01-07T09:00:00Z") });
  try {
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const client = (auth?: string) => new Octokit({ baseUrl: gh.url, ...(auth ? { auth } : {}), log });
    gh.addUser({ login: "release-bot" });
    gh.addUser({ login: "alice", email: "alice@example.com" });
    gh.addUser({ login: "bob" });
    gh.addTeam("acme", { slug: "platform", members: ["alice"] });
    gh.addToken("ghp_bot", { login: "release-bot" });
    gh.addToken("ghp_alice", { login: "alice" });
    const octokit = client("ghp_bot");
    const repo = gh.createRepo("acme/web", { defaultBranch: "main" });
    repo.createBranch("develop", "main");
    repo.featureMerge("develop", { title: "Add login", author: "alice", method: "merge" });
    repo.featureMerge("develop", { title: "Fix typo", author: "bob", method: "squash" });
    const o = { owner: "acme", repo: "web" };

    await octokit.users.getAuthenticated();
    await octokit.users.getByUsername({ username: "alice" });
    await octokit.rateLimit.get();
    await octokit.teams.listMembersInOrg({ org: "acme", team_slug: "platform" });
    await octokit.repos.get(o);
    await attempt(() => octokit.repos.get({ owner: "acme", repo: "missing" }));
    await attempt(() => client("ghp_unknown").repos.get(o));
    await octokit.repos.getBranch({ ...o, branch: "develop" });
    const head = repo.head("develop");
    await octokit.repos.getCommit({ ...o, ref: head });
    await octokit.repos.listPullRequestsAssociatedWithCommit({ ...o, commit_sha: head });
    await attempt(() => octokit.repos.listPullRequestsAssociatedWithCommit({ ...o, commit_sha: "0000000000000000000000000000000000000000" }));
    await octokit.repos.compareCommitsWithBasehead({ ...o, basehead: "main...develop" });
    await octokit.repos.compareCommitsWithBasehead({ ...o, basehead: "main...develop", per_page: 1, page: 1 });

    const { data: pr } = await octokit.pulls.create({ ...o, head: "develop", base: "main", title: "Release", body: "notes" });
    await attempt(() => octokit.pulls.create({ ...o, head: "develop", base: "main", title: "Release again" }));
    await attempt(() => octokit.pulls.create({ ...o, head: "main", base: "main", title: "Nothing" }));
    await octokit.pulls.list({ ...o, head: "acme:develop", base: "main", state: "open", per_page: 100 });
    await octokit.pulls.get({ ...o, pull_number: pr.number });
    await octokit.pulls.update({ ...o, pull_number: pr.number, title: "Release 1.2", body: "notes v2" });
    await octokit.pulls.listCommits({ ...o, pull_number: pr.number });
    await octokit.pulls.requestReviewers({ ...o, pull_number: pr.number, reviewers: ["alice"], team_reviewers: ["platform"] });
    await attempt(() => octokit.pulls.requestReviewers({ ...o, pull_number: pr.number, reviewers: ["nobody-here"] }));
    await octokit.pulls.listRequestedReviewers({ ...o, pull_number: pr.number });
    await octokit.pulls.removeRequestedReviewers({ ...o, pull_number: pr.number, reviewers: [], team_reviewers: ["platform"] });
    await client("ghp_alice").pulls.createReview({ ...o, pull_number: pr.number, event: "APPROVE" });
    await octokit.pulls.listReviews({ ...o, pull_number: pr.number });
    await octokit.issues.addLabels({ ...o, issue_number: pr.number, labels: ["release"] });
    await octokit.issues.addAssignees({ ...o, issue_number: pr.number, assignees: ["alice"] });
    gh.rateLimit({ kind: "primary", retryAfterSec: 60, operation: "GET /repos/{owner}/{repo}/pulls" });
    await attempt(() => octokit.pulls.list(o));
    gh.rateLimit({ kind: "secondary", status: 429, retryAfterSec: 60, operation: "POST /repos/{owner}/{repo}/pulls" });
    await attempt(() => octokit.pulls.create({ ...o, head: "develop", base: "main", title: "x" }));
    await octokit.pulls.merge({ ...o, pull_number: pr.number, merge_method: "merge" });

    // Conditional requests: the ETag of an answer, sent back, gets a 304 while nothing changed.
    const compared = await octokit.repos.compareCommitsWithBasehead({ ...o, basehead: "main...develop", per_page: 1 });
    await attempt(() => octokit.repos.compareCommitsWithBasehead({ ...o, basehead: "main...develop", per_page: 1, headers: { "if-none-match": compared.headers.etag! } }));
    const read = await octokit.pulls.get({ ...o, pull_number: pr.number });
    await attempt(() => octokit.pulls.get({ ...o, pull_number: pr.number, headers: { "if-none-match": read.headers.etag! } }));

    // GraphQL: a comparison with each commit's PRs, pull requests by head and base, the budget.
    repo.featureMerge("develop", { title: "Add search", author: "alice", method: "rebase", commits: 2 });
    await octokit.graphql(
      `query($owner: String!, $name: String!) {
        rateLimit { cost limit remaining used resetAt nodeCount }
        viewer { login }
        repository(owner: $owner, name: $name) {
          id name nameWithOwner isPrivate url owner { login }
          defaultBranchRef { name }
          ref(qualifiedName: "refs/heads/main") {
            id name prefix target { oid }
            compare(headRef: "develop") {
              id aheadBy behindBy status baseTarget { oid } headTarget { oid }
              commits(first: 10) {
                totalCount authorCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                edges { cursor node { oid } }
                nodes {
                  id oid abbreviatedOid message messageHeadline messageBody committedDate authoredDate url
                  author { name email date user { login } } committer { name email date user { login } }
                  parents(first: 2) { nodes { oid } }
                  associatedPullRequests(first: 5) { nodes { number state merged mergedAt mergedBy { login } baseRefName headRefName } }
                }
              }
            }
          }
          pullRequest(number: 1) { id number title body url permalink state closed merged mergedAt closedAt createdAt updatedAt isDraft author { login url } baseRefName headRefName isCrossRepository baseRefOid headRefOid mergeCommit { oid } }
          pullRequests(headRefName: "develop", baseRefName: "main", states: [MERGED], first: 5, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { number headRefOid } }
          object(oid: "${repo.head("develop")}") { ... on Commit { oid } }
        }
      }`,
      { owner: "acme", name: "web" },
    );
    await attempt(() => octokit.graphql(`{ repository(owner: "acme", name: "missing") { name } }`));
  } finally {
    await gh.close();
  }
}

async function exercisePagerDuty(): Promise<void> {
  const now = new Date("2030-01-07T09:00:00Z");
  const pd = await PagerDutyEmulator.start({ now: () => now });
  try {
    const alice = pd.addUser({ name: "Alice", email: "alice@example.com" });
    const bob = pd.addUser({ name: "Bob", email: "bob@example.com" });
    const primary = pd.addSchedule({ name: "Primary" });
    pd.setOnCall(primary.id, [{ userId: alice.id, start: "2030-01-06T00:00:00Z", end: "2030-01-13T00:00:00Z" }]);
    const managers = pd.addEscalationPolicy({ name: "Managers" });
    pd.setOnCall(managers.id, [{ userId: bob.id }]);
    const headers = (token = pd.token) => ({ Authorization: `Token token=${token}`, Accept: "application/vnd.pagerduty+json;version=2" });
    const get = (path: string, token?: string) => fetch(`${pd.url}${path}`, { headers: headers(token) }).then((r) => r.text());

    await get(`/oncalls?schedule_ids[]=${primary.id}&limit=25&offset=0`);
    await get(`/oncalls?include[]=users&include[]=schedules&include[]=escalation_policies&total=true`);
    await get(`/oncalls?schedule_ids[]=null&escalation_policy_ids[]=${managers.id}&time_zone=Europe/Paris&earliest=true`);
    await get(`/oncalls?since=2030-01-08T00:00:00Z&until=2030-01-07T00:00:00Z`);
    await get("/users?query=ali");
    await get(`/users/${alice.id}`);
    await get("/users/PNOPE00");
    await get("/schedules");
    await get(`/schedules/${primary.id}?since=2030-01-07T00:00:00Z&until=2030-01-14T00:00:00Z`);
    await get("/escalation_policies");
    await get(`/escalation_policies/${managers.id}`);
    await get("/oncalls", "not-the-token");
    pd.outage({ status: 429, operation: "GET /oncalls", resetSeconds: 1 });
    await get("/oncalls");
  } finally {
    await pd.close();
  }
}
