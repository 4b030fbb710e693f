// The GitHub emulator's REST endpoints: one route per operation, over the repository model.
import type { EmulatorResponse } from "../emulator/http-emulator.js";
import { commitJson, fileJson, labelJson, privateUserJson, publicUserJson, repoJson, teamJson, userJson, type JsonContext } from "./github-json.js";
import { issueJson, pullJson, reviewJson } from "./pull-json.js";
import { type GitHubRepo, GitHubValidationError, type GitHubWorld, notCollaborator, type MergeMethod, type PullRecord } from "./repo-model.js";
import { ApiError, asObject, first, pullFor, repoFor, MULTI_SEGMENT, stringList, type Bucket, type Handler, type HandlerContext, type Route, type TokenRecord } from "./rest-route.js";
import { pageParams, paginate, setLink } from "./rest-paging.js";

/** What the routes need from the emulator around them. */
export interface RouteHost {
  readonly world: GitHubWorld;
  /** The emulator's base URL (API URLs in answers, `Link` headers). */
  readonly url: string;
  readonly htmlUrl: string;
  readonly json: JsonContext;
  bucket(token: TokenRecord | undefined, resource?: "core" | "graphql"): Bucket;
}

export class RestRoutes {
  constructor(private readonly host: RouteHost) {}



  // ------------------------------------------------------------------ routes

  build(): Route[] {
    const routes: Route[] = [];
    const add = (method: string, template: string, docs: string, handler: Handler) => {
      const names: string[] = [];
      const pattern = template
        .split(/(\{[a-z_]+\})/)
        .map((part) => {
          const m = /^\{([a-z_]+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          names.push(m[1]!);
          return MULTI_SEGMENT.has(m[1]!) ? "(.+)" : "([^/]+)";
        })
        .join("");
      routes.push({ method, template, regex: new RegExp(`^${pattern}/?$`), names, docs, handler });
    };
    const R = "/repos/{owner}/{repo}";
    const D = "https://docs.github.com/rest";

    add("GET", "/user", `${D}/users/users#get-the-authenticated-user`, (ctx) => {
      if (!ctx.token) throw new ApiError(401, "Requires authentication");
      return { status: 200, body: privateUserJson(this.host.json, this.host.world.ensureUser(ctx.token.login)) };
    });

    add("GET", "/users/{username}", `${D}/users/users#get-a-user`, (ctx) => {
      const user = this.host.world.user(ctx.params.username ?? "");
      if (!user) throw new ApiError(404, "Not Found");
      return { status: 200, body: publicUserJson(this.host.json, user) };
    });

    add("GET", "/rate_limit", `${D}/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user`, (ctx) => {
      const b = this.host.bucket(ctx.token);
      const core = { limit: b.limit, used: b.used, remaining: Math.max(0, b.limit - b.used), reset: b.reset };
      const other = (limit: number) => ({ limit, used: 0, remaining: limit, reset: b.reset });
      return {
        status: 200,
        body: {
          resources: {
            core,
            search: other(ctx.token ? 30 : 10),
            graphql: ctx.token ? (({ limit, used, reset }) => ({ limit, used, remaining: Math.max(0, limit - used), reset }))(this.host.bucket(ctx.token, "graphql")) : other(0),
            integration_manifest: other(5000),
            source_import: other(100),
            code_scanning_upload: other(1000),
            actions_runner_registration: other(10000),
            scim: other(15000),
            dependency_snapshots: other(100),
            code_search: other(10),
          },
          rate: core,
        },
      };
    });

    add("GET", "/orgs/{org}/teams/{team_slug}/members", `${D}/teams/members#list-team-members`, (ctx) => {
      const scopes = ctx.token?.scopes;
      if (!ctx.token || (scopes && !scopes.some((s) => s === "read:org" || s === "write:org" || s === "admin:org")))
        throw new ApiError(404, "Not Found");
      const team = this.host.world.team(ctx.params.org ?? "", ctx.params.team_slug ?? "");
      if (!team) throw new ApiError(404, "Not Found");
      const role = first(ctx.req.query.role) ?? "all";
      const members = role === "maintainer" ? [] : team.members.map((m) => this.host.world.ensureUser(m));
      return { status: 200, body: paginate(this.host.url, ctx, members).map((u) => userJson(this.host.json, u)) };
    });

    add("GET", R, `${D}/repos/repos#get-a-repository`, (ctx) => ({
      status: 200,
      body: repoJson(this.host.json, repoFor(this.host.world, ctx), true),
    }));

    add("GET", `${R}/branches/{branch}`, `${D}/branches/branches#get-a-branch`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      const name = ctx.params.branch ?? "";
      const sha = repo.branches.get(name);
      if (!sha) throw new ApiError(404, "Branch not found");
      const self = `${this.host.url}/repos/${repo.fullName}/branches/${encodeURIComponent(name)}`;
      return {
        status: 200,
        body: {
          name,
          commit: commitJson(this.host.json, repo, repo.getCommit(sha), false),
          _links: { self, html: `${this.host.htmlUrl}/${repo.fullName}/tree/${name}` },
          protected: false,
          protection: {
            enabled: false,
            required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
          },
          protection_url: `${self}/protection`,
        },
      };
    });

    add("GET", `${R}/commits/{ref}`, `${D}/commits/commits#get-a-commit`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      const sha = repo.resolve(ctx.params.ref ?? "");
      if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
      return { status: 200, body: commitJson(this.host.json, repo, repo.getCommit(sha), true) };
    });

    add(
      "GET",
      `${R}/commits/{commit_sha}/pulls`,
      `${D}/commits/commits#list-pull-requests-associated-with-a-commit`,
      (ctx) => {
        const repo = repoFor(this.host.world, ctx);
        const sha = repo.resolve(ctx.params.commit_sha ?? "");
        if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.commit_sha}`);
        const pulls = paginate(this.host.url, ctx, repo.pullsForCommit(sha));
        return { status: 200, body: pulls.map((pr) => pullJson(this.host.json, repo, pr, false)) };
      },
    );

    add("GET", `${R}/compare/{basehead}`, `${D}/commits/commits#compare-two-commits`, (ctx) => this.compare(ctx));

    add("GET", `${R}/pulls`, `${D}/pulls/pulls#list-pull-requests`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      const q = ctx.req.query;
      const state = first(q.state) ?? "open";
      if (!["open", "closed", "all"].includes(state))
        throw new GitHubValidationError("Validation Failed", [{ resource: "Issue", field: "state", code: "invalid" }]);
      let pulls = repo.pullRecords().filter((pr) => state === "all" || pr.state === state);
      const head = first(q.head);
      // GitHub only filters on `owner:branch`; a bare branch name is silently ignored.
      if (head && head.includes(":")) {
        const [owner, ...rest] = head.split(":");
        const ref = rest.join(":");
        pulls = pulls.filter((pr) => owner?.toLowerCase() === repo.owner.toLowerCase() && pr.headRef === ref);
      }
      const base = first(q.base);
      if (base) pulls = pulls.filter((pr) => pr.baseRef === base);
      const sort = first(q.sort) ?? "created";
      const direction = first(q.direction) ?? (sort === "created" ? "desc" : "asc");
      const key = (pr: PullRecord): number => (sort === "updated" ? pr.touchedSeq : pr.number);
      pulls.sort((a, b) => (direction === "asc" ? key(a) - key(b) : key(b) - key(a)));
      return { status: 200, body: paginate(this.host.url, ctx, pulls).map((pr) => pullJson(this.host.json, repo, pr, false)) };
    });

    add("POST", `${R}/pulls`, `${D}/pulls/pulls#create-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const body = asObject(ctx.req.body);
      if (body.issue !== undefined)
        throw new GitHubValidationError("Validation Failed", [{ resource: "PullRequest", field: "issue", code: "invalid" }]);
      const number = repo.openPullRequest({
        title: typeof body.title === "string" ? body.title : "",
        head: typeof body.head === "string" ? body.head : "",
        base: typeof body.base === "string" ? body.base : "",
        body: typeof body.body === "string" ? body.body : null,
        draft: body.draft === true,
        user: ctx.token!.login,
      });
      const pr = repo.pullRecord(number)!;
      if (body.maintainer_can_modify === true) pr.maintainerCanModify = true;
      const json = pullJson(this.host.json, repo, pr, true);
      ctx.headers.location = String(json.url);
      return { status: 201, body: json };
    });

    add("GET", `${R}/pulls/{pull_number}`, `${D}/pulls/pulls#get-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      return { status: 200, body: pullJson(this.host.json, repo, pullFor(ctx, repo), true) };
    });

    add("PATCH", `${R}/pulls/{pull_number}`, `${D}/pulls/pulls#update-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const pr = pullFor(ctx, repo);
      const body = asObject(ctx.req.body);
      if (body.state !== undefined && body.state !== "open" && body.state !== "closed")
        throw new GitHubValidationError("Validation Failed", [{ resource: "PullRequest", field: "state", code: "invalid" }]);
      repo.updatePullRequest(pr.number, {
        ...(typeof body.title === "string" ? { title: body.title } : {}),
        ...(typeof body.body === "string" || body.body === null ? { body: body.body as string | null } : {}),
        ...(body.state === "open" || body.state === "closed" ? { state: body.state } : {}),
        ...(typeof body.base === "string" ? { base: body.base } : {}),
      });
      if (typeof body.maintainer_can_modify === "boolean") pr.maintainerCanModify = body.maintainer_can_modify;
      return { status: 200, body: pullJson(this.host.json, repo, pr, true) };
    });

    add("GET", `${R}/pulls/{pull_number}/commits`, `${D}/pulls/pulls#list-commits-on-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      const pr = pullFor(ctx, repo);
      const commits = repo.pullState(pr).commits.slice(0, 250);
      return {
        status: 200,
        body: paginate(this.host.url, ctx, commits).map((sha) => commitJson(this.host.json, repo, repo.getCommit(sha), false)),
      };
    });

    add("PUT", `${R}/pulls/{pull_number}/merge`, `${D}/pulls/pulls#merge-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const pr = pullFor(ctx, repo);
      const body = asObject(ctx.req.body);
      if (pr.state !== "open" || repo.pullState(pr).commits.length === 0) throw new ApiError(405, "Pull Request is not mergeable");
      if (pr.draft) throw new ApiError(405, "Pull Request is still a draft");
      if (typeof body.sha === "string" && body.sha !== repo.pullState(pr).headSha)
        throw new ApiError(409, "Head branch was modified. Review and try the merge again.");
      const method = (body.merge_method ?? "merge") as MergeMethod;
      if (!["merge", "squash", "rebase"].includes(method))
        throw new GitHubValidationError("Validation Failed", [{ resource: "PullRequest", field: "merge_method", code: "invalid" }]);
      const result = repo.mergePullRequest(pr.number, {
        method,
        by: ctx.token!.login,
        ...(typeof body.commit_title === "string" ? { commitTitle: body.commit_title } : {}),
        ...(typeof body.commit_message === "string" ? { commitMessage: body.commit_message } : {}),
      });
      return { status: 200, body: { sha: result.sha, merged: true, message: "Pull Request successfully merged" } };
    });

    add(
      "GET",
      `${R}/pulls/{pull_number}/requested_reviewers`,
      `${D}/pulls/review-requests#get-all-requested-reviewers-for-a-pull-request`,
      (ctx) => {
        const repo = repoFor(this.host.world, ctx);
        const pr = pullFor(ctx, repo);
        return { status: 200, body: this.reviewRequests(repo, pr) };
      },
    );

    add(
      "POST",
      `${R}/pulls/{pull_number}/requested_reviewers`,
      `${D}/pulls/review-requests#request-reviewers-for-a-pull-request`,
      (ctx) => {
        const repo = repoFor(this.host.world, ctx, true);
        const pr = pullFor(ctx, repo);
        const body = asObject(ctx.req.body);
        const users = stringList(body.reviewers);
        const teams = stringList(body.team_reviewers);
        if (users.length === 0 && teams.length === 0)
          throw new GitHubValidationError("Validation Failed", [
            { resource: "PullRequest", field: "reviewers", code: "missing_field" },
          ]);
        for (const login of users) {
          const user = this.host.world.user(login);
          if (!user || user.type !== "User") throw new GitHubValidationError(notCollaborator(repo.fullName), []);
          if (user.login.toLowerCase() === pr.user.toLowerCase())
            throw new GitHubValidationError("Review cannot be requested from pull request author.", []);
        }
        for (const slug of teams)
          if (!this.host.world.team(repo.owner, slug)) throw new GitHubValidationError(notCollaborator(repo.fullName), []);
        repo.requestReviewers(pr.number, { users, teams });
        return { status: 201, body: pullJson(this.host.json, repo, pr, false) };
      },
    );

    add(
      "DELETE",
      `${R}/pulls/{pull_number}/requested_reviewers`,
      `${D}/pulls/review-requests#remove-requested-reviewers-from-a-pull-request`,
      (ctx) => {
        const repo = repoFor(this.host.world, ctx, true);
        const pr = pullFor(ctx, repo);
        const body = asObject(ctx.req.body);
        repo.removeRequestedReviewers(pr.number, { users: stringList(body.reviewers), teams: stringList(body.team_reviewers) });
        return { status: 200, body: pullJson(this.host.json, repo, pr, false) };
      },
    );

    add("GET", `${R}/pulls/{pull_number}/reviews`, `${D}/pulls/reviews#list-reviews-for-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx);
      const pr = pullFor(ctx, repo);
      return { status: 200, body: paginate(this.host.url, ctx, pr.reviews).map((r) => reviewJson(this.host.json, repo, pr, r)) };
    });

    add("POST", `${R}/pulls/{pull_number}/reviews`, `${D}/pulls/reviews#create-a-review-for-a-pull-request`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const pr = pullFor(ctx, repo);
      const body = asObject(ctx.req.body);
      const states = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" } as const;
      const event = typeof body.event === "string" ? body.event : undefined;
      // A review without `event` stays PENDING on GitHub; the model only holds submitted reviews.
      // GitHub answers this endpoint's 422s in the simple form (`errors` as strings).
      if (!event || !(event in states))
        throw new ApiError(422, "Unprocessable Entity", {
          errors: [event ? `Variable $event of type PullRequestReviewEvent was provided invalid value` : "Pending reviews (no event) are not emulated"],
        });
      const text = typeof body.body === "string" ? body.body : "";
      if (event !== "APPROVE" && !text) throw new ApiError(422, "Unprocessable Entity", { errors: ["Body is required"] });
      if (pr.state !== "open") throw new ApiError(422, "Unprocessable Entity", { errors: ["Can not review a closed pull request"] });
      const id = repo.review(pr.number, { user: ctx.token!.login, state: states[event as keyof typeof states], body: text });
      const review = pr.reviews.find((r) => r.id === id)!;
      return { status: 200, body: reviewJson(this.host.json, repo, pr, review) };
    });

    add("POST", `${R}/issues/{issue_number}/labels`, `${D}/issues/labels#add-labels-to-an-issue`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const pr = pullFor(ctx, repo, "issue_number");
      const raw = ctx.req.body;
      const list = Array.isArray(raw) ? raw : asObject(raw).labels;
      const names = (Array.isArray(list) ? list : [])
        .map((l: unknown) => (typeof l === "string" ? l : typeof l === "object" && l !== null ? (l as { name?: unknown }).name : undefined))
        .filter((l): l is string => typeof l === "string" && l.trim() !== "");
      if (!Array.isArray(list))
        throw new GitHubValidationError("Validation Failed", [{ resource: "Label", field: "labels", code: "missing_field" }]);
      repo.addLabels(pr.number, names);
      return { status: 200, body: pr.labels.map((name) => labelJson(this.host.json, repo, repo.label(name))) };
    });

    add("POST", `${R}/issues/{issue_number}/assignees`, `${D}/issues/assignees#add-assignees-to-an-issue`, (ctx) => {
      const repo = repoFor(this.host.world, ctx, true);
      const pr = pullFor(ctx, repo, "issue_number");
      repo.addAssignees(pr.number, stringList(asObject(ctx.req.body).assignees));
      return { status: 201, body: issueJson(this.host.json, repo, pr) };
    });

    return routes;
  }

  private reviewRequests(repo: GitHubRepo, pr: PullRecord): { users: unknown[]; teams: unknown[] } {
    return {
      users: pr.requestedReviewers.map((login) => userJson(this.host.json, this.host.world.ensureUser(login))),
      teams: pr.requestedTeams.flatMap((slug) => {
        const team = this.host.world.team(repo.owner, slug);
        return team ? [teamJson(this.host.json, team)] : [];
      }),
    };
  }

  /**
   * GET /compare/{base}...{head}: without `page`/`per_page` the last 250 commits (the most recent
   * ones, oldest first); with either, pages of `per_page` (default 30, max 100) from the oldest, a
   * `Link` header, and `files` on the first page only. Counts always cover the whole comparison.
   */
  private compare(ctx: HandlerContext): EmulatorResponse {
    const repo = repoFor(this.host.world, ctx);
    const basehead = ctx.params.basehead ?? "";
    const at = basehead.indexOf("...");
    if (at < 0) throw new ApiError(404, "Not Found");
    const sides = [basehead.slice(0, at), basehead.slice(at + 3)].map((side) => {
      const colon = side.indexOf(":");
      if (colon < 0) return side;
      if (side.slice(0, colon).toLowerCase() !== repo.owner.toLowerCase()) return undefined;
      return side.slice(colon + 1);
    });
    const [baseRef, headRef] = sides;
    const baseSha = baseRef ? repo.resolve(baseRef) : undefined;
    const headSha = headRef ? repo.resolve(headRef) : undefined;
    if (!baseSha || !headSha) throw new ApiError(404, "Not Found");
    const cmp = repo.compareShas(baseSha, headSha);
    if (!cmp) throw new ApiError(404, `No common ancestor between ${baseRef} and ${headRef}.`);

    const paging = ctx.req.query.page !== undefined || ctx.req.query.per_page !== undefined;
    let shas: string[];
    let withFiles = true;
    if (paging) {
      const { page, perPage } = pageParams(ctx);
      shas = cmp.ahead.slice((page - 1) * perPage, page * perPage);
      setLink(this.host.url, ctx, page, Math.max(1, Math.ceil(cmp.ahead.length / perPage)));
      withFiles = page === 1;
    } else {
      shas = cmp.ahead.slice(-250);
    }
    const api = `${this.host.url}/repos/${repo.fullName}`;
    const web = `${this.host.htmlUrl}/${repo.fullName}`;
    const body: Record<string, unknown> = {
      url: `${api}/compare/${basehead}`,
      html_url: `${web}/compare/${basehead}`,
      permalink_url: `${web}/compare/${repo.owner}:${baseSha.slice(0, 7)}...${repo.owner}:${headSha.slice(0, 7)}`,
      diff_url: `${web}/compare/${basehead}.diff`,
      patch_url: `${web}/compare/${basehead}.patch`,
      base_commit: commitJson(this.host.json, repo, repo.getCommit(baseSha), false),
      merge_base_commit: commitJson(this.host.json, repo, repo.getCommit(cmp.mergeBase), false),
      status: cmp.status,
      ahead_by: cmp.ahead.length,
      behind_by: cmp.behindBy,
      total_commits: cmp.ahead.length,
      commits: shas.map((sha) => commitJson(this.host.json, repo, repo.getCommit(sha), false)),
    };
    if (withFiles) body.files = repo.diffFiles(cmp.ahead).slice(0, 300).map((f) => fileJson(this.host.json, repo, f, headSha));
    return { status: 200, body };
  }
}
