import type { GitHub } from "../github/client.js";
import { allPullsOf, commitsByOid, comparisonPage, moreReleases, type CommitNode, type MergedRelease } from "../github/comparison-queries.js";
import { getIfChanged } from "../github/conditional.js";
import { ReleaseError, explain, readFailure } from "../github/errors.js";
import type { ReleaseRun } from "../release-run.js";
import type { PrItem } from "./body.js";
import { loadSnapshot, prunePulls, recordCommit, releasesInComparison, saveSnapshot, type ComparisonSnapshot } from "./comparison-snapshot.js";
import type { RepoTarget } from "./repo-target.js";

/** What base...head holds, in pull requests. */
export interface ReleaseContents {
  /** GitHub's page comparing the branches. */
  compareUrl: string;
  /** Commits in head and not in base, as GitHub counts them. */
  aheadBy: number;
  /** PRs merged into head and not released yet, oldest merge first; each once. */
  items: PrItem[];
  /** Commits pushed to head without a pull request (merge commits aside), not released yet. */
  directCommits: number;
  /**
   * Release PRs (head into base) that were squash- or rebase-merged: their commits never reach
   * base, so base...head keeps listing them. Their PRs are left out of `items`.
   */
  squashReleased: Array<{ number: number; url: string; commits: number }>;
}

/** What one compare of REST says: the comparison's page 1 (`per_page=1`: its counts and base, not its commits). */
interface CompareHead {
  etag: string | undefined;
  baseOid: string;
  aheadBy: number;
  compareUrl: string;
}

/**
 * Lists the PRs merged into head that base lacks, in as few calls as GitHub allows:
 *
 * 1. `GET /compare/{base}...{head}?per_page=1` with the ETag of the last run: a 304 (free) means
 *    neither branch moved, and the last answer stands;
 * 2. otherwise, from the last run's commits (see {@link ComparisonSnapshot}): the commits new in
 *    head (`compare {old head}...{head}`), those that reached base (`compare {old base}...{base}`),
 *    and one GraphQL query for the new commits' PRs; the result must count what GitHub counts;
 * 3. otherwise (first run, a force-push, a back-merge), the whole comparison through GraphQL: 100
 *    commits per query, each with its parents and associated PRs (`Ref.compare`).
 *
 * Every commit's PRs come from GitHub's association of commits with PRs, which sees merge, squash
 * and rebase merges alike, with no clone and no search query.
 */
export async function findChanges(run: ReleaseRun, target: RepoTarget): Promise<ReleaseContents> {
  const { gh, ctx } = run;
  const saved = await loadSnapshot(ctx.store, target);
  let head: CompareHead;
  try {
    const answer = await getIfChanged(saved?.etag, (headers) =>
      gh.repos.compareCommitsWithBasehead({ owner: target.owner, repo: target.name, basehead: `${target.base}...${target.head}`, per_page: 1, headers }),
    );
    if (!answer.changed) {
      ctx.log.debug({ repo: target.fullName }, "comparison unchanged since the last run (304)");
      return contentsOf(saved!);
    }
    const data = answer.data as unknown as { html_url: string; ahead_by: number; base_commit: { sha: string } };
    head = { etag: answer.etag, baseOid: data.base_commit.sha, aheadBy: data.ahead_by, compareUrl: data.html_url };
  } catch (error) {
    if (readFailure(error).status === 404) throw await diagnoseNotFound(gh, target, error);
    throw error;
  }

  let snapshot = head.aheadBy === 0 ? emptySnapshot(head) : saved ? await advance(run, target, saved, head) : undefined;
  if (!snapshot) snapshot = await readWhole(run, target, head);
  prunePulls(snapshot);
  await saveSnapshot(ctx.store, target, snapshot);
  return contentsOf(snapshot);
}

function emptySnapshot(head: CompareHead): ComparisonSnapshot {
  return { v: 1, etag: head.etag, baseOid: head.baseOid, headOid: "", aheadBy: 0, compareUrl: head.compareUrl, commits: {}, pulls: {}, releases: [] };
}

/** The whole comparison, 100 commits per GraphQL query. */
async function readWhole(run: ReleaseRun, target: RepoTarget, head: CompareHead): Promise<ComparisonSnapshot> {
  const { gh } = run;
  const snapshot: ComparisonSnapshot = { ...emptySnapshot(head), headOid: "" };
  let merged: MergedRelease[] = [];
  let releasesAfter: string | null = null;
  let after: string | null = null;
  const more: CommitNode[] = [];
  do {
    const page = await comparisonPage(gh, target, after);
    if (!page) throw new ReleaseError(`${target.fullName}: GitHub cannot compare ${target.base}...${target.head} (a branch moved or vanished during the run); the next run tries again.`);
    if (after === null) {
      snapshot.baseOid = page.baseOid;
      snapshot.headOid = page.headOid ?? "";
      snapshot.aheadBy = page.aheadBy;
      merged = page.releases?.nodes ?? [];
      releasesAfter = page.releases?.pageInfo.hasNextPage ? page.releases.pageInfo.endCursor : null;
    }
    for (const node of page.commits) {
      recordCommit(snapshot, target, node);
      if (node.associatedPullRequests.pageInfo.hasNextPage) more.push(node);
    }
    after = page.next;
  } while (after);
  for (const node of more) recordCommit(snapshot, target, node, await allPullsOf(gh, target, node.oid));
  snapshot.releases = await releasesOf(run, target, snapshot, merged, releasesAfter);
  return snapshot;
}

/**
 * The last run's comparison brought up to date: `(old ∪ new in head) − reached base`. Undefined
 * when that cannot be done exactly (head was force-pushed, a back-merge brought commits of base,
 * too much changed): the caller then reads the comparison whole.
 */
async function advance(run: ReleaseRun, target: RepoTarget, saved: ComparisonSnapshot, head: CompareHead): Promise<ComparisonSnapshot | undefined> {
  const { gh, ctx } = run;
  if (!saved.headOid) return undefined; // the last run found nothing ahead: there is nothing to build on
  const reached = saved.baseOid === head.baseOid ? { status: "identical", commits: [] } : await compareShas(run, target, saved.baseOid, head.baseOid);
  if (!reached || reached.status !== "ahead" && reached.status !== "identical") return undefined;
  const added = await compareShas(run, target, saved.headOid, target.head);
  if (!added || added.status !== "ahead" && added.status !== "identical") return undefined;
  const gone = new Set(reached.commits.map((c) => c.sha));
  const fresh = added.commits.filter((c) => !gone.has(c.sha) && !(c.sha in saved.commits));
  const tip = added.commits.length ? tipOf(added.commits) : saved.headOid;
  if (!tip) return undefined;

  const commits: ComparisonSnapshot["commits"] = {};
  for (const [sha, answer] of Object.entries(saved.commits)) if (!gone.has(sha)) commits[sha] = answer;
  for (const c of fresh) commits[c.sha] = [c.parents, []];
  if (Object.keys(commits).length !== head.aheadBy) {
    ctx.log.debug({ repo: target.fullName, counted: Object.keys(commits).length, aheadBy: head.aheadBy }, "comparison does not add up from the last run's: reading it whole");
    return undefined;
  }
  const snapshot: ComparisonSnapshot = { ...saved, etag: head.etag, baseOid: head.baseOid, headOid: tip, aheadBy: head.aheadBy, compareUrl: head.compareUrl, commits, pulls: { ...saved.pulls } };
  // A new release PR can only have been merged if base moved.
  const baseMoved = gone.size > 0 || saved.baseOid !== head.baseOid;
  if (fresh.length === 0 && !baseMoved) return snapshot;
  const answered = await commitsByOid(gh, target, fresh.map((c) => c.sha), baseMoved);
  for (const node of answered.commits) {
    const pulls = node.associatedPullRequests.pageInfo.hasNextPage ? await allPullsOf(gh, target, node.oid) : node.associatedPullRequests.nodes;
    recordCommit(snapshot, target, node, pulls);
  }
  if (answered.commits.length !== fresh.length) return undefined;
  if (baseMoved) {
    const connection = answered.releases;
    snapshot.releases = await releasesOf(run, target, snapshot, connection?.nodes ?? [], connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null);
  }
  return snapshot;
}

/** The merged release PRs still in the comparison, reading further pages only when all 20 of one are. */
async function releasesOf(run: ReleaseRun, target: RepoTarget, snapshot: ComparisonSnapshot, merged: MergedRelease[], after: string | null): Promise<ComparisonSnapshot["releases"]> {
  const out: ComparisonSnapshot["releases"] = [];
  let page = merged;
  let cursor = after;
  for (;;) {
    const { releases, complete } = releasesInComparison(snapshot, page);
    out.push(...releases);
    if (complete || !cursor) return out;
    const next = await moreReleases(run.gh, target, cursor);
    page = next.nodes;
    cursor = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
  }
}

/** Commits reachable from `to` and not from `from` (REST compare of two commits), when there are at most 300. */
async function compareShas(run: ReleaseRun, target: RepoTarget, from: string, to: string): Promise<{ status: string; commits: Array<{ sha: string; parents: string[] }> } | undefined> {
  const commits: Array<{ sha: string; parents: string[] }> = [];
  let status = "";
  for (let page = 1; page <= 3; page++) {
    let data: { status: string; total_commits: number; commits: Array<{ sha: string; parents: Array<{ sha: string }> }> };
    try {
      ({ data } = (await run.gh.repos.compareCommitsWithBasehead({ owner: target.owner, repo: target.name, basehead: `${from}...${to}`, per_page: 100, page })) as unknown as { data: typeof data });
    } catch (error) {
      if (readFailure(error).status === 404) return undefined; // an old tip GitHub no longer has
      throw error;
    }
    status = data.status;
    if (data.total_commits > 300) return undefined;
    commits.push(...data.commits.map((c) => ({ sha: c.sha, parents: c.parents.map((p) => p.sha) })));
    if (commits.length >= data.total_commits) break;
  }
  return { status, commits };
}

/** The one commit no other commit of the list has as a parent: the new head (every other one is its ancestor). */
function tipOf(commits: Array<{ sha: string; parents: string[] }>): string | undefined {
  const parents = new Set(commits.flatMap((c) => c.parents));
  const tips = commits.filter((c) => !parents.has(c.sha));
  return tips.length === 1 ? tips[0]!.sha : undefined;
}

/** What the comparison holds in pull requests (no GitHub call): the analysis every run makes of the snapshot. */
export function contentsOf(snapshot: ComparisonSnapshot): ReleaseContents {
  const releasedBy = squashReleasedCommits(snapshot);
  const features = new Map<number, { item: PrItem; commits: number; released: number }>();
  const released = new Map<number, SquashedRelease & { commits: number }>();
  let directCommits = 0;
  for (const [sha, [parents, prs]] of Object.entries(snapshot.commits)) {
    const release = releasedBy.get(sha);
    if (release) {
      const entry = released.get(release.number) ?? { ...release, commits: 0 };
      entry.commits++;
      released.set(release.number, entry);
    }
    for (const number of prs) {
      const entry = features.get(number) ?? { item: snapshot.pulls[number]!, commits: 0, released: 0 };
      entry.commits++;
      if (release) entry.released++;
      features.set(number, entry);
    }
    if (prs.length === 0 && !release && parents.length < 2) directCommits++;
  }
  const items = [...features.values()]
    // Listed unless every one of its commits went out with an earlier (squashed) release PR.
    .filter((f) => f.released < f.commits)
    .map((f) => f.item)
    .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.number - b.number);
  return { compareUrl: snapshot.compareUrl, aheadBy: snapshot.aheadBy, items, directCommits, squashReleased: [...released.values()].sort((a, b) => a.number - b.number) };
}

interface SquashedRelease {
  number: number;
  url: string;
}

/**
 * The commits of base...head that an earlier release PR (head into base) already shipped: it was
 * squash- or rebase-merged, so its commits never reached base. Found from the release PRs
 * themselves, not from the PRs GitHub associates with each commit: GitHub associates a commit on
 * the default branch only with "the merged pull request that introduced the commit", so on a
 * git-flow repository (default branch = head) it never names the release PR.
 *
 * A merged release PR shipped everything reachable from its head commit. Inside base...head that is
 * a walk over the comparison's own parent links (a parent outside base...head is in base).
 */
function squashReleasedCommits(snapshot: ComparisonSnapshot): Map<string, SquashedRelease> {
  const releasedBy = new Map<string, SquashedRelease>();
  // Oldest first: each commit is put down to the release PR that shipped it first.
  for (const release of [...snapshot.releases].reverse()) {
    const stack = [release.tip];
    while (stack.length > 0) {
      const sha = stack.pop()!;
      if (releasedBy.has(sha) || !(sha in snapshot.commits)) continue;
      releasedBy.set(sha, { number: release.number, url: release.url });
      stack.push(...snapshot.commits[sha]![0]);
    }
  }
  return releasedBy;
}

/** A compare 404 names neither side: find out whether the repository or a branch is missing. */
async function diagnoseNotFound(gh: GitHub, target: RepoTarget, cause: unknown): Promise<Error> {
  const { owner, name } = target;
  try {
    await gh.repos.get({ owner, repo: name });
  } catch (error) {
    return new ReleaseError(explain(error, target.fullName), { cause: error });
  }
  for (const branch of [target.base, target.head]) {
    try {
      await gh.repos.getBranch({ owner, repo: name, branch });
    } catch (error) {
      if (readFailure(error).status === 404) {
        return new ReleaseError(`${target.fullName}: branch "${branch}" not found. Check \`${branch === target.base ? "base" : "head"}\` in the bot's config.`, { cause: error });
      }
      return new ReleaseError(explain(error, target.fullName), { cause: error });
    }
  }
  return new ReleaseError(`${target.fullName}: ${target.base} and ${target.head} have no common history (compare answered 404).`, { cause });
}
