import { createHash, randomBytes } from "node:crypto";
import { HttpBackedEmulator } from "../emulator/http-backed-emulator.js";
import {
  HttpEmulator,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
  type RecordedCall,
} from "../emulator/http-emulator.js";
import type { AnswerRule } from "../conformance/openapi-conformance.js";
import type { ConformanceChecker, Exchange } from "../conformance/exchange.js";
import { GitHubGraphQLApi, type GraphQLOutcome } from "./graphql-api.js";
import { GraphQLConformance, GRAPHQL_OPERATION } from "./graphql-conformance.js";
import { loadGitHubGraphQL } from "./graphql-schema.js";
import { OpenApiConformance } from "../conformance/openapi-conformance.js";
import { conformanceEnabled } from "../conformance/registry.js";
import {
  commitJson,
  fileJson,
  issueJson,
  labelJson,
  privateUserJson,
  publicUserJson,
  pullJson,
  repoJson,
  reviewJson,
  teamJson,
  userJson,
  type JsonContext,
} from "./github-json.js";
import {
  GitHubRepo,
  GitHubValidationError,
  GitHubWorld,
  notCollaborator,
  type CreateRepoOptions,
  type GitHubTeam,
  type GitHubTeamInit,
  type GitHubUser,
  type GitHubUserInit,
  type MergeMethod,
  type PullRecord,
} from "./repo-model.js";

export interface GitHubEmulatorOptions {
  port?: number;
  /** Base of `html_url`s (default https://github.com). API URLs always point at the emulator. */
  htmlUrl?: string;
  /** Clock for timestamps (created_at, merged_at, commit dates). Default: `new Date()`. */
  now?: () => Date;
  /** Primary rate limit per token and hour (default 5000; anonymous callers get 60). */
  rateLimitPerHour?: number;
  /**
   * Check every request and answer against GitHub's OpenAPI description (`@octokit/openapi`),
   * recording violations (see `expectConformance`). Default: on in conformance mode
   * (`BOTYARD_CONFORMANCE=1` or `enableConformance()`).
   */
  conformance?: boolean;
  /** Build GitHub's GraphQL schema at start rather than on the first GraphQL request (default true). */
  preloadGraphQL?: boolean;
}

export interface GitHubTokenInit {
  login: string;
  /**
   * Classic OAuth scopes. When set, they are enforced: private repositories need `repo`, team
   * membership needs `read:org` (or `write:org`/`admin:org`); otherwise the API answers 404 as
   * GitHub does. Sent back in `x-oauth-scopes`. Unset: the token may do everything.
   */
  scopes?: string[];
  /** Restrict the token to these repositories ("owner/name"), like a fine-grained token. */
  repos?: string[];
  /** This token's primary rate limit per hour (default: the emulator's). */
  rateLimit?: number;
}

export interface GitHubRateLimitInit {
  /** `primary`: 403 with x-ratelimit-remaining 0; `secondary`: 403 (or 429) with retry-after. */
  kind: "primary" | "secondary";
  /** How many upcoming calls get the rate-limit answer (default 1). */
  times?: number;
  /** Seconds until the limit lifts: `retry-after` (secondary) and `x-ratelimit-reset` (primary). Default 60. */
  retryAfterSec?: number;
  /** 403 (default) or 429; GitHub uses both. */
  status?: 403 | 429;
  /** Only calls to this operation (e.g. "POST /repos/{owner}/{repo}/pulls"); default every operation. */
  operation?: string;
}

/**
 * A write GitHub performs whose answer never reaches the caller: a proxy's 502 after the change was
 * made, or an answer so slow the client gives up (a timeout). The change is in the model either way.
 */
export interface GitHubLostAnswerInit {
  /** The operation, e.g. "POST /repos/{owner}/{repo}/pulls". */
  operation: string;
  /** How many upcoming calls lose their answer (default 1). */
  times?: number;
  /** Answer this status instead of the real answer (default: 502, or with `delayMs` the real answer, late). */
  status?: number;
  /** Answer after this long (ms): a client with a shorter timeout sees a timeout. Default 0. */
  delayMs?: number;
}

interface TokenRecord extends GitHubTokenInit {
  token: string;
}

interface Bucket {
  limit: number;
  used: number;
  reset: number; // epoch seconds
}

interface PendingRateLimit extends Required<Omit<GitHubRateLimitInit, "operation">> {
  operation?: string;
}

interface HandlerContext {
  req: EmulatorRequest;
  params: Record<string, string>;
  token: TokenRecord | undefined;
  docs: string;
  /** Extra response headers (Link, Location). */
  headers: Record<string, string>;
}

type Handler = (ctx: HandlerContext) => EmulatorResponse;

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  docs: string;
  handler: Handler;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DOCS = "https://docs.github.com/rest";
const PRIMARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const SECONDARY_DOCS =
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
/** Route parameters that may span several path segments (branch names with slashes, `a...b`). */
const MULTI_SEGMENT = new Set(["basehead", "branch"]);

const RATE_LIMIT_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset", "x-ratelimit-resource"];

/** What GitHub documents for every answer beyond the OpenAPI description: its rate-limit headers and rate-limited answers. */
const GITHUB_RULES: AnswerRule[] = [
  ({ status, headers }) => {
    if (status === 0 || status >= 500) return undefined;
    const missing = RATE_LIMIT_HEADERS.filter((h) => !/^\S+$/.test(headers[h] ?? ""));
    return missing.length ? { message: `GitHub sends its rate-limit headers on every answer (${PRIMARY_DOCS})`, errors: missing.map((h) => `missing ${h}`) } : undefined;
  },
  ({ status, headers, body }) => {
    const message = (body as { message?: unknown } | undefined)?.message;
    if ((status !== 403 && status !== 429) || typeof message !== "string" || !/rate limit/i.test(message)) return undefined;
    const primary = /API rate limit exceeded/.test(message);
    const ok = primary ? headers["x-ratelimit-remaining"] === "0" : /^\d+$/.test(headers["retry-after"] ?? "");
    return ok
      ? undefined
      : {
          message: `a rate-limited answer carries ${primary ? "x-ratelimit-remaining: 0 (primary limit)" : "retry-after (secondary limit)"} (${PRIMARY_DOCS})`,
          errors: [`headers: ${JSON.stringify(headers)}`],
        };
  },
];

/**
 * A GitHub REST API emulator that the real `@octokit/rest` talks to unchanged
 * (`new Octokit({ baseUrl: gh.url, auth: token })`). Commits form a real DAG, so compare,
 * merge-base and the PRs associated with a commit behave as on GitHub across merge, squash and
 * rebase merges. Responses follow the shapes of GitHub's OpenAPI description.
 */
export class GitHubEmulator extends HttpBackedEmulator {
  readonly world: GitHubWorld;
  readonly http: HttpEmulator;
  private readonly routes: Route[];
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly graphqlApi: GitHubGraphQLApi;
  /** What each GraphQL request's validation found, for the conformance check of its exchange. */
  private readonly graphqlOutcomes = new WeakMap<EmulatorRequest, GraphQLOutcome>();
  private readonly pendingRateLimits: PendingRateLimit[] = [];
  private readonly lostAnswers: Array<GitHubLostAnswerInit & { times: number; delayMs: number }> = [];
  private readonly htmlUrl: string;
  private readonly defaultLimit: number;

  private constructor(options: GitHubEmulatorOptions) {
    super();
    this.world = new GitHubWorld(options.now);
    this.htmlUrl = (options.htmlUrl ?? "https://github.com").replace(/\/+$/, "");
    this.defaultLimit = options.rateLimitPerHour ?? 5000;
    this.routes = this.buildRoutes();
    this.graphqlApi = new GitHubGraphQLApi(this.world, this.htmlUrl);
    const operations = this.routes.map((r) => `${r.method} ${r.template}`);
    const conformance = options.conformance ?? conformanceEnabled();
    const rest = new OpenApiConformance({ provider: "github", spec: "github-rest", operations: () => operations, multiSegment: MULTI_SEGMENT, rules: GITHUB_RULES });
    const graphql = new GraphQLConformance((req) => this.graphqlOutcomes.get(req), GITHUB_RULES);
    const checker: ConformanceChecker = {
      prepare: () => rest.prepare(),
      check: (exchange: Exchange) => (exchange.operation === GRAPHQL_OPERATION ? graphql.check(exchange) : rest.check(exchange)),
      crashed: (operation, error) => rest.crashed(operation, error),
    };
    this.http = new HttpEmulator("GitHub", (req) => this.route(req), conformance ? checker : undefined);
  }

  /** The operations the emulator implements: the REST ones (see {@link implementedRestOperations}) and `POST /graphql`. */
  static implementedOperations(): string[] {
    return [...GitHubEmulator.implementedRestOperations(), GRAPHQL_OPERATION];
  }

  /** The REST operations the emulator implements, as `METHOD /path/{template}` (GitHub's OpenAPI paths). */
  static implementedRestOperations(): string[] {
    return new GitHubEmulator({ conformance: false }).routes.map((r) => `${r.method} ${r.template}`);
  }

  static async start(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
    // Building GitHub's GraphQL schema takes a second of CPU: done here, before the test's clients
    // connect, rather than on the first query, where it would stall their event loop (a Socket
    // Mode client would miss its pings). Once per process; a missing package is reported on the
    // first GraphQL request instead.
    if (options.preloadGraphQL ?? true) await loadGitHubGraphQL().catch(() => undefined);
    const gh = new GitHubEmulator(options);
    await gh.http.start(options.port ?? 0);
    return gh;
  }

  /**
   * Script a raw answer (status/body/headers, or a dropped connection) for an operation. It carries
   * GitHub's rate-limit headers, as every GitHub answer does, unless the fault sets its own.
   */
  override inject(fault: Fault): void {
    const b = this.bucket(undefined);
    const headers = {
      "x-ratelimit-limit": String(this.defaultLimit),
      "x-ratelimit-remaining": String(this.defaultLimit),
      "x-ratelimit-reset": String(b.reset),
      "x-ratelimit-used": "0",
      "x-ratelimit-resource": "core",
    };
    this.http.inject({ ...fault, headers: { ...headers, ...fault.headers } });
  }

  // ------------------------------------------------------------------ world setup

  /** Only known tokens authenticate; any other token gets 401 "Bad credentials". */
  addToken(token: string, init: GitHubTokenInit): void {
    this.world.ensureUser(init.login);
    this.tokens.set(token, { ...init, token });
  }

  addUser(init: GitHubUserInit): GitHubUser {
    return this.world.addUser(init);
  }

  addTeam(org: string, init: GitHubTeamInit): GitHubTeam {
    return this.world.addTeam(org, init);
  }

  /** Create a repository with its default branch and an initial commit. */
  createRepo(fullName: string, options: CreateRepoOptions = {}): GitHubRepo {
    const key = fullName.toLowerCase();
    if (this.world.repos.has(key)) throw new Error(`repository ${fullName} already exists`);
    const repo = new GitHubRepo(this.world, fullName, options);
    this.world.repos.set(key, repo);
    return repo;
  }

  repo(fullName: string): GitHubRepo {
    const repo = this.world.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  /** Answer the next calls with a primary or secondary rate-limit error. */
  rateLimit(init: GitHubRateLimitInit): void {
    this.pendingRateLimits.push({
      kind: init.kind,
      times: init.times ?? 1,
      retryAfterSec: init.retryAfterSec ?? 60,
      status: init.status ?? 403,
      ...(init.operation ? { operation: init.operation } : {}),
    });
  }

  /**
   * The next calls to `operation` are carried out, but their answer is lost: a 502 (or the given
   * status), or the real answer after a delay longer than the client waits. What a retrying client
   * must survive without doing the work twice.
   */
  loseAnswer(init: GitHubLostAnswerInit): void {
    this.lostAnswers.push({ times: 1, delayMs: 0, ...init });
  }

  /** The primary rate-limit state of a token (or of anonymous callers): REST's `core` points, or GraphQL's. */
  quota(token?: string, resource: "core" | "graphql" = "core"): { limit: number; used: number; remaining: number; reset: number } {
    const b = this.bucket(token ? this.tokens.get(token) : undefined, resource);
    return { limit: b.limit, used: b.used, remaining: Math.max(0, b.limit - b.used), reset: b.reset };
  }

  // ------------------------------------------------------------------ plumbing

  private get json(): JsonContext {
    return { world: this.world, api: this.url, html: this.htmlUrl };
  }

  private route(req: EmulatorRequest): { operation: string; handle: () => EmulatorResponse | Promise<EmulatorResponse> } {
    const method = req.method.toUpperCase();
    // GitHub.com serves GraphQL at /graphql, GitHub Enterprise Server at /api/graphql (REST at /api/v3).
    if (method === "POST" && (req.path === "/graphql" || req.path === "/api/graphql")) {
      return { operation: GRAPHQL_OPERATION, handle: () => this.graphql(req) };
    }
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.regex.exec(req.path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? "");
      });
      const operation = `${method} ${r.template}`;
      return { operation, handle: () => this.answerOrLose(operation, () => this.dispatch(req, operation, r, params)) };
    }
    return { operation: `${method} ${req.path}`, handle: () => this.dispatch(req, `${method} ${req.path}`, undefined, {}) };
  }

  /** `POST /graphql`: authenticated only; points from the token's GraphQL bucket; scripted rate limits apply. */
  private async graphql(req: EmulatorRequest): Promise<EmulatorResponse> {
    const base: Record<string, string> = { "x-github-media-type": "github.v4; format=json", "x-github-request-id": requestId() };
    const presented = credentials(req.headers.authorization);
    const token = presented === undefined ? undefined : this.tokens.get(presented);
    const bucket = this.bucket(token, "graphql");
    if (presented !== undefined && !token) {
      return this.finish(bucket, base, { status: 401, body: { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" } }, "graphql");
    }
    const i = this.pendingRateLimits.findIndex((p) => !p.operation || p.operation === GRAPHQL_OPERATION);
    if (i >= 0) {
      const pending = this.pendingRateLimits[i]!;
      if (--pending.times <= 0) this.pendingRateLimits.splice(i, 1);
      const nowSec = Math.floor(this.world.now().getTime() / 1000);
      // Over its primary limit GitHub's GraphQL API answers 200 with a RATE_LIMITED error.
      if (pending.kind === "primary") {
        return this.finish(bucket, base, {
          status: 200,
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-used": String(bucket.limit), "x-ratelimit-reset": String(nowSec + pending.retryAfterSec) },
          body: { errors: [{ type: "RATE_LIMITED", code: "graphql_rate_limit", message: `API rate limit already exceeded for user ID ${this.world.ensureUser(token?.login ?? "ghost").id}.` }] },
        }, "graphql");
      }
      return this.finish(bucket, base, {
        status: pending.status,
        headers: { "retry-after": String(pending.retryAfterSec) },
        body: { message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${base["x-github-request-id"]}.`, documentation_url: SECONDARY_DOCS },
      }, "graphql");
    }
    const answer = await this.graphqlApi.answer(req, { login: token?.login, canRead: (repo) => this.canRead(repo, token), bucket });
    this.graphqlOutcomes.set(req, answer.outcome);
    return this.finish(bucket, base, { status: answer.status, body: answer.body }, "graphql");
  }

  private async answerOrLose(operation: string, answer: () => EmulatorResponse): Promise<EmulatorResponse> {
    const real = answer();
    const i = this.lostAnswers.findIndex((l) => l.operation === operation);
    if (i < 0) return real;
    const lost = this.lostAnswers[i]!;
    if (--lost.times <= 0) this.lostAnswers.splice(i, 1);
    if (lost.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, lost.delayMs));
    if (lost.status === undefined && lost.delayMs > 0) return real;
    return { status: lost.status ?? 502, headers: real.headers ?? {}, body: { message: "Server Error" } };
  }

  private dispatch(req: EmulatorRequest, operation: string, route: Route | undefined, params: Record<string, string>): EmulatorResponse {
    const base: Record<string, string> = {
      "x-github-media-type": "github.v3; format=json",
      "x-github-api-version-selected": "2022-11-28",
      "x-github-request-id": requestId(),
    };
    const presented = credentials(req.headers.authorization);
    const token = presented === undefined ? undefined : this.tokens.get(presented);
    if (presented !== undefined && !token) {
      return this.finish(this.bucket(undefined), base, {
        status: 401,
        body: { message: "Bad credentials", documentation_url: DOCS, status: "401" },
      });
    }
    if (token?.scopes) base["x-oauth-scopes"] = token.scopes.join(", ");
    const bucket = this.bucket(token);
    const counted = operation !== "GET /rate_limit";
    const nowSec = Math.floor(this.world.now().getTime() / 1000);

    if (counted) {
      const i = this.pendingRateLimits.findIndex((p) => !p.operation || p.operation === operation);
      if (i >= 0) {
        const pending = this.pendingRateLimits[i]!;
        pending.times -= 1;
        if (pending.times <= 0) this.pendingRateLimits.splice(i, 1);
        bucket.used += 1;
        if (pending.kind === "primary") {
          return this.finish(bucket, base, {
            status: pending.status,
            headers: {
              "x-ratelimit-remaining": "0",
              "x-ratelimit-used": String(bucket.limit),
              "x-ratelimit-reset": String(nowSec + pending.retryAfterSec),
            },
            body: { message: this.primaryMessage(token, base), documentation_url: PRIMARY_DOCS, status: String(pending.status) },
          });
        }
        return this.finish(bucket, base, {
          status: pending.status,
          headers: { "retry-after": String(pending.retryAfterSec) },
          body: {
            message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${base["x-github-request-id"]}.`,
            documentation_url: SECONDARY_DOCS,
            status: String(pending.status),
          },
        });
      }
      if (bucket.used >= bucket.limit) {
        return this.finish(bucket, base, {
          status: 403,
          body: { message: this.primaryMessage(token, base), documentation_url: PRIMARY_DOCS, status: "403" },
        });
      }
      bucket.used += 1;
    }

    const ctx: HandlerContext = { req, params, token, docs: route?.docs ?? DOCS, headers: {} };
    let answer: EmulatorResponse;
    try {
      if (!route) throw new ApiError(404, "Not Found");
      answer = route.handler(ctx);
    } catch (error) {
      if (error instanceof ApiError) {
        answer = {
          status: error.status,
          headers: error.headers,
          body: { message: error.message, documentation_url: ctx.docs, ...error.extra, status: String(error.status) },
        };
      } else if (error instanceof GitHubValidationError) {
        answer = {
          status: error.status,
          body: {
            message: error.message,
            ...(error.errors.length > 0 ? { errors: error.errors } : {}),
            documentation_url: ctx.docs,
            status: String(error.status),
          },
        };
      } else throw error;
    }
    if (req.method.toUpperCase() === "GET" && answer.status === 200 && answer.body !== undefined) {
      const etag = entityTag(answer.body, presented);
      ctx.headers.etag = etag;
      ctx.headers.vary = "Accept, Authorization, Cookie, X-GitHub-OTP";
      if (notModified(req.headers["if-none-match"], etag)) {
        // "Making a conditional request does not count against your primary rate limit if a 304
        // response is returned and the request was made while correctly authorized."
        if (token) bucket.used -= 1;
        answer = { status: 304 };
      }
    }
    return this.finish(bucket, { ...base, ...ctx.headers }, answer);
  }

  private primaryMessage(token: TokenRecord | undefined, base: Record<string, string>): string {
    const tail = `If you reach out to GitHub Support for help, please include the request ID ${base["x-github-request-id"]} and timestamp ${new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}.`;
    if (!token) {
      return `API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.) ${tail}`;
    }
    const user = this.world.ensureUser(token.login);
    return `API rate limit exceeded for user ID ${user.id}. ${tail}`;
  }

  private finish(bucket: Bucket, headers: Record<string, string>, answer: EmulatorResponse, resource: "core" | "graphql" = "core"): EmulatorResponse {
    return {
      ...answer,
      headers: {
        "x-ratelimit-limit": String(bucket.limit),
        "x-ratelimit-remaining": String(Math.max(0, bucket.limit - bucket.used)),
        "x-ratelimit-reset": String(bucket.reset),
        "x-ratelimit-used": String(bucket.used),
        "x-ratelimit-resource": resource,
        ...headers,
        ...answer.headers,
      },
    };
  }

  private bucket(token: TokenRecord | undefined, resource: "core" | "graphql" = "core"): Bucket {
    const key = `${resource}:${token ? `token:${token.token}` : "anonymous"}`;
    const nowSec = Math.floor(this.world.now().getTime() / 1000);
    let b = this.buckets.get(key);
    if (!b || b.reset <= nowSec) {
      b = { limit: token ? (token.rateLimit ?? this.defaultLimit) : 60, used: 0, reset: nowSec + 3600 };
      this.buckets.set(key, b);
    }
    return b;
  }

  // ------------------------------------------------------------------ access

  private canRead(repo: GitHubRepo, token: TokenRecord | undefined): boolean {
    if (token?.repos && !token.repos.some((r) => r.toLowerCase() === repo.fullName.toLowerCase())) return !repo.private;
    if (!repo.private) return true;
    if (!token) return false;
    return !token.scopes || token.scopes.includes("repo");
  }

  private canWrite(repo: GitHubRepo, token: TokenRecord): boolean {
    if (token.repos && !token.repos.some((r) => r.toLowerCase() === repo.fullName.toLowerCase())) return false;
    if (!token.scopes) return true;
    return token.scopes.includes("repo") || (!repo.private && token.scopes.includes("public_repo"));
  }

  private repoFor(ctx: HandlerContext, write = false): GitHubRepo {
    const repo = this.world.repos.get(`${ctx.params.owner}/${ctx.params.repo}`.toLowerCase());
    if (!repo || !this.canRead(repo, ctx.token)) throw new ApiError(404, "Not Found");
    if (write) {
      if (!ctx.token) throw new ApiError(401, "Requires authentication");
      if (!this.canWrite(repo, ctx.token)) throw new ApiError(404, "Not Found");
    }
    return repo;
  }

  private pullFor(ctx: HandlerContext, repo: GitHubRepo, param = "pull_number"): PullRecord {
    const n = Number(ctx.params[param]);
    const pr = Number.isInteger(n) ? repo.pullRecord(n) : undefined;
    if (!pr) throw new ApiError(404, "Not Found");
    return pr;
  }

  // ------------------------------------------------------------------ pagination

  private pageParams(ctx: HandlerContext, defaultPerPage = 30, maxPerPage = 100): { page: number; perPage: number } {
    const perPageRaw = Number(first(ctx.req.query.per_page));
    const pageRaw = Number(first(ctx.req.query.page));
    const perPage = Number.isInteger(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, maxPerPage) : defaultPerPage;
    const page = Number.isInteger(pageRaw) && pageRaw > 0 ? pageRaw : 1;
    return { page, perPage };
  }

  /** Slice a list and set GitHub's `Link` header (first/prev/next/last) when it spans pages. */
  private paginate<T>(ctx: HandlerContext, items: T[], defaultPerPage = 30, maxPerPage = 100): T[] {
    const { page, perPage } = this.pageParams(ctx, defaultPerPage, maxPerPage);
    this.setLink(ctx, page, Math.max(1, Math.ceil(items.length / perPage)));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  private setLink(ctx: HandlerContext, page: number, lastPage: number): void {
    if (lastPage <= 1 && page <= 1) return;
    const link = (p: number, rel: string) => {
      const query = new URLSearchParams(ctx.req.url.search);
      query.set("page", String(p));
      return `<${this.url}${ctx.req.path}?${query.toString()}>; rel="${rel}"`;
    };
    const parts: string[] = [];
    if (page > 1) parts.push(link(Math.min(page - 1, lastPage), "prev"));
    if (page < lastPage) parts.push(link(page + 1, "next"), link(lastPage, "last"));
    if (page > 1) parts.push(link(1, "first"));
    ctx.headers.link = parts.join(", ");
  }

  // ------------------------------------------------------------------ routes

  private buildRoutes(): Route[] {
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
      return { status: 200, body: privateUserJson(this.json, this.world.ensureUser(ctx.token.login)) };
    });

    add("GET", "/users/{username}", `${D}/users/users#get-a-user`, (ctx) => {
      const user = this.world.user(ctx.params.username ?? "");
      if (!user) throw new ApiError(404, "Not Found");
      return { status: 200, body: publicUserJson(this.json, user) };
    });

    add("GET", "/rate_limit", `${D}/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user`, (ctx) => {
      const b = this.bucket(ctx.token);
      const core = { limit: b.limit, used: b.used, remaining: Math.max(0, b.limit - b.used), reset: b.reset };
      const other = (limit: number) => ({ limit, used: 0, remaining: limit, reset: b.reset });
      return {
        status: 200,
        body: {
          resources: {
            core,
            search: other(ctx.token ? 30 : 10),
            graphql: ctx.token ? (({ limit, used, reset }) => ({ limit, used, remaining: Math.max(0, limit - used), reset }))(this.bucket(ctx.token, "graphql")) : other(0),
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
      const team = this.world.team(ctx.params.org ?? "", ctx.params.team_slug ?? "");
      if (!team) throw new ApiError(404, "Not Found");
      const role = first(ctx.req.query.role) ?? "all";
      const members = role === "maintainer" ? [] : team.members.map((m) => this.world.ensureUser(m));
      return { status: 200, body: this.paginate(ctx, members).map((u) => userJson(this.json, u)) };
    });

    add("GET", R, `${D}/repos/repos#get-a-repository`, (ctx) => ({
      status: 200,
      body: repoJson(this.json, this.repoFor(ctx), true),
    }));

    add("GET", `${R}/branches/{branch}`, `${D}/branches/branches#get-a-branch`, (ctx) => {
      const repo = this.repoFor(ctx);
      const name = ctx.params.branch ?? "";
      const sha = repo.branches.get(name);
      if (!sha) throw new ApiError(404, "Branch not found");
      const self = `${this.url}/repos/${repo.fullName}/branches/${encodeURIComponent(name)}`;
      return {
        status: 200,
        body: {
          name,
          commit: commitJson(this.json, repo, repo.getCommit(sha), false),
          _links: { self, html: `${this.htmlUrl}/${repo.fullName}/tree/${name}` },
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
      const repo = this.repoFor(ctx);
      const sha = repo.resolve(ctx.params.ref ?? "");
      if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
      return { status: 200, body: commitJson(this.json, repo, repo.getCommit(sha), true) };
    });

    add(
      "GET",
      `${R}/commits/{commit_sha}/pulls`,
      `${D}/commits/commits#list-pull-requests-associated-with-a-commit`,
      (ctx) => {
        const repo = this.repoFor(ctx);
        const sha = repo.resolve(ctx.params.commit_sha ?? "");
        if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.commit_sha}`);
        const pulls = this.paginate(ctx, repo.pullsForCommit(sha));
        return { status: 200, body: pulls.map((pr) => pullJson(this.json, repo, pr, false)) };
      },
    );

    add("GET", `${R}/compare/{basehead}`, `${D}/commits/commits#compare-two-commits`, (ctx) => this.compare(ctx));

    add("GET", `${R}/pulls`, `${D}/pulls/pulls#list-pull-requests`, (ctx) => {
      const repo = this.repoFor(ctx);
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
      return { status: 200, body: this.paginate(ctx, pulls).map((pr) => pullJson(this.json, repo, pr, false)) };
    });

    add("POST", `${R}/pulls`, `${D}/pulls/pulls#create-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx, true);
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
      const json = pullJson(this.json, repo, pr, true);
      ctx.headers.location = String(json.url);
      return { status: 201, body: json };
    });

    add("GET", `${R}/pulls/{pull_number}`, `${D}/pulls/pulls#get-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx);
      return { status: 200, body: pullJson(this.json, repo, this.pullFor(ctx, repo), true) };
    });

    add("PATCH", `${R}/pulls/{pull_number}`, `${D}/pulls/pulls#update-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx, true);
      const pr = this.pullFor(ctx, repo);
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
      return { status: 200, body: pullJson(this.json, repo, pr, true) };
    });

    add("GET", `${R}/pulls/{pull_number}/commits`, `${D}/pulls/pulls#list-commits-on-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx);
      const pr = this.pullFor(ctx, repo);
      const commits = repo.pullState(pr).commits.slice(0, 250);
      return {
        status: 200,
        body: this.paginate(ctx, commits).map((sha) => commitJson(this.json, repo, repo.getCommit(sha), false)),
      };
    });

    add("PUT", `${R}/pulls/{pull_number}/merge`, `${D}/pulls/pulls#merge-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx, true);
      const pr = this.pullFor(ctx, repo);
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
        const repo = this.repoFor(ctx);
        const pr = this.pullFor(ctx, repo);
        return { status: 200, body: this.reviewRequests(repo, pr) };
      },
    );

    add(
      "POST",
      `${R}/pulls/{pull_number}/requested_reviewers`,
      `${D}/pulls/review-requests#request-reviewers-for-a-pull-request`,
      (ctx) => {
        const repo = this.repoFor(ctx, true);
        const pr = this.pullFor(ctx, repo);
        const body = asObject(ctx.req.body);
        const users = stringList(body.reviewers);
        const teams = stringList(body.team_reviewers);
        if (users.length === 0 && teams.length === 0)
          throw new GitHubValidationError("Validation Failed", [
            { resource: "PullRequest", field: "reviewers", code: "missing_field" },
          ]);
        for (const login of users) {
          const user = this.world.user(login);
          if (!user || user.type !== "User") throw new GitHubValidationError(notCollaborator(repo.fullName), []);
          if (user.login.toLowerCase() === pr.user.toLowerCase())
            throw new GitHubValidationError("Review cannot be requested from pull request author.", []);
        }
        for (const slug of teams)
          if (!this.world.team(repo.owner, slug)) throw new GitHubValidationError(notCollaborator(repo.fullName), []);
        repo.requestReviewers(pr.number, { users, teams });
        return { status: 201, body: pullJson(this.json, repo, pr, false) };
      },
    );

    add(
      "DELETE",
      `${R}/pulls/{pull_number}/requested_reviewers`,
      `${D}/pulls/review-requests#remove-requested-reviewers-from-a-pull-request`,
      (ctx) => {
        const repo = this.repoFor(ctx, true);
        const pr = this.pullFor(ctx, repo);
        const body = asObject(ctx.req.body);
        repo.removeRequestedReviewers(pr.number, { users: stringList(body.reviewers), teams: stringList(body.team_reviewers) });
        return { status: 200, body: pullJson(this.json, repo, pr, false) };
      },
    );

    add("GET", `${R}/pulls/{pull_number}/reviews`, `${D}/pulls/reviews#list-reviews-for-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx);
      const pr = this.pullFor(ctx, repo);
      return { status: 200, body: this.paginate(ctx, pr.reviews).map((r) => reviewJson(this.json, repo, pr, r)) };
    });

    add("POST", `${R}/pulls/{pull_number}/reviews`, `${D}/pulls/reviews#create-a-review-for-a-pull-request`, (ctx) => {
      const repo = this.repoFor(ctx, true);
      const pr = this.pullFor(ctx, repo);
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
      return { status: 200, body: reviewJson(this.json, repo, pr, review) };
    });

    add("POST", `${R}/issues/{issue_number}/labels`, `${D}/issues/labels#add-labels-to-an-issue`, (ctx) => {
      const repo = this.repoFor(ctx, true);
      const pr = this.pullFor(ctx, repo, "issue_number");
      const raw = ctx.req.body;
      const list = Array.isArray(raw) ? raw : asObject(raw).labels;
      const names = (Array.isArray(list) ? list : [])
        .map((l: unknown) => (typeof l === "string" ? l : typeof l === "object" && l !== null ? (l as { name?: unknown }).name : undefined))
        .filter((l): l is string => typeof l === "string" && l.trim() !== "");
      if (!Array.isArray(list))
        throw new GitHubValidationError("Validation Failed", [{ resource: "Label", field: "labels", code: "missing_field" }]);
      repo.addLabels(pr.number, names);
      return { status: 200, body: pr.labels.map((name) => labelJson(this.json, repo, repo.label(name))) };
    });

    add("POST", `${R}/issues/{issue_number}/assignees`, `${D}/issues/assignees#add-assignees-to-an-issue`, (ctx) => {
      const repo = this.repoFor(ctx, true);
      const pr = this.pullFor(ctx, repo, "issue_number");
      repo.addAssignees(pr.number, stringList(asObject(ctx.req.body).assignees));
      return { status: 201, body: issueJson(this.json, repo, pr) };
    });

    return routes;
  }

  private reviewRequests(repo: GitHubRepo, pr: PullRecord): { users: unknown[]; teams: unknown[] } {
    return {
      users: pr.requestedReviewers.map((login) => userJson(this.json, this.world.ensureUser(login))),
      teams: pr.requestedTeams.flatMap((slug) => {
        const team = this.world.team(repo.owner, slug);
        return team ? [teamJson(this.json, team)] : [];
      }),
    };
  }

  /**
   * GET /compare/{base}...{head}: without `page`/`per_page` the last 250 commits (the most recent
   * ones, oldest first); with either, pages of `per_page` (default 30, max 100) from the oldest, a
   * `Link` header, and `files` on the first page only. Counts always cover the whole comparison.
   */
  private compare(ctx: HandlerContext): EmulatorResponse {
    const repo = this.repoFor(ctx);
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
      const { page, perPage } = this.pageParams(ctx);
      shas = cmp.ahead.slice((page - 1) * perPage, page * perPage);
      this.setLink(ctx, page, Math.max(1, Math.ceil(cmp.ahead.length / perPage)));
      withFiles = page === 1;
    } else {
      shas = cmp.ahead.slice(-250);
    }
    const api = `${this.url}/repos/${repo.fullName}`;
    const web = `${this.htmlUrl}/${repo.fullName}`;
    const body: Record<string, unknown> = {
      url: `${api}/compare/${basehead}`,
      html_url: `${web}/compare/${basehead}`,
      permalink_url: `${web}/compare/${repo.owner}:${baseSha.slice(0, 7)}...${repo.owner}:${headSha.slice(0, 7)}`,
      diff_url: `${web}/compare/${basehead}.diff`,
      patch_url: `${web}/compare/${basehead}.patch`,
      base_commit: commitJson(this.json, repo, repo.getCommit(baseSha), false),
      merge_base_commit: commitJson(this.json, repo, repo.getCommit(cmp.mergeBase), false),
      status: cmp.status,
      ahead_by: cmp.ahead.length,
      behind_by: cmp.behindBy,
      total_commits: cmp.ahead.length,
      commits: shas.map((sha) => commitJson(this.json, repo, repo.getCommit(sha), false)),
    };
    if (withFiles) body.files = repo.diffFiles(cmp.ahead).slice(0, 300).map((f) => fileJson(this.json, repo, f, headSha));
    return { status: 200, body };
  }
}

function credentials(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^(token|bearer|basic)\s+(.+)$/i.exec(header.trim());
  if (!m) return header.trim();
  const [, scheme, value] = m;
  if (scheme!.toLowerCase() !== "basic") return value!.trim();
  const decoded = Buffer.from(value!.trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? decoded : decoded.slice(colon + 1);
}

/**
 * GitHub's ETags are weak validators of the representation (body) as this caller sees it: they
 * differ between tokens (its answers `Vary` on `Authorization`).
 */
function entityTag(body: unknown, credential: string | undefined): string {
  return `W/"${createHash("sha256").update(credential ?? "").update("\0").update(JSON.stringify(body)).digest("hex").slice(0, 40)}"`;
}

/** `If-None-Match` lists one or more tags (or `*`); weak comparison, as RFC 9110 asks for GET. */
function notModified(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const weak = (tag: string) => tag.trim().replace(/^W\//, "");
  const tags = (Array.isArray(header) ? header.join(",") : header).split(",");
  return tags.some((tag) => tag.trim() === "*" || weak(tag) === weak(etag));
}

function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function asObject(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
