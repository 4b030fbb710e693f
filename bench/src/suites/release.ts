import { Octokit } from "@octokit/rest";
import release from "@botyard/plugin-release";
import { createTestBot, GitHubEmulator, GRAPHQL_OPERATION, SlackEmulator, type GitHubRepo, type MergeMethod, type TestBot } from "@botyard/testing";
import type { BenchOptions, BenchResult } from "../bench-result.js";

const TOKEN = "ghp_bench_release_token_0001";
const BASELINE_TOKEN = "ghp_bench_baseline_token_0002";
const CHANNEL = "C0RELEASES";
const METHODS: MergeMethod[] = ["merge", "squash", "rebase"];

/**
 * The release bot's GitHub cost (issue 17): calls per run, REST and GraphQL rate-limit points and
 * 304 answers, for each workload of the table, against the GitHub emulator with the real
 * Octokit (conformance off: the suite counts, it does not validate). Beside each first run, the
 * same repository read the way the bot read it before (a REST compare page per 100 commits, one
 * `GET /commits/{sha}/pulls` per commit, the release PR listings), measured in the same run.
 */
export default async function releaseSuite(options: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const scale = options.quick ? 0.2 : 1;
  results.push(...(await workload("1,000 commits, 100 merged PRs", { prs: Math.round(100 * scale), commitsPerPr: 10, squashReleased: true, targets: { first: 15, unchanged: 3, more: 6 } })));
  results.push(...(await workload("30 merged PRs, ~300 commits", { prs: Math.round(30 * scale) || 1, commitsPerPr: 10, squashReleased: false, targets: { first: 8 } })));
  return results;
}

interface Shape {
  prs: number;
  /** Average commits each PR brings into head (merge: n+1, squash: 1, rebase: n). */
  commitsPerPr: number;
  /** An earlier release PR was squash-merged (its commits stay in base...head), then base was merged back into head. */
  squashReleased: boolean;
  targets: { first: number; unchanged?: number; more?: number };
}

interface Cost {
  calls: number;
  /** Of which writes (the release PR opened or updated, reviewers requested): the same for both approaches. */
  writes: number;
  rest: number;
  graphql: number;
  notModified: number;
}

async function workload(name: string, shape: Shape): Promise<BenchResult[]> {
  const gh = await GitHubEmulator.start({ conformance: false });
  const slack = await SlackEmulator.start({ ackTimeoutMs: 30_000 });
  let t: TestBot | undefined;
  try {
    gh.addToken(TOKEN, { login: "release-bot" });
    gh.addToken(BASELINE_TOKEN, { login: "release-bot" });
    slack.createChannel("releases", { id: CHANNEL });
    const repo = seed(gh, shape);
    const ahead = repo.compare("main", "develop").ahead.length;
    t = await createTestBot(release, {
      github: { token: TOKEN, baseUrl: gh.url },
      channel: CHANNEL,
      repositories: [{ repo: "acme/web", reviewers: ["alice"] }],
      schedule: "0 10 * * 1-5",
      remindSchedule: false,
    }, { slack });
    const bot = t;
    const run = async (): Promise<Cost> => {
      const before = { calls: gh.calls.length, rest: gh.quota(TOKEN).used, graphql: gh.quota(TOKEN, "graphql").used };
      await bot.fireSchedule("release");
      const calls = gh.calls.slice(before.calls);
      return {
        calls: calls.length,
        writes: calls.filter((c) => c.method !== "GET" && c.operation !== GRAPHQL_OPERATION).length,
        rest: gh.quota(TOKEN).used - before.rest,
        graphql: gh.quota(TOKEN, "graphql").used - before.graphql,
        notModified: calls.filter((c) => c.status === 304).length,
      };
    };
    const label = `${name} (${ahead.toLocaleString("en-US")} commits ahead)`;
    const first = await run();
    const baseline = (await oneCallPerCommit(gh)) + first.writes;
    const rows: BenchResult[] = [
      ...costRows(label, "first run", first, shape.targets.first),
      { suite: "release", workload: label, metric: "first run: calls, one-call-per-commit approach (same repository)", value: baseline, unit: "calls" },
      { suite: "release", workload: label, metric: "first run: ratio to one call per commit", value: first.calls / baseline, unit: "x", note: "lower is better" },
    ];
    if (shape.targets.unchanged !== undefined) {
      const unchanged = await run();
      const again = await run();
      rows.push(...costRows(label, "next run, nothing changed", unchanged, shape.targets.unchanged));
      rows.push(...costRows(label, "next run again, nothing changed", again, shape.targets.unchanged));
      rows.push({ suite: "release", workload: label, metric: "next run, nothing changed: ratio to one call per commit", value: unchanged.calls / baseline, unit: "x", note: "the old approach read everything again on every run" });
    }
    if (shape.targets.more !== undefined) {
      for (let i = 0; i < 5; i++) merge(repo, shape.prs + i, shape.commitsPerPr);
      const more = await run();
      rows.push(...costRows(label, "run after 5 more PRs merged", more, shape.targets.more));
      const listed = (repo.pulls().find((p) => p.head === "develop" && p.base === "main" && p.state === "open")?.body ?? "").match(/^- \[ \] #\d+/gm)?.length ?? 0;
      rows.push({ suite: "release", workload: label, metric: "PRs listed in the release PR after that run", value: listed, unit: "PRs", note: "every feature PR not yet released is listed once" });
    }
    return rows;
  } finally {
    await t?.close();
    await slack.close();
    await gh.close();
  }
}

function costRows(workload: string, when: string, cost: Cost, target: number): BenchResult[] {
  return [
    { suite: "release", workload, metric: `${when}: GitHub calls`, value: cost.calls, unit: "calls", target: `<= ${target}`, met: cost.calls <= target },
    { suite: "release", workload, metric: `${when}: REST points`, value: cost.rest, unit: "points" },
    { suite: "release", workload, metric: `${when}: GraphQL points`, value: cost.graphql, unit: "points" },
    { suite: "release", workload, metric: `${when}: answered 304 (free)`, value: cost.notModified, unit: "calls" },
  ];
}

/**
 * `develop` branched from `main`, then PRs merged into it by merge, squash and rebase in turn. With
 * `squashReleased`: after the first tenth, a release PR is squash-merged into main (its commits
 * stay in main...develop) and main is merged back into develop by a PR, as git-flow does.
 */
function seed(gh: GitHubEmulator, shape: Shape): GitHubRepo {
  const repo = gh.createRepo("acme/web");
  repo.createBranch("develop", "main");
  const released = shape.squashReleased ? Math.max(1, Math.round(shape.prs / 10)) : 0;
  for (let i = 0; i < shape.prs; i++) {
    if (i === released && released > 0) {
      const n = repo.openPullRequest({ head: "develop", base: "main", title: "Release 1", user: "release-bot" });
      repo.mergePullRequest(n, { method: "squash", by: "carol" });
      const sync = repo.openPullRequest({ head: "main", base: "develop", title: "Sync main into develop", user: "carol" });
      repo.mergePullRequest(sync, { method: "merge", by: "carol" });
    }
    if (i < shape.prs - 1) merge(repo, i, shape.commitsPerPr);
  }
  // The last PR is rebased with as many commits as make the comparison the workload's size exactly.
  const short = shape.prs * shape.commitsPerPr - repo.compare("main", "develop").ahead.length;
  repo.featureMerge("develop", { title: `Change ${shape.prs}`, author: "alice", method: "rebase", commits: Math.max(1, short) });
  return repo;
}

function merge(repo: GitHubRepo, i: number, commitsPerPr: number): void {
  const method = METHODS[i % METHODS.length]!;
  // merge brings n + 1 commits, squash 1, rebase n: n = 1.5 x the average keeps the mean at commitsPerPr.
  const commits = method === "squash" ? 1 : Math.max(1, Math.round((commitsPerPr * 3 - 2) / 2));
  repo.featureMerge("develop", { title: `Change ${i + 1}`, author: ["alice", "bob", "carol", "dave"][i % 4]!, method, commits });
}

/** The reads the bot made before issue 17 for the same comparison: compare pages, one call per commit, the release PR listings. */
async function oneCallPerCommit(gh: GitHubEmulator): Promise<number> {
  const octokit = new Octokit({ baseUrl: gh.url, auth: BASELINE_TOKEN, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const before = gh.calls.length;
  const o = { owner: "acme", repo: "web" };
  const shas: string[] = [];
  for await (const page of octokit.paginate.iterator(octokit.repos.compareCommitsWithBasehead, { ...o, basehead: "main...develop", per_page: 100 })) {
    shas.push(...(page.data as unknown as { commits: Array<{ sha: string }> }).commits.map((c) => c.sha));
  }
  await octokit.pulls.list({ ...o, head: "acme:develop", base: "main", state: "closed", per_page: 100 });
  for (const sha of shas) await octokit.repos.listPullRequestsAssociatedWithCommit({ ...o, commit_sha: sha, per_page: 100 });
  await octokit.pulls.list({ ...o, head: "acme:develop", base: "main", state: "open", per_page: 100 });
  return gh.calls.length - before;
}
