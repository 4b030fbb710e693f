import type { DocumentNode, GraphQLError } from "graphql";
import type { EmulatorRequest } from "../emulator/http-emulator.js";
import { measure } from "./graphql-cost.js";
import { loadGitHubGraphQL, type GitHubGraphQL } from "./graphql-schema.js";
import type { CommitRecord, GitHubRepo, GitHubUser, GitHubWorld, PullRecord } from "./repo-model.js";

/**
 * GitHub's GraphQL API (`POST /graphql`, `POST /api/graphql` on GitHub Enterprise Server), served
 * from the same repository model as the REST endpoints. Every query is parsed and validated
 * against GitHub's published schema with the reference implementation (`graphql`) and executed by
 * it, so aliases, fragments, variables, nullability and enum values behave as the specification
 * says; the emulator only supplies the fields below. GitHub's own rules on top: `first`/`last`
 * required (1 to 100) on every connection, at most 500,000 nodes, and the point cost of a query
 * (https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api).
 */

/** What the conformance check learns from one query. */
export interface GraphQLOutcome {
  /** The query does not validate against GitHub's schema (a field GitHub does not have...). */
  invalid: string[];
  /** Fields GitHub has that the emulator does not answer (`Type.field`). */
  unimplemented: string[];
  cost: number;
}

export interface GraphQLBucket {
  limit: number;
  used: number;
  reset: number;
}

export interface GraphQLCaller {
  /** The token's login; undefined for anonymous callers (GitHub's GraphQL API refuses them). */
  login: string | undefined;
  canRead(repo: GitHubRepo): boolean;
  bucket: GraphQLBucket;
}

export interface GraphQLAnswer {
  status: number;
  body: unknown;
  outcome: GraphQLOutcome;
}

type Args = Record<string, unknown>;
type Node = Record<string, unknown>;

/** The fields the emulator answers, by type: the fidelity report lists them. */
export const IMPLEMENTED_FIELDS: Record<string, readonly string[]> = {
  Query: ["rateLimit", "repository", "viewer"],
  RateLimit: ["cost", "limit", "nodeCount", "remaining", "resetAt", "used"],
  Repository: ["id", "name", "nameWithOwner", "owner", "url", "isPrivate", "defaultBranchRef", "ref", "object", "pullRequest", "pullRequests"],
  Ref: ["id", "name", "prefix", "target", "compare"],
  Comparison: ["id", "aheadBy", "behindBy", "status", "baseTarget", "headTarget", "commits"],
  Commit: ["id", "oid", "abbreviatedOid", "message", "messageHeadline", "messageBody", "committedDate", "authoredDate", "url", "author", "committer", "parents", "associatedPullRequests"],
  GitActor: ["name", "email", "date", "user"],
  PullRequest: [
    "id", "number", "title", "body", "url", "permalink", "state", "closed", "merged", "mergedAt", "closedAt", "createdAt", "updatedAt", "isDraft",
    "author", "mergedBy", "baseRefName", "headRefName", "isCrossRepository", "baseRefOid", "headRefOid", "mergeCommit",
  ],
  User: ["id", "login", "name", "url"],
  Bot: ["id", "login", "url"],
  Organization: ["id", "login", "name", "url"],
  PageInfo: ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
  "*Connection": ["nodes", "edges", "pageInfo", "totalCount"],
  "*Edge": ["node", "cursor"],
};

const MAX_NODES = 500_000;

export class GitHubGraphQLApi {
  constructor(
    private readonly world: GitHubWorld,
    private readonly html: string,
  ) {}

  async answer(req: EmulatorRequest, caller: GraphQLCaller): Promise<GraphQLAnswer> {
    const outcome: GraphQLOutcome = { invalid: [], unimplemented: [], cost: 0 };
    const lib = await loadGitHubGraphQL();
    const { graphql, schema } = lib;
    const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (typeof body.query !== "string") {
      outcome.invalid.push("the request has no `query` string");
      return { status: 400, body: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/graphql" }, outcome };
    }
    if (!caller.login) {
      return { status: 401, body: { message: "This endpoint requires you to be authenticated.", documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql" }, outcome };
    }

    let document: DocumentNode;
    try {
      document = graphql.parse(body.query);
    } catch (error) {
      outcome.invalid.push(`syntax: ${(error as Error).message}`);
      return { status: 200, body: { errors: [format(error as GraphQLError)] }, outcome };
    }
    const invalid = graphql.validate(schema, document);
    if (invalid.length) {
      outcome.invalid.push(...invalid.map((e) => e.message));
      return { status: 200, body: { errors: invalid.map(format) }, outcome };
    }
    const operation = graphql.getOperationAST(document, typeof body.operationName === "string" ? body.operationName : undefined);
    if (!operation) {
      outcome.invalid.push("no operation to run (several operations and no operationName)");
      return { status: 200, body: { errors: [{ message: "An operation name is required when several operations are sent." }] }, outcome };
    }
    const coerced = graphql.getVariableValues(schema, operation.variableDefinitions ?? [], (body.variables ?? {}) as Record<string, unknown>);
    if (coerced.errors) {
      outcome.invalid.push(...coerced.errors.map((e) => e.message));
      return { status: 200, body: { errors: coerced.errors.map(format) }, outcome };
    }

    // GitHub's limits, checked before anything runs.
    const limits = measure(lib, document, operation, coerced.coerced);
    if (limits.errors.length) return { status: 200, body: { errors: limits.errors.map((e) => ({ ...e, locations: undefined })) }, outcome };
    if (limits.nodes > MAX_NODES) {
      return {
        status: 200,
        body: { errors: [{ type: "MAX_NODE_LIMIT_EXCEEDED", message: `This query requests up to ${limits.nodes.toLocaleString("en-US")} possible nodes which exceeds the maximum limit of ${MAX_NODES.toLocaleString("en-US")}.` }] },
        outcome,
      };
    }
    const cost = Math.max(1, Math.round(limits.requests / 100));
    outcome.cost = cost;
    const bucket = caller.bucket;
    if (operation.operation !== "query") {
      outcome.unimplemented.push(`Mutation (the emulator answers queries only)`);
      return { status: 200, body: { errors: [{ message: "The GitHub emulator does not implement mutations." }] }, outcome };
    }
    if (bucket.used + cost > bucket.limit) {
      return {
        status: 200,
        body: { errors: [{ type: "RATE_LIMITED", code: "graphql_rate_limit", message: `API rate limit already exceeded for user ID ${this.world.ensureUser(caller.login).id}.` }] },
        outcome,
      };
    }
    bucket.used += cost;

    const roots = new Roots(this.world, this.html, caller, { cost, nodes: limits.nodes });
    const result = await graphql.execute({
      schema,
      document,
      operationName: operation.name?.value,
      variableValues: coerced.coerced,
      rootValue: roots.query(),
      fieldResolver: (source, args, _context, info) => {
        const value = (source as Node)[info.fieldName];
        if (value === undefined) {
          outcome.unimplemented.push(`${info.parentType.name}.${info.fieldName}`);
          return null;
        }
        return typeof value === "function" ? (value as (a: Args) => unknown)(args) : value;
      },
    });
    const errors = result.errors?.map(format);
    return { status: 200, body: { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors?.length ? { errors } : {}) }, outcome };
  }
}

/** GitHub's error objects: message, locations, path, and its `type` (NOT_FOUND...) at the top level. */
function format(error: GraphQLError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const type = (error.originalError as { githubType?: string } | undefined)?.githubType;
  if (type) out.type = type;
  if (error.path) out.path = error.path;
  if (error.locations) out.locations = error.locations;
  out.message = error.message;
  return out;
}

class NotFound extends Error {
  readonly githubType = "NOT_FOUND";
}


// ---------------------------------------------------------------------------------------------
// The model as GraphQL objects: plain values, or functions of the field's arguments
// ---------------------------------------------------------------------------------------------

interface Page {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

const cursor = (index: number) => Buffer.from(`cursor:v2:${index}`).toString("base64");
function offsetOf(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(value, "base64").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

/** A Relay connection over a list, paged as GitHub pages: `first`/`after` forward, `last`/`before` backward. */
function connection<T>(items: readonly T[], args: Page, toNode: (item: T) => unknown, extra: Node = {}): Node {
  let start = 0;
  let end = items.length;
  const after = offsetOf(args.after);
  const before = offsetOf(args.before);
  if (after !== undefined) start = Math.min(items.length, after + 1);
  if (before !== undefined) end = Math.max(start, Math.min(end, before));
  if (typeof args.first === "number") end = Math.min(end, start + args.first);
  if (typeof args.last === "number") start = Math.max(start, end - args.last);
  const slice = items.slice(start, end);
  const nodes = slice.map(toNode);
  return {
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: cursor(start + i) })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? cursor(start) : null,
      endCursor: slice.length ? cursor(end - 1) : null,
    },
    ...extra,
  };
}

class Roots {
  constructor(
    private readonly world: GitHubWorld,
    private readonly html: string,
    private readonly caller: GraphQLCaller,
    private readonly spent: { cost: number; nodes: number },
  ) {}

  query(): Node {
    return {
      viewer: () => this.actor(this.caller.login!),
      rateLimit: () => {
        const b = this.caller.bucket;
        return { cost: this.spent.cost, limit: b.limit, nodeCount: this.spent.nodes, remaining: Math.max(0, b.limit - b.used), used: b.used, resetAt: new Date(b.reset * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") };
      },
      repository: (args: Args) => {
        const repo = this.world.repos.get(`${String(args.owner)}/${String(args.name)}`.toLowerCase());
        if (!repo || !this.caller.canRead(repo)) throw new NotFound(`Could not resolve to a Repository with the name '${String(args.owner)}/${String(args.name)}'.`);
        return this.repository(repo);
      },
    };
  }

  private actor(login: string | null): Node | null {
    if (!login) return null;
    const user: GitHubUser = this.world.ensureUser(login);
    return {
      __typename: user.type,
      id: user.nodeId,
      login: user.login,
      name: user.name,
      url: `${this.html}/${user.type === "Bot" ? `apps/${user.login}` : user.login}`,
    };
  }

  private repository(repo: GitHubRepo): Node {
    const prNode = (pr: PullRecord) => this.pull(repo, pr);
    return {
      __typename: "Repository",
      id: repo.nodeId,
      name: repo.name,
      nameWithOwner: repo.fullName,
      owner: () => this.actor(repo.owner),
      url: `${this.html}/${repo.fullName}`,
      isPrivate: repo.private,
      defaultBranchRef: () => this.ref(repo, repo.defaultBranch),
      ref: (args: Args) => {
        const name = String(args.qualifiedName).replace(/^refs\/heads\//, "");
        return repo.branches.has(name) ? this.ref(repo, name) : null;
      },
      object: (args: Args) => {
        const sha = typeof args.oid === "string" ? repo.resolve(args.oid) : typeof args.expression === "string" ? repo.resolve(args.expression) : undefined;
        return sha && /^[0-9a-f]{40}$/.test(sha) ? this.commit(repo, repo.getCommit(sha)) : null;
      },
      pullRequest: (args: Args) => {
        const pr = repo.pullRecord(Number(args.number));
        if (!pr) throw new NotFound(`Could not resolve to a PullRequest with the number of ${String(args.number)}.`);
        return prNode(pr);
      },
      pullRequests: (args: Args) => {
        const states = (args.states as string[] | null | undefined) ?? null;
        let pulls = repo.pullRecords().filter((pr) => !states || states.includes(pullState(pr)));
        if (typeof args.headRefName === "string") pulls = pulls.filter((pr) => pr.headRef === args.headRefName);
        if (typeof args.baseRefName === "string") pulls = pulls.filter((pr) => pr.baseRef === args.baseRefName);
        return connection(orderPulls(pulls, args.orderBy as Order | undefined), args as Page, prNode);
      },
    };
  }

  private ref(repo: GitHubRepo, name: string): Node {
    return {
      __typename: "Ref",
      id: Buffer.from(`REF_${repo.id}:refs/heads/${name}`).toString("base64"),
      name,
      prefix: "refs/heads/",
      target: () => this.commit(repo, repo.getCommit(repo.head(name))),
      compare: (args: Args) => {
        const headName = String(args.headRef).replace(/^refs\/heads\//, "");
        if (!repo.branches.has(headName)) return null;
        const cmp = repo.compareShas(repo.head(name), repo.head(headName));
        if (!cmp) return null;
        return {
          __typename: "Comparison",
          id: Buffer.from(`CMP_${repo.id}:${cmp.baseSha}...${cmp.headSha}`).toString("base64"),
          aheadBy: cmp.ahead.length,
          behindBy: cmp.behindBy,
          status: cmp.status.toUpperCase(),
          baseTarget: () => this.commit(repo, repo.getCommit(cmp.baseSha)),
          headTarget: () => this.commit(repo, repo.getCommit(cmp.headSha)),
          commits: (page: Args) => connection(cmp.ahead, page as Page, (sha) => this.commit(repo, repo.getCommit(sha)), { authorCount: new Set(cmp.ahead.map((s) => repo.getCommit(s).author.email)).size }),
        };
      },
    };
  }

  private commit(repo: GitHubRepo, c: CommitRecord): Node {
    const [headline, ...rest] = c.message.split("\n");
    const gitActor = (who: CommitRecord["author"], login: string | null) => ({ name: who.name, email: who.email, date: who.date, user: () => this.actor(login) });
    return {
      __typename: "Commit",
      id: Buffer.from(`C_${repo.id}:${c.sha}`).toString("base64"),
      oid: c.sha,
      abbreviatedOid: c.sha.slice(0, 7),
      message: c.message,
      messageHeadline: headline ?? "",
      messageBody: rest.join("\n").replace(/^\n+/, ""),
      committedDate: c.committer.date,
      authoredDate: c.author.date,
      url: `${this.html}/${repo.fullName}/commit/${c.sha}`,
      author: () => gitActor(c.author, c.authorLogin),
      committer: () => gitActor(c.committer, c.committerLogin),
      parents: (page: Args) => connection(c.parents, page as Page, (sha) => this.commit(repo, repo.getCommit(sha))),
      // The same answer as GET /commits/{sha}/pulls: the PR that introduced a commit on the default
      // branch, else the merged and open PRs that carry it. Oldest first unless asked otherwise.
      associatedPullRequests: (page: Args) => connection(orderPulls(repo.pullsForCommit(c.sha), (page.orderBy as Order | undefined) ?? { field: "CREATED_AT", direction: "ASC" }), page as Page, (pr) => this.pull(repo, pr)),
    };
  }

  private pull(repo: GitHubRepo, pr: PullRecord): Node {
    const state = () => repo.pullState(pr);
    return {
      __typename: "PullRequest",
      id: pr.nodeId,
      number: pr.number,
      title: pr.title,
      body: pr.body ?? "",
      url: `${this.html}/${repo.fullName}/pull/${pr.number}`,
      permalink: `${this.html}/${repo.fullName}/pull/${pr.number}`,
      state: pullState(pr),
      closed: pr.state === "closed",
      merged: pr.mergedAt !== null,
      mergedAt: pr.mergedAt,
      closedAt: pr.closedAt,
      createdAt: pr.createdAt,
      updatedAt: pr.updatedAt,
      isDraft: pr.draft,
      author: () => this.actor(pr.user),
      mergedBy: () => this.actor(pr.mergedBy),
      baseRefName: pr.baseRef,
      headRefName: pr.headRef,
      // The model has no forks: every PR's head is a branch of the repository itself.
      isCrossRepository: false,
      baseRefOid: () => state().baseSha,
      headRefOid: () => state().headSha,
      mergeCommit: () => (pr.mergeCommitSha ? this.commit(repo, repo.getCommit(pr.mergeCommitSha)) : null),
    };
  }
}

type Order = { field?: string; direction?: string } | null;

function pullState(pr: PullRecord): "OPEN" | "CLOSED" | "MERGED" {
  return pr.mergedAt !== null ? "MERGED" : pr.state === "open" ? "OPEN" : "CLOSED";
}

function orderPulls(pulls: PullRecord[], order: Order | undefined): PullRecord[] {
  const field = order?.field ?? "CREATED_AT";
  const desc = order?.direction === "DESC";
  const key = (pr: PullRecord) => (field === "UPDATED_AT" ? pr.touchedSeq : pr.number);
  return [...pulls].sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)));
}

/** Whether a field of `type` is one the emulator answers (for the fidelity report). */
export function isImplemented(type: string, field: string): boolean {
  if (IMPLEMENTED_FIELDS[type]?.includes(field)) return true;
  if (type.endsWith("Connection")) return IMPLEMENTED_FIELDS["*Connection"]!.includes(field) || (type === "ComparisonCommitConnection" && field === "authorCount");
  if (type.endsWith("Edge")) return IMPLEMENTED_FIELDS["*Edge"]!.includes(field);
  return false;
}
