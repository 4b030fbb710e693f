import type { CommitFile, CommitRecord, GitHubRepo, GitHubTeam, GitHubUser, GitHubWorld, LabelRecord } from "./repo-model.js";

/**
 * Serializers producing GitHub's REST shapes (the response schemas of `@octokit/openapi`'s
 * api.github.com description). API URLs point at the emulator; HTML URLs at `html`
 * (https://github.com by default), like the real ones.
 */
export interface JsonContext {
  world: GitHubWorld;
  /** The API base (the emulator URL). */
  api: string;
  /** The web base, e.g. https://github.com */
  html: string;
}

type Json = Record<string, unknown>;

export function userJson(ctx: JsonContext, user: GitHubUser): Json {
  const { api, html } = ctx;
  const u = `${api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: user.nodeId,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: "",
    url: u,
    html_url: `${html}/${user.login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function userByLogin(ctx: JsonContext, login: string): Json {
  return userJson(ctx, ctx.world.ensureUser(login));
}

function publicRepoCount(ctx: JsonContext, login: string): number {
  let n = 0;
  for (const repo of ctx.world.repos.values()) if (!repo.private && repo.owner.toLowerCase() === login.toLowerCase()) n++;
  return n;
}

/** `public-user` (GET /users/{username}): no private fields, or oneOf with private-user breaks. */
export function publicUserJson(ctx: JsonContext, user: GitHubUser): Json {
  return {
    ...userJson(ctx, user),
    name: user.name,
    company: null,
    blog: "",
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepoCount(ctx, user.login),
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

/** `private-user` (GET /user). */
export function privateUserJson(ctx: JsonContext, user: GitHubUser): Json {
  let privateRepos = 0;
  for (const repo of ctx.world.repos.values()) if (repo.private && repo.owner.toLowerCase() === user.login.toLowerCase()) privateRepos++;
  return {
    ...publicUserJson(ctx, user),
    notification_email: user.email,
    private_gists: 0,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: "pro", space: 976562499, collaborators: 0, private_repos: 9999 },
  };
}

export function teamJson(ctx: JsonContext, team: GitHubTeam): Json {
  const org = ctx.world.user(team.org);
  const url = `${ctx.api}/organizations/${org?.id ?? 0}/team/${team.id}`;
  return {
    id: team.id,
    node_id: team.nodeId,
    url,
    html_url: `${ctx.html}/orgs/${team.org}/teams/${team.slug}`,
    name: team.name,
    slug: team.slug,
    description: team.description,
    privacy: "closed",
    notification_setting: "notifications_enabled",
    permission: "pull",
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: "organization",
    ...(org ? { organization_id: org.id } : {}),
    parent: null,
  };
}

export function labelJson(ctx: JsonContext, repo: GitHubRepo, label: LabelRecord): Json {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${ctx.api}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  };
}

export function repoJson(ctx: JsonContext, repo: GitHubRepo, full: boolean): Json {
  const { api, html } = ctx;
  const r = `${api}/repos/${repo.fullName}`;
  const owner = ctx.world.ensureUser(repo.owner, "Organization");
  let openIssues = 0;
  for (const pr of repo.pullRecords()) if (pr.state === "open") openIssues++;
  const base: Json = {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(ctx, owner),
    html_url: `${html}/${repo.fullName}`,
    description: repo.description,
    fork: false,
    url: r,
    forks_url: `${r}/forks`,
    keys_url: `${r}/keys{/key_id}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    teams_url: `${r}/teams`,
    hooks_url: `${r}/hooks`,
    issue_events_url: `${r}/issues/events{/number}`,
    events_url: `${r}/events`,
    assignees_url: `${r}/assignees{/user}`,
    branches_url: `${r}/branches{/branch}`,
    tags_url: `${r}/tags`,
    blobs_url: `${r}/git/blobs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    trees_url: `${r}/git/trees{/sha}`,
    statuses_url: `${r}/statuses/{sha}`,
    languages_url: `${r}/languages`,
    stargazers_url: `${r}/stargazers`,
    contributors_url: `${r}/contributors`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    commits_url: `${r}/commits{/sha}`,
    git_commits_url: `${r}/git/commits{/sha}`,
    comments_url: `${r}/comments{/number}`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    contents_url: `${r}/contents/{+path}`,
    compare_url: `${r}/compare/{base}...{head}`,
    merges_url: `${r}/merges`,
    archive_url: `${r}/{archive_format}{/ref}`,
    downloads_url: `${r}/downloads`,
    issues_url: `${r}/issues{/number}`,
    pulls_url: `${r}/pulls{/number}`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    labels_url: `${r}/labels{/name}`,
    releases_url: `${r}/releases{/id}`,
    deployments_url: `${r}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `${html.replace(/^https?:/, "git:")}/${repo.fullName}.git`,
    ssh_url: `git@${new URL(html).host}:${repo.fullName}.git`,
    clone_url: `${html}/${repo.fullName}.git`,
    svn_url: `${html}/${repo.fullName}`,
    homepage: null,
    size: 1,
    stargazers_count: 0,
    watchers_count: 0,
    language: "TypeScript",
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: false,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? "private" : "public",
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
  };
  if (!full) return base;
  return {
    ...base,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    temp_clone_token: "",
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_message: "COMMIT_MESSAGES",
    squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
    merge_commit_message: "PR_TITLE",
    merge_commit_title: "MERGE_MESSAGE",
    ...(owner.type === "Organization" ? { organization: userJson(ctx, owner) } : {}),
    network_count: 0,
    subscribers_count: 0,
  };
}

export function commitJson(ctx: JsonContext, repo: GitHubRepo, commit: CommitRecord, detailed: boolean): Json {
  const { api, html } = ctx;
  const r = `${api}/repos/${repo.fullName}`;
  const account = (login: string | null) => {
    if (!login) return null;
    const user = ctx.world.user(login);
    return user ? userJson(ctx, user) : null;
  };
  const json: Json = {
    sha: commit.sha,
    node_id: `C_kwDO${Buffer.from(commit.sha.slice(0, 20)).toString("base64url")}`,
    commit: {
      author: { ...commit.author },
      committer: { ...commit.committer },
      message: commit.message,
      tree: { sha: commit.tree, url: `${r}/git/trees/${commit.tree}` },
      url: `${r}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: {
        verified: commit.verified,
        reason: commit.verified ? "valid" : "unsigned",
        signature: commit.verified ? "-----BEGIN PGP SIGNATURE-----\n\nemulated\n-----END PGP SIGNATURE-----\n" : null,
        payload: commit.verified ? `tree ${commit.tree}\n` : null,
        verified_at: commit.verified ? commit.committer.date : null,
      },
    },
    url: `${r}/commits/${commit.sha}`,
    html_url: `${html}/${repo.fullName}/commit/${commit.sha}`,
    comments_url: `${r}/commits/${commit.sha}/comments`,
    author: account(commit.authorLogin),
    committer: account(commit.committerLogin),
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${r}/commits/${p}`,
      html_url: `${html}/${repo.fullName}/commit/${p}`,
    })),
  };
  if (detailed) {
    const files = commit.parents.length > 1 ? repo.diffFiles(mergeCommitChanges(repo, commit)) : commit.files;
    const additions = files.reduce((n, f) => n + f.additions, 0);
    const deletions = files.reduce((n, f) => n + f.deletions, 0);
    json.stats = { total: additions + deletions, additions, deletions };
    json.files = files.slice(0, 300).map((f) => fileJson(ctx, repo, f, commit.sha));
  }
  return json;
}

/** The commits a merge commit brings in over its first parent. */
function mergeCommitChanges(repo: GitHubRepo, commit: CommitRecord): string[] {
  const [first, ...others] = commit.parents;
  if (!first) return [];
  const fromFirst = repo.ancestors(first);
  const brought = new Set<string>();
  for (const p of others) for (const s of repo.ancestors(p)) if (!fromFirst.has(s)) brought.add(s);
  return [...brought].sort((a, b) => repo.getCommit(a).seq - repo.getCommit(b).seq);
}

export function fileJson(ctx: JsonContext, repo: GitHubRepo, file: CommitFile, ref: string): Json {
  const path = file.filename.split("/").map(encodeURIComponent).join("/");
  const lines = Math.min(file.additions, 3);
  const patch =
    file.patch ??
    (file.status === "removed"
      ? `@@ -1,${file.deletions} +0,0 @@`
      : `@@ -0,0 +1,${file.additions} @@\n${Array.from({ length: lines }, (_, i) => `+line ${i + 1}`).join("\n")}`);
  return {
    sha: file.blobSha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${ctx.html}/${repo.fullName}/blob/${ref}/${path}`,
    raw_url: `${ctx.html}/${repo.fullName}/raw/${ref}/${path}`,
    contents_url: `${ctx.api}/repos/${repo.fullName}/contents/${path}?ref=${ref}`,
    patch,
    ...(file.previousFilename ? { previous_filename: file.previousFilename } : {}),
  };
}
