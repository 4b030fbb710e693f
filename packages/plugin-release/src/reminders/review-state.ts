import type { ReleaseRun } from "../release-run.js";
import type { RepoTarget } from "../release/repo-target.js";

export interface ReviewState {
  /** Enough approvals (`requiredApprovals`) and no outstanding "changes requested". */
  approved: boolean;
  approvals: string[];
  changesRequested: string[];
  /** Requested reviewers who have not approved. */
  pendingUsers: string[];
  /** Requested teams (slugs) no member of which has reviewed yet. */
  pendingTeams: string[];
}

export interface OpenPull {
  number: number;
  title: string;
  html_url: string;
  draft?: boolean;
  user: { login: string } | null;
  requested_reviewers?: Array<{ login: string }> | null;
  requested_teams?: Array<{ slug: string }> | null;
}

/**
 * Who still has to review a PR. A reviewer who submits a review leaves GitHub's requested list, so
 * the list is who is pending; reviews (each reviewer's latest approving or blocking one) tell
 * whether the PR is approved.
 */
export async function reviewState(run: ReleaseRun, target: RepoTarget, pr: OpenPull): Promise<ReviewState> {
  const reviews = await run.gh.paginate(run.gh.pulls.listReviews, { owner: target.owner, repo: target.name, pull_number: pr.number, per_page: 100 });
  const latest = new Map<string, string>();
  for (const review of reviews) {
    const login = review.user?.login;
    if (!login || review.state === "COMMENTED" || review.state === "PENDING") continue;
    latest.set(login, review.state);
  }
  const approvals = [...latest].filter(([, s]) => s === "APPROVED").map(([l]) => l);
  const changesRequested = [...latest].filter(([, s]) => s === "CHANGES_REQUESTED").map(([l]) => l);
  const approvedBy = new Set(approvals.map((l) => l.toLowerCase()));
  return {
    approved: approvals.length >= run.config.requiredApprovals && changesRequested.length === 0,
    approvals,
    changesRequested,
    pendingUsers: (pr.requested_reviewers ?? []).map((u) => u.login).filter((l) => !approvedBy.has(l.toLowerCase())),
    pendingTeams: (pr.requested_teams ?? []).map((t) => t.slug),
  };
}

/** The open release PRs of a repository (normally one), oldest first. */
export async function openReleasePulls(run: ReleaseRun, target: RepoTarget): Promise<OpenPull[]> {
  // `head` must be `owner:branch`: GitHub silently ignores a bare branch name and lists every PR.
  const { data } = await run.gh.pulls.list({ owner: target.owner, repo: target.name, head: `${target.owner}:${target.head}`, base: target.base, state: "open", per_page: 100 });
  return (data as OpenPull[]).sort((a, b) => a.number - b.number);
}
