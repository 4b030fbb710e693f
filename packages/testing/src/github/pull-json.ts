// GitHub's JSON for pull requests, their reviews, and the issue side of a pull request.
import type { GitHubRepo, PullRecord, ReviewRecord } from "./repo-model.js";
import { userByLogin, teamJson, labelJson, repoJson, type JsonContext } from "./github-json.js";

type Json = Record<string, unknown>;

function authorAssociation(ctx: JsonContext, repo: GitHubRepo, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  if (ctx.world.isOrgMember(repo.owner, login)) return "MEMBER";
  return "COLLABORATOR";
}

/** `pull-request` (full) or `pull-request-simple` (lists). */
export function pullJson(ctx: JsonContext, repo: GitHubRepo, pr: PullRecord, full: boolean): Json {
  const { api, html } = ctx;
  const r = `${api}/repos/${repo.fullName}`;
  const self = `${r}/pulls/${pr.number}`;
  const page = `${html}/${repo.fullName}/pull/${pr.number}`;
  const state = repo.pullState(pr);
  const lastCommit = state.commits.length > 0 ? state.commits[state.commits.length - 1] : state.headSha;
  const repoObj = repoJson(ctx, repo, false);
  const ownerUser = userByLogin(ctx, repo.owner);
  const labels = pr.labels.map((name) => {
    const json = labelJson(ctx, repo, repo.label(name));
    // pull-request-simple declares a label's description as a (non-null) string
    return full ? json : { ...json, description: json.description ?? "" };
  });
  const teams = pr.requestedTeams.flatMap((slug) => {
    const team = ctx.world.team(repo.owner, slug);
    return team ? [teamJson(ctx, team)] : [];
  });
  const assignees = pr.assignees.map((a) => userByLogin(ctx, a));
  const json: Json = {
    url: self,
    id: pr.id,
    node_id: pr.nodeId,
    html_url: page,
    diff_url: `${page}.diff`,
    patch_url: `${page}.patch`,
    issue_url: `${r}/issues/${pr.number}`,
    number: pr.number,
    state: pr.state,
    locked: pr.locked,
    title: pr.title,
    user: userByLogin(ctx, pr.user),
    body: pr.body,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: pr.requestedReviewers.map((login) => userByLogin(ctx, login)),
    requested_teams: teams,
    labels,
    milestone: null,
    draft: pr.draft,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${r}/pulls/comments{/number}`,
    comments_url: `${r}/issues/${pr.number}/comments`,
    statuses_url: `${r}/statuses/${lastCommit}`,
    head: {
      label: `${repo.owner}:${pr.headRef}`,
      ref: pr.headRef,
      sha: state.headSha,
      user: ownerUser,
      repo: repoObj,
    },
    base: {
      label: `${repo.owner}:${pr.baseRef}`,
      ref: pr.baseRef,
      sha: state.baseSha,
      user: ownerUser,
      repo: repoObj,
    },
    _links: {
      self: { href: self },
      html: { href: page },
      issue: { href: `${r}/issues/${pr.number}` },
      comments: { href: `${r}/issues/${pr.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${r}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${r}/statuses/${lastCommit}` },
    },
    author_association: authorAssociation(ctx, repo, pr.user),
    auto_merge: null,
    active_lock_reason: null,
  };
  if (!full) return json;
  const merged = pr.mergedAt !== null;
  const files = repo.diffFiles(state.commits);
  return {
    ...json,
    merged,
    mergeable: pr.state === "open" ? true : null,
    rebaseable: pr.state === "open" ? true : null,
    mergeable_state: pr.state === "open" ? (pr.draft ? "draft" : "clean") : "unknown",
    merged_by: pr.mergedBy ? userByLogin(ctx, pr.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: state.commits.length,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changed_files: files.length,
  };
}

export function reviewJson(ctx: JsonContext, repo: GitHubRepo, pr: PullRecord, review: ReviewRecord): Json {
  const page = `${ctx.html}/${repo.fullName}/pull/${pr.number}`;
  const prUrl = `${ctx.api}/repos/${repo.fullName}/pulls/${pr.number}`;
  return {
    id: review.id,
    node_id: review.nodeId,
    user: userByLogin(ctx, review.user),
    body: review.body,
    state: review.state,
    html_url: `${page}#pullrequestreview-${review.id}`,
    pull_request_url: prUrl,
    author_association: authorAssociation(ctx, repo, review.user),
    _links: { html: { href: `${page}#pullrequestreview-${review.id}` }, pull_request: { href: prUrl } },
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
  };
}

/** `issue` (the issue side of a PR, e.g. POST /issues/{n}/assignees). */
export function issueJson(ctx: JsonContext, repo: GitHubRepo, pr: PullRecord): Json {
  const { api, html } = ctx;
  const r = `${api}/repos/${repo.fullName}`;
  const i = `${r}/issues/${pr.number}`;
  const page = `${html}/${repo.fullName}/pull/${pr.number}`;
  const assignees = pr.assignees.map((a) => userByLogin(ctx, a));
  return {
    url: i,
    repository_url: r,
    labels_url: `${i}/labels{/name}`,
    comments_url: `${i}/comments`,
    events_url: `${i}/events`,
    html_url: page,
    id: pr.issueId,
    node_id: pr.issueNodeId,
    number: pr.number,
    title: pr.title,
    user: userByLogin(ctx, pr.user),
    labels: pr.labels.map((name) => labelJson(ctx, repo, repo.label(name))),
    state: pr.state,
    locked: pr.locked,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments: 0,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    author_association: authorAssociation(ctx, repo, pr.user),
    type: null,
    active_lock_reason: null,
    draft: pr.draft,
    pull_request: {
      url: `${r}/pulls/${pr.number}`,
      html_url: page,
      diff_url: `${page}.diff`,
      patch_url: `${page}.patch`,
      merged_at: pr.mergedAt,
    },
    body: pr.body,
    closed_by: pr.mergedBy ? userByLogin(ctx, pr.mergedBy) : null,
    reactions: {
      url: `${i}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    timeline_url: `${i}/timeline`,
    performed_via_github_app: null,
    state_reason: null,
  };
}
