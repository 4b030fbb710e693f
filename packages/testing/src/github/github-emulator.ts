import { HttpBackedEmulator } from "../emulator/http-backed-emulator.js";
import {
  HttpEmulator,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
  type RecordedCall,
} from "../emulator/http-emulator.js";
import { DOCS, GITHUB_RULES, PRIMARY_DOCS, SECONDARY_DOCS } from "./answer-rules.js";
import type { ConformanceChecker, Exchange } from "../conformance/exchange.js";
import { GitHubGraphQLApi, type GraphQLOutcome } from "./graphql-api.js";
import { GraphQLConformance, GRAPHQL_OPERATION } from "./graphql-conformance.js";
import { loadGitHubGraphQL } from "./graphql-schema.js";
import { OpenApiConformance } from "../conformance/openapi-conformance.js";
import { conformanceEnabled } from "../conformance/registry.js";
import { type JsonContext } from "./github-json.js";
import {
  GitHubRepo,
  GitHubValidationError,
  GitHubWorld,
  type CreateRepoOptions,
  type GitHubTeam,
  type GitHubTeamInit,
  type GitHubUser,
  type GitHubUserInit,
} from "./repo-model.js";
import type { GitHubEmulatorOptions, GitHubLostAnswerInit, GitHubRateLimitInit, GitHubTokenInit } from "./github-emulator-options.js";
import { ApiError, canRead, first, MULTI_SEGMENT, type Bucket, type HandlerContext, type Route, type TokenRecord } from "./rest-route.js";
import { RestRoutes } from "./rest-routes.js";
import { credentials, entityTag, notModified, requestId, safeDecode } from "./request-headers.js";

export type { GitHubEmulatorOptions, GitHubTokenInit, GitHubRateLimitInit, GitHubLostAnswerInit } from "./github-emulator-options.js";

interface PendingRateLimit extends Required<Omit<GitHubRateLimitInit, "operation">> {
  operation?: string;
}

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
    const emulator = this;
    this.routes = new RestRoutes({
      world: this.world,
      get url() {
        return emulator.url;
      },
      htmlUrl: this.htmlUrl,
      get json() {
        return emulator.json;
      },
      bucket: (token, resource) => this.bucket(token, resource),
    }).build();
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
    const answer = await this.graphqlApi.answer(req, { login: token?.login, canRead: (repo) => canRead(repo, token), bucket });
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

}
