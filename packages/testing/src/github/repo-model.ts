import { createHash } from "node:crypto";

/**
 * The in-memory GitHub world behind the emulator: users, teams, repositories whose commits form a
 * real DAG (so compare and merge-base behave as on GitHub), and pull requests that merge the way
 * GitHub merges them (merge commit, squash, rebase).
 */

// ---------------------------------------------------------------------------------------------
// Users and teams
// ---------------------------------------------------------------------------------------------

export interface GitHubUserInit {
  login: string;
  /** Display name (`name` in the API). */
  name?: string | null;
  /** Public e-mail: shown by `GET /users/{username}`; `null` there when not set. */
  email?: string | null;
  id?: number;
  type?: "User" | "Organization" | "Bot";
}

export interface GitHubUser {
  login: string;
  id: number;
  nodeId: string;
  name: string | null;
  email: string | null;
  type: "User" | "Organization" | "Bot";
  createdAt: string;
}

export interface GitHubTeam {
  id: number;
  nodeId: string;
  org: string;
  slug: string;
  name: string;
  description: string | null;
  members: string[];
}

export interface GitHubTeamInit {
  slug: string;
  name?: string;
  description?: string | null;
  members: string[];
}

/** The pieces of state that every repository shares: people, teams, ids, clock. */
export class GitHubWorld {
  readonly users = new Map<string, GitHubUser>();
  readonly teams = new Map<string, GitHubTeam>();
  readonly repos = new Map<string, GitHubRepo>();
  private readonly counters = new Map<string, number>();
  private shaCounter = 0;

  constructor(readonly now: () => Date = () => new Date()) {}

  nextId(kind: string, start: number): number {
    const next = (this.counters.get(kind) ?? start) + 1;
    this.counters.set(kind, next);
    return next;
  }

  private ticks = 0;

  /** A counter that orders events happening within the same clock second. */
  tick(): number {
    return ++this.ticks;
  }

  isoNow(): string {
    return iso(this.now());
  }

  /** A unique, deterministic-looking 40-hex sha. */
  sha(...parts: string[]): string {
    this.shaCounter += 1;
    return createHash("sha1")
      .update(`${this.shaCounter}\0${parts.join("\0")}`)
      .digest("hex");
  }

  addUser(init: GitHubUserInit): GitHubUser {
    const key = init.login.toLowerCase();
    const existing = this.users.get(key);
    if (existing) {
      if (init.name !== undefined) existing.name = init.name;
      if (init.email !== undefined) existing.email = init.email;
      if (init.type !== undefined) existing.type = init.type;
      return existing;
    }
    const type = init.type ?? "User";
    const id = init.id ?? this.nextId("user", 1_000_000);
    const user: GitHubUser = {
      login: init.login,
      id,
      nodeId: nodeId(type === "Organization" ? "O_kgDO" : type === "Bot" ? "BOT_kgDO" : "U_kgDO", id),
      name: init.name ?? null,
      email: init.email ?? null,
      type,
      createdAt: this.isoNow(),
    };
    this.users.set(key, user);
    return user;
  }

  user(login: string): GitHubUser | undefined {
    return this.users.get(login.toLowerCase());
  }

  /** The user with this login, created on first mention (tests need not declare everyone). */
  ensureUser(login: string, type: GitHubUser["type"] = "User"): GitHubUser {
    return this.user(login) ?? this.addUser({ login, type });
  }

  addTeam(org: string, init: GitHubTeamInit): GitHubTeam {
    this.ensureUser(org, "Organization");
    for (const m of init.members) this.ensureUser(m);
    const key = `${org.toLowerCase()}/${init.slug.toLowerCase()}`;
    const existing = this.teams.get(key);
    if (existing) {
      existing.members = [...init.members];
      if (init.name !== undefined) existing.name = init.name;
      if (init.description !== undefined) existing.description = init.description;
      return existing;
    }
    const id = this.nextId("team", 5_000_000);
    const team: GitHubTeam = {
      id,
      nodeId: nodeId("T_kwDO", id),
      org,
      slug: init.slug,
      name: init.name ?? init.slug,
      description: init.description ?? null,
      members: [...init.members],
    };
    this.teams.set(key, team);
    return team;
  }

  team(org: string, slug: string): GitHubTeam | undefined {
    return this.teams.get(`${org.toLowerCase()}/${slug.toLowerCase()}`);
  }

  isOrgMember(org: string, login: string): boolean {
    const prefix = `${org.toLowerCase()}/`;
    for (const [key, team] of this.teams) {
      if (key.startsWith(prefix) && team.members.some((m) => m.toLowerCase() === login.toLowerCase())) return true;
    }
    return false;
  }

  /** Git identity of a user: their public e-mail, else the noreply address GitHub uses. */
  identity(login: string, date: string): GitIdentity {
    const user = this.ensureUser(login);
    return {
      name: user.name ?? user.login,
      email: user.email ?? `${user.id}+${user.login}@users.noreply.github.com`,
      date,
    };
  }

  /** The committer GitHub uses for commits it makes on the web (merge and squash commits). */
  webFlow(): GitHubUser {
    return this.user("web-flow") ?? this.addUser({ login: "web-flow", id: 19864447, name: "GitHub" });
  }
}

// ---------------------------------------------------------------------------------------------
// Commits and repositories
// ---------------------------------------------------------------------------------------------

export interface GitIdentity {
  name: string;
  email: string;
  date: string;
}

export interface CommitFileInit {
  filename: string;
  status?: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  additions?: number;
  deletions?: number;
  previousFilename?: string;
  patch?: string;
}

export interface CommitFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  additions: number;
  deletions: number;
  previousFilename?: string;
  patch?: string;
  blobSha: string | null;
}

export interface CommitRecord {
  sha: string;
  tree: string;
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
  /** GitHub accounts the author/committer e-mails belong to (`null`: no account). */
  authorLogin: string | null;
  committerLogin: string | null;
  parents: string[];
  files: CommitFile[];
  /** Creation order: parents always have a smaller seq (a topological and chronological order). */
  seq: number;
  verified: boolean;
}

export interface CommitOptions {
  message: string;
  /** A login (the commit is linked to that account), or a bare git identity. */
  author?: string | { login?: string; name?: string; email?: string };
  files?: CommitFileInit[];
  date?: Date | string;
}

export type MergeMethod = "merge" | "squash" | "rebase";

export interface ReviewRecord {
  id: number;
  nodeId: string;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  body: string;
  commitId: string | null;
  submittedAt: string;
}

export interface LabelRecord {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface PullRecord {
  number: number;
  id: number;
  nodeId: string;
  issueId: number;
  issueNodeId: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  locked: boolean;
  user: string;
  headRef: string;
  baseRef: string;
  createdAt: string;
  updatedAt: string;
  /** Increases with every update (orders PRs updated within the same second). */
  touchedSeq: number;
  closedAt: string | null;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  maintainerCanModify: boolean;
  labels: string[];
  assignees: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  reviews: ReviewRecord[];
  /** Head/base/commits as they were when the PR was closed or merged (GitHub stops following the branches). */
  frozen: { headSha: string; baseSha: string; commits: string[] } | null;
  /** Commits the merge created on the base branch (merge commit, squash commit or rebased copies). */
  landed: string[];
}

/** A pull request as tests see it. */
export interface PullSnapshot {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  draft: boolean;
  user: string;
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  /** The PR's commits (oldest first). */
  commits: string[];
  labels: string[];
  assignees: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  reviews: Array<{ user: string; state: ReviewRecord["state"]; body: string; commitId: string | null }>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface Comparison {
  baseSha: string;
  headSha: string;
  mergeBase: string;
  /** Commits reachable from head and not from base, oldest first. */
  ahead: string[];
  behindBy: number;
  status: "diverged" | "ahead" | "behind" | "identical";
}

export interface OpenPullRequestInit {
  head: string;
  base: string;
  title: string;
  body?: string | null;
  user: string;
  draft?: boolean;
}

export interface FeatureMergeOptions {
  title: string;
  author: string;
  method: MergeMethod;
  /** Commits on the feature branch (default 1). */
  commits?: number;
  body?: string;
  /** Feature branch name (default `feature/<slug>-<n>`). */
  branch?: string;
  /** Who presses the merge button (default: the author). */
  by?: string;
  files?: CommitFileInit[];
}

export interface FeatureMergeResult {
  number: number;
  branch: string;
  /** The commits as authored on the feature branch, oldest first. */
  shas: string[];
  /** `merge_commit_sha` of the PR: the merge commit, the squash commit, or the last rebased commit. */
  mergeCommitSha: string;
  /** The commits the merge added to the target branch (one for merge/squash, the copies for rebase). */
  landedShas: string[];
}

/** A GitHub validation failure (a 422 on the REST API); `errors` are GitHub's error objects. */
export class GitHubValidationError extends Error {
  constructor(
    message: string,
    readonly errors: Array<Record<string, unknown>>,
    readonly status = 422,
  ) {
    super(message);
    this.name = "GitHubValidationError";
  }
}

export const PR_BODY_LIMIT = 65_536;

const DEFAULT_LABELS: Array<[string, string, string]> = [
  ["bug", "d73a4a", "Something isn't working"],
  ["documentation", "0075ca", "Improvements or additions to documentation"],
  ["enhancement", "a2eeef", "New feature or request"],
  ["question", "d876e3", "Further information is requested"],
];

export interface CreateRepoOptions {
  defaultBranch?: string;
  private?: boolean;
  description?: string | null;
  /** Author of the initial commit (default: the owner). */
  initialAuthor?: string;
}

export class GitHubRepo {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly id: number;
  readonly nodeId: string;
  readonly createdAt: string;
  defaultBranch: string;
  private: boolean;
  description: string | null;
  pushedAt: string;
  updatedAt: string;
  readonly commits = new Map<string, CommitRecord>();
  readonly branches = new Map<string, string>();
  readonly labels = new Map<string, LabelRecord>();
  private readonly pullMap = new Map<number, PullRecord>();
  private nextNumber = 1;
  private commitSeq = 0;

  constructor(
    readonly world: GitHubWorld,
    fullName: string,
    options: CreateRepoOptions = {},
  ) {
    const [owner, name, ...rest] = fullName.split("/");
    if (!owner || !name || rest.length > 0) throw new Error(`repository name must be "owner/name", got "${fullName}"`);
    this.owner = owner;
    this.name = name;
    this.fullName = `${owner}/${name}`;
    if (!world.user(owner)) world.addUser({ login: owner, type: "Organization" });
    this.id = world.nextId("repo", 700_000_000);
    this.nodeId = nodeId("R_kgDO", this.id);
    this.createdAt = world.isoNow();
    this.pushedAt = this.createdAt;
    this.updatedAt = this.createdAt;
    this.defaultBranch = options.defaultBranch ?? "main";
    this.private = options.private ?? true;
    this.description = options.description ?? null;
    for (const [label, color, description] of DEFAULT_LABELS) this.label(label, { color, description, default: true });
    const sha = this.makeCommit({
      parents: [],
      message: "Initial commit",
      author: options.initialAuthor ?? this.ownerLoginForCommits(),
      files: [{ filename: "README.md", status: "added", additions: 2 }],
    });
    this.branches.set(this.defaultBranch, sha);
  }

  private ownerLoginForCommits(): string {
    const owner = this.world.user(this.owner);
    return owner && owner.type !== "Organization" ? owner.login : "web-flow";
  }

  // ------------------------------------------------------------------ refs and commits

  /** The tip of a branch; throws when there is no such branch. */
  head(branch: string): string {
    const sha = this.branches.get(branch);
    if (!sha) throw new Error(`${this.fullName}: no branch "${branch}"`);
    return sha;
  }

  /** A branch name, a full sha or an unambiguous sha prefix (7+ chars) -> sha. */
  resolve(ref: string): string | undefined {
    const stripped = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
    const branch = this.branches.get(stripped);
    if (branch) return branch;
    if (/^[0-9a-f]{40}$/i.test(ref)) return this.commits.has(ref.toLowerCase()) ? ref.toLowerCase() : undefined;
    if (/^[0-9a-f]{7,39}$/i.test(ref)) {
      const lower = ref.toLowerCase();
      const hits = [...this.commits.keys()].filter((s) => s.startsWith(lower));
      return hits.length === 1 ? hits[0] : undefined;
    }
    return undefined;
  }

  getCommit(sha: string): CommitRecord {
    const commit = this.commits.get(sha);
    if (!commit) throw new Error(`${this.fullName}: no commit ${sha}`);
    return commit;
  }

  /** Append a commit to a branch; returns its sha. */
  commit(branch: string, options: CommitOptions): string {
    const parent = this.head(branch);
    const sha = this.makeCommit({ parents: [parent], ...options });
    this.moveBranch(branch, sha);
    return sha;
  }

  createBranch(name: string, from: string = this.defaultBranch): string {
    if (this.branches.has(name)) throw new Error(`${this.fullName}: branch "${name}" already exists`);
    const sha = this.resolve(from);
    if (!sha) throw new Error(`${this.fullName}: cannot branch from unknown ref "${from}"`);
    this.branches.set(name, sha);
    return sha;
  }

  /** Delete a branch; open PRs from or into it are closed, as GitHub does. */
  deleteBranch(name: string): void {
    if (name === this.defaultBranch) throw new Error(`${this.fullName}: cannot delete the default branch`);
    if (!this.branches.has(name)) return;
    const now = this.world.isoNow();
    for (const pr of this.pullMap.values()) {
      if (pr.state !== "open" || (pr.headRef !== name && pr.baseRef !== name)) continue;
      pr.frozen = this.pullState(pr);
      pr.state = "closed";
      pr.closedAt = now;
      this.touch(pr, now);
    }
    this.branches.delete(name);
  }

  /** Point a branch at a commit (a force-push); creates the branch if needed. */
  setBranch(name: string, sha: string): void {
    this.getCommit(sha);
    this.moveBranch(name, sha);
  }

  private moveBranch(name: string, sha: string): void {
    this.branches.set(name, sha);
    this.pushedAt = this.world.isoNow();
    this.updatedAt = this.pushedAt;
  }

  /** Create a commit object (no ref moves). */
  makeCommit(init: {
    parents: string[];
    message: string;
    author?: CommitOptions["author"];
    committer?: CommitOptions["author"];
    files?: CommitFileInit[];
    date?: Date | string;
    verified?: boolean;
  }): string {
    const date = init.date === undefined ? this.world.isoNow() : iso(new Date(init.date));
    const author = this.identityOf(init.author ?? this.ownerLoginForCommits(), date);
    const committer = init.committer === undefined ? author : this.identityOf(init.committer, date);
    const seq = ++this.commitSeq;
    const sha = this.world.sha(this.fullName, init.parents.join(","), init.message, author.identity.email, date);
    const files = (init.files ?? (init.parents.length > 1 ? [] : [defaultFile(init.message, seq)])).map(
      (f): CommitFile => ({
        filename: f.filename,
        status: f.status ?? "modified",
        additions: f.additions ?? 0,
        deletions: f.deletions ?? 0,
        ...(f.previousFilename === undefined ? {} : { previousFilename: f.previousFilename }),
        ...(f.patch === undefined ? {} : { patch: f.patch }),
        blobSha: f.status === "removed" ? null : this.world.sha(sha, f.filename),
      }),
    );
    this.commits.set(sha, {
      sha,
      tree: this.world.sha(sha, "tree"),
      message: init.message,
      author: author.identity,
      committer: committer.identity,
      authorLogin: author.login,
      committerLogin: committer.login,
      parents: [...init.parents],
      files,
      seq,
      verified: init.verified ?? false,
    });
    return sha;
  }

  private identityOf(who: NonNullable<CommitOptions["author"]>, date: string): { identity: GitIdentity; login: string | null } {
    if (typeof who === "string") return { identity: this.world.identity(who, date), login: this.world.ensureUser(who).login };
    if (who.login) {
      const base = this.world.identity(who.login, date);
      return {
        identity: { name: who.name ?? base.name, email: who.email ?? base.email, date },
        login: this.world.ensureUser(who.login).login,
      };
    }
    return { identity: { name: who.name ?? "Unknown", email: who.email ?? "unknown@example.com", date }, login: null };
  }

  /** Commits never change, so neither does what they reach: the last few answers are kept (a query asks about one tip per commit). */
  private readonly reachable = new Map<string, Set<string>>();

  /** Every commit reachable from `sha` (itself included). Do not modify the set returned. */
  ancestors(sha: string): Set<string> {
    const known = this.reachable.get(sha);
    if (known) return known;
    const seen = this.walk(sha);
    if (this.reachable.size >= 8) this.reachable.delete(this.reachable.keys().next().value!);
    this.reachable.set(sha, seen);
    return seen;
  }

  private walk(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      const c = this.commits.get(s);
      if (c) for (const p of c.parents) if (!seen.has(p)) stack.push(p);
    }
    return seen;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.ancestors(of).has(ancestor);
  }

  /** `git log base..head` with GitHub's compare numbers; `undefined` when the histories are unrelated. */
  compareShas(baseSha: string, headSha: string): Comparison | undefined {
    const key = `${baseSha}...${headSha}`;
    if (this.compared.has(key)) return this.compared.get(key);
    const result = this.compareUncached(baseSha, headSha);
    if (this.compared.size >= 8) this.compared.delete(this.compared.keys().next().value!);
    this.compared.set(key, result);
    return result;
  }

  /** The same two commits always compare the same: the last few comparisons are kept (do not modify them). */
  private readonly compared = new Map<string, Comparison | undefined>();

  private compareUncached(baseSha: string, headSha: string): Comparison | undefined {
    const fromBase = this.ancestors(baseSha);
    const fromHead = this.ancestors(headSha);
    let mergeBase: string | undefined;
    let best = -1;
    for (const s of fromHead) {
      if (!fromBase.has(s)) continue;
      const seq = this.commits.get(s)?.seq ?? -1;
      if (seq > best) {
        best = seq;
        mergeBase = s;
      }
    }
    if (!mergeBase) return undefined;
    const ahead = [...fromHead].filter((s) => !fromBase.has(s)).sort((a, b) => this.seqOf(a) - this.seqOf(b));
    let behindBy = 0;
    for (const s of fromBase) if (!fromHead.has(s)) behindBy += 1;
    const status =
      ahead.length === 0 && behindBy === 0
        ? "identical"
        : behindBy === 0
          ? "ahead"
          : ahead.length === 0
            ? "behind"
            : "diverged";
    return { baseSha, headSha, mergeBase, ahead, behindBy, status };
  }

  /** Compare two refs (branch names or shas). */
  compare(base: string, head: string): Comparison {
    const b = this.resolve(base);
    const h = this.resolve(head);
    if (!b || !h) throw new Error(`${this.fullName}: unknown ref ${b ? head : base}`);
    const result = this.compareShas(b, h);
    if (!result) throw new Error(`${this.fullName}: no common ancestor between ${base} and ${head}`);
    return result;
  }

  /** Files changed by a list of commits, folded per file (merge commits contribute nothing). */
  diffFiles(shas: string[]): CommitFile[] {
    const byName = new Map<string, CommitFile>();
    for (const sha of shas) {
      const commit = this.commits.get(sha);
      if (!commit || commit.parents.length > 1) continue;
      for (const f of commit.files) {
        const prev = byName.get(f.filename);
        if (!prev) {
          byName.set(f.filename, { ...f });
          continue;
        }
        prev.additions += f.additions;
        prev.deletions += f.deletions;
        prev.blobSha = f.blobSha;
        if (f.status === "removed") prev.status = prev.status === "added" ? "unchanged" : "removed";
        else if (prev.status === "removed") prev.status = "modified";
        if (f.patch !== undefined) prev.patch = prev.patch === undefined ? f.patch : `${prev.patch}\n${f.patch}`;
      }
    }
    return [...byName.values()].filter((f) => f.status !== "unchanged");
  }

  /** Commits of a branch, newest first (first-parent order is not implied). */
  log(ref: string): string[] {
    const sha = this.resolve(ref);
    if (!sha) throw new Error(`${this.fullName}: unknown ref "${ref}"`);
    return [...this.ancestors(sha)].sort((a, b) => this.seqOf(b) - this.seqOf(a));
  }

  private seqOf(sha: string): number {
    return this.commits.get(sha)?.seq ?? 0;
  }

  // ------------------------------------------------------------------ labels

  /** A label of the repository, created if missing (as GitHub does when a new label is added to an issue). */
  label(name: string, init: { color?: string; description?: string | null; default?: boolean } = {}): LabelRecord {
    const key = name.toLowerCase();
    const existing = this.labels.get(key);
    if (existing) return existing;
    const id = this.world.nextId("label", 4_000_000_000);
    const label: LabelRecord = {
      id,
      nodeId: nodeId("LA_kwDO", id),
      name,
      color: init.color ?? "ededed",
      description: init.description ?? null,
      default: init.default ?? false,
    };
    this.labels.set(key, label);
    return label;
  }

  // ------------------------------------------------------------------ pull requests

  /** Internal record (mutable); tests should prefer `pull()`. */
  pullRecord(number: number): PullRecord | undefined {
    return this.pullMap.get(number);
  }

  pullRecords(): PullRecord[] {
    return [...this.pullMap.values()];
  }

  /** Current head/base shas and commits of a PR (frozen once closed or merged). */
  pullState(pr: PullRecord): { headSha: string; baseSha: string; commits: string[] } {
    if (pr.frozen) return pr.frozen;
    const headSha = this.branches.get(pr.headRef);
    const baseSha = this.branches.get(pr.baseRef);
    if (!headSha || !baseSha) throw new Error(`${this.fullName}#${pr.number}: branch ${headSha ? pr.baseRef : pr.headRef} is gone`);
    const cmp = this.compareShas(baseSha, headSha);
    return { headSha, baseSha, commits: cmp ? cmp.ahead : [] };
  }

  /**
   * Validate and open a PR as `POST /pulls` does. Throws {@link GitHubValidationError} with
   * GitHub's messages ("No commits between main and develop", "A pull request already exists for
   * acme:develop.", invalid head/base, body too long).
   */
  openPullRequest(init: OpenPullRequestInit): number {
    const head = init.head.includes(":") ? init.head : `${this.owner}:${init.head}`;
    const [headOwner, ...headRest] = head.split(":");
    const headRef = headRest.join(":");
    const errors: Array<Record<string, unknown>> = [];
    if (!init.title) errors.push({ resource: "PullRequest", field: "title", code: "missing_field" });
    if (!init.base || !this.branches.has(init.base)) errors.push({ resource: "PullRequest", field: "base", code: "invalid" });
    if (headOwner?.toLowerCase() !== this.owner.toLowerCase() || !this.branches.has(headRef))
      errors.push({ resource: "PullRequest", field: "head", code: "invalid" });
    if (errors.length > 0) throw new GitHubValidationError("Validation Failed", errors);
    if (init.body && init.body.length > PR_BODY_LIMIT)
      throw new GitHubValidationError("Validation Failed", [
        {
          resource: "Issue",
          code: "custom",
          field: "body",
          message: `body is too long (maximum is ${PR_BODY_LIMIT} characters)`,
        },
      ]);
    for (const pr of this.pullMap.values()) {
      // GitHub names the head as "owner:branch" with the head's owner (the fork's, for a PR from a fork).
      if (pr.state === "open" && pr.headRef === headRef && pr.baseRef === init.base)
        throw new GitHubValidationError("Validation Failed", [
          { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${this.world.user(headOwner!)?.login ?? headOwner}:${headRef}.` },
        ]);
    }
    const cmp = this.compareShas(this.head(init.base), this.head(headRef));
    if (!cmp || cmp.ahead.length === 0)
      throw new GitHubValidationError("Validation Failed", [
        { resource: "PullRequest", code: "custom", message: `No commits between ${init.base} and ${headRef}` },
      ]);
    const user = this.world.ensureUser(init.user);
    const number = this.nextNumber++;
    const id = this.world.nextId("pull", 2_400_000_000);
    const issueId = this.world.nextId("issue", 3_100_000_000);
    const now = this.world.isoNow();
    this.pullMap.set(number, {
      number,
      id,
      nodeId: nodeId("PR_kwDO", id),
      issueId,
      issueNodeId: nodeId("I_kwDO", issueId),
      title: init.title,
      body: init.body ?? null,
      state: "open",
      draft: init.draft ?? false,
      locked: false,
      user: user.login,
      headRef,
      baseRef: init.base,
      createdAt: now,
      updatedAt: now,
      touchedSeq: this.world.tick(),
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      maintainerCanModify: false,
      labels: [],
      assignees: [],
      requestedReviewers: [],
      requestedTeams: [],
      reviews: [],
      frozen: null,
      landed: [],
    });
    return number;
  }

  private touch(pr: PullRecord, at: string): void {
    pr.updatedAt = at;
    pr.touchedSeq = this.world.tick();
  }

  private requirePull(number: number): PullRecord {
    const pr = this.pullMap.get(number);
    if (!pr) throw new Error(`${this.fullName}: no pull request #${number}`);
    return pr;
  }

  /** Edit a PR as `PATCH /pulls/{n}` does (title, body, state, base). */
  updatePullRequest(
    number: number,
    patch: { title?: string; body?: string | null; state?: "open" | "closed"; base?: string; draft?: boolean },
  ): void {
    const pr = this.requirePull(number);
    if (patch.base !== undefined && !this.branches.has(patch.base))
      throw new GitHubValidationError("Validation Failed", [{ resource: "PullRequest", field: "base", code: "invalid" }]);
    if (typeof patch.body === "string" && patch.body.length > PR_BODY_LIMIT)
      throw new GitHubValidationError("Validation Failed", [
        { resource: "Issue", code: "custom", field: "body", message: `body is too long (maximum is ${PR_BODY_LIMIT} characters)` },
      ]);
    if (patch.state === "open" && pr.state === "closed") {
      if (pr.mergedAt)
        throw new GitHubValidationError("Validation Failed", [
          { resource: "PullRequest", code: "custom", field: "state", message: "state cannot be changed. The pull request has been merged." },
        ]);
      if (!this.branches.has(pr.headRef))
        throw new GitHubValidationError("Validation Failed", [
          { resource: "PullRequest", code: "custom", field: "state", message: "state cannot be changed. The head branch was deleted." },
        ]);
      for (const other of this.pullMap.values())
        if (other !== pr && other.state === "open" && other.headRef === pr.headRef && other.baseRef === (patch.base ?? pr.baseRef))
          throw new GitHubValidationError("Validation Failed", [
            { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${this.owner}:${pr.headRef}.` },
          ]);
    }
    if (patch.title !== undefined) pr.title = patch.title;
    if (patch.body !== undefined) pr.body = patch.body;
    if (patch.draft !== undefined) pr.draft = patch.draft;
    if (patch.base !== undefined) pr.baseRef = patch.base;
    if (patch.state === "closed" && pr.state === "open") {
      pr.frozen = this.pullState(pr);
      pr.state = "closed";
      pr.closedAt = this.world.isoNow();
    } else if (patch.state === "open" && pr.state === "closed") {
      pr.frozen = null;
      pr.state = "open";
      pr.closedAt = null;
    }
    this.touch(pr, this.world.isoNow());
  }

  /**
   * Merge a PR the way GitHub does and move its base branch: `merge` adds a merge commit with two
   * parents, `squash` one new commit with the PR's changes, `rebase` re-creates the PR's commits on
   * top of the base. Returns the merge_commit_sha.
   */
  mergePullRequest(
    number: number,
    options: { method?: MergeMethod; by?: string; commitTitle?: string; commitMessage?: string; sha?: string } = {},
  ): { sha: string; landed: string[] } {
    const pr = this.requirePull(number);
    if (pr.state !== "open") throw new Error(`${this.fullName}#${number} is not open`);
    if (pr.draft) throw new Error(`${this.fullName}#${number} is a draft`);
    const state = this.pullState(pr);
    if (options.sha && options.sha !== state.headSha) throw new Error("Head branch was modified. Review and try the merge again.");
    if (state.commits.length === 0) throw new Error(`${this.fullName}#${number} has no commits to merge`);
    const method = options.method ?? "merge";
    const by = this.world.ensureUser(options.by ?? pr.user).login;
    const webFlow = this.world.webFlow().login;
    const landed: string[] = [];
    if (method === "merge") {
      const title = options.commitTitle ?? `Merge pull request #${pr.number} from ${this.owner}/${pr.headRef}`;
      const message = `${title}\n\n${options.commitMessage ?? pr.title}`;
      landed.push(
        this.makeCommit({ parents: [state.baseSha, state.headSha], message, author: by, committer: webFlow, verified: true }),
      );
    } else if (method === "squash") {
      const title = options.commitTitle ?? `${pr.title} (#${pr.number})`;
      const details =
        options.commitMessage ??
        state.commits
          .map((s) => this.getCommit(s))
          .filter((c) => c.parents.length < 2)
          .map((c) => `* ${c.message}`)
          .join("\n\n");
      landed.push(
        this.makeCommit({
          parents: [state.baseSha],
          message: details ? `${title}\n\n${details}` : title,
          author: pr.user,
          committer: webFlow,
          files: this.diffFiles(state.commits).map(({ blobSha: _b, ...f }) => f),
          verified: true,
        }),
      );
    } else {
      let parent = state.baseSha;
      for (const sha of state.commits) {
        const c = this.getCommit(sha);
        if (c.parents.length > 1) continue;
        parent = this.makeCommit({
          parents: [parent],
          message: c.message,
          author: c.authorLogin ?? { name: c.author.name, email: c.author.email },
          committer: by,
          files: c.files.map(({ blobSha: _b, ...f }) => f),
          date: c.author.date,
        });
        // the committer date of a rebased commit is the merge time
        const copy = this.getCommit(parent);
        copy.committer = { ...copy.committer, date: this.world.isoNow() };
        landed.push(parent);
      }
      if (landed.length === 0) throw new Error(`${this.fullName}#${number} has only merge commits; it cannot be rebased`);
    }
    const tip = landed[landed.length - 1]!;
    this.moveBranch(pr.baseRef, tip);
    const now = this.world.isoNow();
    pr.frozen = state;
    pr.state = "closed";
    pr.mergedAt = now;
    pr.closedAt = now;
    this.touch(pr, now);
    pr.mergedBy = by;
    pr.mergeCommitSha = tip;
    pr.landed = landed;
    pr.requestedReviewers = [];
    pr.requestedTeams = [];
    return { sha: tip, landed };
  }

  /** Branch off `intoBranch`, commit `commits` times, open a PR into it and merge it with `method`. */
  featureMerge(intoBranch: string, options: FeatureMergeOptions): FeatureMergeResult {
    const count = options.commits ?? 1;
    if (count < 1) throw new Error("featureMerge needs at least one commit");
    let branch = options.branch ?? `feature/${slug(options.title) || "change"}`;
    if (!options.branch) {
      let n = 2;
      const stem = branch;
      while (this.branches.has(branch)) branch = `${stem}-${n++}`;
    }
    this.createBranch(branch, intoBranch);
    const shas: string[] = [];
    for (let i = 1; i <= count; i++) {
      shas.push(
        this.commit(branch, {
          message: count === 1 ? options.title : `${options.title} (${i}/${count})`,
          author: options.author,
          ...(options.files ? { files: options.files } : {}),
        }),
      );
    }
    const number = this.openPullRequest({
      head: branch,
      base: intoBranch,
      title: options.title,
      body: options.body ?? null,
      user: options.author,
    });
    const merged = this.mergePullRequest(number, { method: options.method, by: options.by ?? options.author });
    return { number, branch, shas, mergeCommitSha: merged.sha, landedShas: merged.landed };
  }

  /** Request reviews (users and/or team slugs of the owner org), as `POST .../requested_reviewers` does. */
  requestReviewers(number: number, reviewers: { users?: string[]; teams?: string[] }): void {
    const pr = this.requirePull(number);
    for (const login of reviewers.users ?? []) {
      const user = this.world.ensureUser(login);
      if (user.login.toLowerCase() === pr.user.toLowerCase())
        throw new GitHubValidationError("Review cannot be requested from pull request author.", []);
      if (!pr.requestedReviewers.some((r) => r.toLowerCase() === user.login.toLowerCase())) pr.requestedReviewers.push(user.login);
    }
    for (const slugName of reviewers.teams ?? []) {
      const team = this.world.team(this.owner, slugName);
      if (!team) throw new GitHubValidationError(notCollaborator(this.fullName), []);
      if (!pr.requestedTeams.includes(team.slug)) pr.requestedTeams.push(team.slug);
    }
    this.touch(pr, this.world.isoNow());
  }

  removeRequestedReviewers(number: number, reviewers: { users?: string[]; teams?: string[] }): void {
    const pr = this.requirePull(number);
    const users = (reviewers.users ?? []).map((u) => u.toLowerCase());
    const teams = (reviewers.teams ?? []).map((t) => t.toLowerCase());
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => !users.includes(r.toLowerCase()));
    pr.requestedTeams = pr.requestedTeams.filter((t) => !teams.includes(t.toLowerCase()));
    this.touch(pr, this.world.isoNow());
  }

  /**
   * Submit a review. A requested reviewer who reviews leaves `requested_reviewers` (and a requested
   * team the reviewer belongs to leaves `requested_teams`), as on GitHub.
   */
  review(
    number: number,
    review: { user: string; state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED"; body?: string },
  ): number {
    const pr = this.requirePull(number);
    const user = this.world.ensureUser(review.user);
    if (user.login.toLowerCase() === pr.user.toLowerCase() && review.state !== "COMMENTED")
      throw new GitHubValidationError(
        review.state === "APPROVED" ? "Can not approve your own pull request" : "Can not request changes on your own pull request",
        [],
      );
    const id = this.world.nextId("review", 1_900_000_000);
    const now = this.world.isoNow();
    pr.reviews.push({
      id,
      nodeId: nodeId("PRR_kwDO", id),
      user: user.login,
      state: review.state,
      body: review.body ?? "",
      commitId: this.pullState(pr).headSha || null,
      submittedAt: now,
    });
    const login = user.login.toLowerCase();
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => r.toLowerCase() !== login);
    pr.requestedTeams = pr.requestedTeams.filter((slugName) => {
      const team = this.world.team(this.owner, slugName);
      return !team?.members.some((m) => m.toLowerCase() === login);
    });
    this.touch(pr, now);
    return id;
  }

  addLabels(number: number, names: string[]): void {
    const pr = this.requirePull(number);
    for (const name of names) {
      const label = this.label(name);
      if (!pr.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) pr.labels.push(label.name);
    }
    this.touch(pr, this.world.isoNow());
  }

  addAssignees(number: number, logins: string[]): void {
    const pr = this.requirePull(number);
    for (const login of logins) {
      const user = this.world.user(login);
      if (!user || user.type === "Organization") continue; // GitHub silently drops users it cannot assign
      if (pr.assignees.length >= 10) break;
      if (!pr.assignees.some((a) => a.toLowerCase() === user.login.toLowerCase())) pr.assignees.push(user.login);
    }
    this.touch(pr, this.world.isoNow());
  }

  /**
   * PRs associated with a commit, as `GET /commits/{sha}/pulls` lists them. GitHub documents two
   * cases: "Lists the merged pull request that introduced the commit to the repository. If the
   * commit is not present in the default branch, it will return merged and open pull requests
   * associated with the commit." So a commit on the default branch gets one PR: the first merged
   * one that contains it (a later PR carrying it on, such as a release PR, is not listed).
   */
  pullsForCommit(sha: string): PullRecord[] {
    const defaultTip = this.branches.get(this.defaultBranch);
    const inDefault = defaultTip ? this.isAncestor(sha, defaultTip) : false;
    const result: PullRecord[] = [];
    for (const pr of this.pullMap.values()) {
      const merged = pr.mergedAt !== null;
      if (!merged && pr.state === "closed") continue;
      if (inDefault && !merged) continue;
      if (pr.landed.includes(sha) || this.pullState(pr).commits.includes(sha)) result.push(pr);
    }
    if (!inDefault) return result;
    // Merges happen in commit order: the PR whose merge commit came first introduced the commit.
    const [introduced] = result.sort((a, b) => this.seqOf(a.mergeCommitSha ?? "") - this.seqOf(b.mergeCommitSha ?? ""));
    return introduced ? [introduced] : [];
  }

  /** A PR's state, for assertions. */
  pull(number: number): PullSnapshot {
    const pr = this.requirePull(number);
    const state = this.pullState(pr);
    return {
      number: pr.number,
      title: pr.title,
      body: pr.body,
      state: pr.state,
      merged: pr.mergedAt !== null,
      mergedAt: pr.mergedAt,
      mergedBy: pr.mergedBy,
      mergeCommitSha: pr.mergeCommitSha,
      draft: pr.draft,
      user: pr.user,
      head: pr.headRef,
      base: pr.baseRef,
      headSha: state.headSha,
      baseSha: state.baseSha,
      commits: [...state.commits],
      labels: [...pr.labels],
      assignees: [...pr.assignees],
      requestedReviewers: [...pr.requestedReviewers],
      requestedTeams: [...pr.requestedTeams],
      reviews: pr.reviews.map((r) => ({ user: r.user, state: r.state, body: r.body, commitId: r.commitId })),
      createdAt: pr.createdAt,
      updatedAt: pr.updatedAt,
      closedAt: pr.closedAt,
    };
  }

  pulls(): PullSnapshot[] {
    return [...this.pullMap.keys()].sort((a, b) => a - b).map((n) => this.pull(n));
  }
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function nodeId(prefix: string, id: number): string {
  return prefix + Buffer.from(`0${id}`).toString("base64url");
}

export function notCollaborator(fullName: string): string {
  return `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${fullName} repository.`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

function defaultFile(message: string, seq: number): CommitFileInit {
  const name = slug(message.split("\n")[0] ?? "") || "change";
  return { filename: `src/${name}-${seq}.ts`, status: "added", additions: 10 };
}
