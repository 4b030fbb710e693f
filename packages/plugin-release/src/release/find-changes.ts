import type { GitHub } from "../github/client.js";
import { ReleaseError, explain, readFailure } from "../github/errors.js";
import type { PrItem } from "./body.js";
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

interface AssociatedPull {
  number: number;
  title: string;
  html_url: string;
  merged_at: string | null;
  user: { login: string } | null;
  base: { ref: string };
  head: { ref: string };
}

/**
 * Lists the PRs merged into head that base lacks: every commit of base...head (paged, so past the
 * 250 a single compare returns), then the PRs associated with each commit, keeping those merged
 * into head. This sees merge, squash and rebase merges alike, needs no clone and no search query.
 */
export async function findChanges(gh: GitHub, target: RepoTarget, options: { concurrency?: number } = {}): Promise<ReleaseContents> {
  const { owner, name, head, base } = target;
  const commits: Array<{ sha: string; parents: string[] }> = [];
  let compareUrl = "";
  let aheadBy = 0;
  try {
    const pages = gh.paginate.iterator(gh.repos.compareCommitsWithBasehead, { owner, repo: name, basehead: `${base}...${head}`, per_page: 100 });
    for await (const page of pages) {
      const data = page.data as unknown as { html_url: string; ahead_by: number; commits: Array<{ sha: string; parents: Array<{ sha: string }> }> };
      if (!compareUrl) {
        compareUrl = data.html_url;
        aheadBy = data.ahead_by;
      }
      for (const c of data.commits) commits.push({ sha: c.sha, parents: c.parents.map((p) => p.sha) });
    }
  } catch (error) {
    if (readFailure(error).status === 404) throw await diagnoseNotFound(gh, target, error);
    throw error;
  }

  const releasedBy = commits.length > 0 ? await squashReleasedCommits(gh, target, commits) : new Map<string, SquashedRelease>();
  const features = new Map<number, { item: PrItem; commits: number; released: number }>();
  const released = new Map<number, SquashedRelease & { commits: number }>();
  let directCommits = 0;
  await forEachLimited(commits, options.concurrency ?? 4, async (commit) => {
    const release = releasedBy.get(commit.sha);
    if (release) {
      const entry = released.get(release.number) ?? { ...release, commits: 0 };
      entry.commits++;
      released.set(release.number, entry);
    }
    const { data } = await gh.repos.listPullRequestsAssociatedWithCommit({ owner, repo: name, commit_sha: commit.sha, per_page: 100 });
    const pulls = (data as unknown as AssociatedPull[]).filter((p) => p.merged_at !== null);
    // PRs merged into head; a back-merge from base (a "sync" PR) brings nothing to release.
    const merged = pulls.filter((p) => p.base.ref === head && p.head.ref !== base);
    for (const pr of merged) {
      const entry = features.get(pr.number) ?? {
        item: { number: pr.number, title: pr.title, author: pr.user?.login ?? "ghost", url: pr.html_url, mergedAt: pr.merged_at! },
        commits: 0,
        released: 0,
      };
      entry.commits++;
      if (release) entry.released++;
      features.set(pr.number, entry);
    }
    if (merged.length === 0 && !release && commit.parents.length < 2) directCommits++;
  });

  const items = [...features.values()]
    // Listed unless every one of its commits went out with an earlier (squashed) release PR.
    .filter((f) => f.released < f.commits)
    .map((f) => f.item)
    .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.number - b.number);
  return { compareUrl, aheadBy, items, directCommits, squashReleased: [...released.values()].sort((a, b) => a.number - b.number) };
}

interface SquashedRelease {
  number: number;
  url: string;
}

/**
 * The commits of base...head that an earlier release PR (head into base) already shipped: it was
 * squash- or rebase-merged, so its commits never reached base. Found from the release PRs
 * themselves, not from the PRs GitHub associates with each commit: that endpoint lists only "the
 * merged pull request that introduced the commit" once a commit is on the default branch, so on a
 * git-flow repository (default branch = head) it never names the release PR.
 *
 * A merged release PR shipped everything reachable from its head commit. Inside base...head that is
 * a walk over the compare's own parent links (a parent outside base...head is in base), so this
 * costs one listing of closed release PRs and no further call.
 */
async function squashReleasedCommits(gh: GitHub, target: RepoTarget, commits: Array<{ sha: string; parents: string[] }>): Promise<Map<string, SquashedRelease>> {
  const parents = new Map(commits.map((c) => [c.sha, c.parents]));
  const releases: Array<SquashedRelease & { tip: string }> = [];
  const pages = gh.paginate.iterator(gh.pulls.list, {
    owner: target.owner,
    repo: target.name,
    head: `${target.owner}:${target.head}`,
    base: target.base,
    state: "closed",
    sort: "created",
    direction: "desc",
    per_page: 100,
  });
  scan: for await (const page of pages) {
    for (const pr of page.data) {
      if (!pr.merged_at) continue;
      // Its head is in base (merged with a merge commit, or base caught up since): so is every older release's.
      if (!parents.has(pr.head.sha)) break scan;
      releases.push({ number: pr.number, url: pr.html_url, tip: pr.head.sha });
    }
  }
  // Oldest first: each commit is put down to the release PR that shipped it first.
  const releasedBy = new Map<string, SquashedRelease>();
  for (const release of releases.reverse()) {
    const stack = [release.tip];
    while (stack.length > 0) {
      const sha = stack.pop()!;
      if (releasedBy.has(sha) || !parents.has(sha)) continue;
      releasedBy.set(sha, { number: release.number, url: release.url });
      stack.push(...parents.get(sha)!);
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

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
