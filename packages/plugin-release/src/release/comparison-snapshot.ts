import type { Store } from "@botyard/core";
import type { AssociatedPull, CommitNode, MergedRelease } from "../github/comparison-queries.js";
import type { PrItem } from "./body.js";
import type { RepoTarget } from "./repo-target.js";

/**
 * What the bot knows of one repository's `base...head`, kept in its store between runs: every
 * commit of the comparison with its parents and the PRs that merged it into head, the ETag of the
 * comparison, and the merged release PRs whose commits are still listed.
 *
 * A commit is immutable and, once it is in head, so is the PR that brought it there: each commit
 * is asked about once, then answered from here. The cache holds the commits of the current
 * comparison only (commits that reach base leave it), so it is bounded by what is pending; above
 * {@link MAX_CACHED_COMMITS} nothing is kept and every run reads the comparison whole. It expires
 * {@link SNAPSHOT_TTL_MS} after the last run that used it.
 */
export interface ComparisonSnapshot {
  v: 1;
  /** ETag of `GET /compare/{base}...{head}?per_page=1`, for the next run's conditional request. */
  etag: string | undefined;
  baseOid: string;
  headOid: string;
  aheadBy: number;
  compareUrl: string;
  /** sha -> [parents, numbers of the PRs that merged it into head]. */
  commits: Record<string, [string[], number[]]>;
  /** The PRs named in `commits`. */
  pulls: Record<string, PrItem>;
  /** Merged release PRs (head into base), newest first, whose head commit is still in the comparison. */
  releases: Array<{ number: number; url: string; tip: string }>;
}

export const MAX_CACHED_COMMITS = 20_000;
export const SNAPSHOT_TTL_MS = 30 * 24 * 3600_000;

const key = (target: RepoTarget) => `comparison/${target.fullName}/${target.base}...${target.head}`;

export async function loadSnapshot(store: Store, target: RepoTarget): Promise<ComparisonSnapshot | undefined> {
  const snapshot = await store.get<ComparisonSnapshot>(key(target));
  return snapshot?.v === 1 ? snapshot : undefined;
}

export async function saveSnapshot(store: Store, target: RepoTarget, snapshot: ComparisonSnapshot): Promise<void> {
  if (Object.keys(snapshot.commits).length > MAX_CACHED_COMMITS) {
    await store.delete(key(target));
    return;
  }
  await store.set(key(target), snapshot, { ttlMs: SNAPSHOT_TTL_MS });
}

/** Records a commit's answer: its parents, and the PRs merged into head that brought it (back-merges from base bring nothing to release). */
export function recordCommit(snapshot: Pick<ComparisonSnapshot, "commits" | "pulls">, target: RepoTarget, node: CommitNode, pulls: AssociatedPull[] = node.associatedPullRequests.nodes): void {
  const merged = pulls.filter((p) => p.mergedAt !== null && p.baseRefName === target.head && p.headRefName !== target.base);
  for (const p of merged) snapshot.pulls[p.number] ??= { number: p.number, title: p.title, author: p.author?.login ?? "ghost", url: p.url, mergedAt: p.mergedAt! };
  snapshot.commits[node.oid] = [node.parents.nodes.map((n) => n.oid), merged.map((p) => p.number)];
}

/** The merged release PRs, newest first, down to the first one whose head is no longer in the comparison (it and older ones reached base). */
export function releasesInComparison(snapshot: Pick<ComparisonSnapshot, "commits">, merged: MergedRelease[]): { releases: ComparisonSnapshot["releases"]; complete: boolean } {
  const releases: ComparisonSnapshot["releases"] = [];
  for (const pr of merged) {
    if (pr.isCrossRepository) continue;
    if (!(pr.headRefOid in snapshot.commits)) return { releases, complete: true };
    releases.push({ number: pr.number, url: pr.url, tip: pr.headRefOid });
  }
  return { releases, complete: false };
}

/** Keeps only the PRs still named by a commit of the comparison. */
export function prunePulls(snapshot: ComparisonSnapshot): void {
  const named = new Set(Object.values(snapshot.commits).flatMap(([, prs]) => prs));
  for (const n of Object.keys(snapshot.pulls)) if (!named.has(Number(n))) delete snapshot.pulls[n];
}
