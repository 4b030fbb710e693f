// A REST route of the GitHub emulator as its handlers see it: the request, the caller's token, the
// errors GitHub answers with, and what a token may read or write.
import type { EmulatorRequest, EmulatorResponse } from "../emulator/http-emulator.js";
import type { GitHubTokenInit } from "./github-emulator-options.js";
import type { GitHubRepo, GitHubWorld, PullRecord } from "./repo-model.js";

/** Route parameters that may span several path segments (branch names with slashes, `a...b`). */
export const MULTI_SEGMENT = new Set(["basehead", "branch"]);

export interface TokenRecord extends GitHubTokenInit {
  token: string;
}

export interface Bucket {
  limit: number;
  used: number;
  reset: number; // epoch seconds
}

export interface HandlerContext {
  req: EmulatorRequest;
  params: Record<string, string>;
  token: TokenRecord | undefined;
  docs: string;
  /** Extra response headers (Link, Location). */
  headers: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => EmulatorResponse;

export interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  docs: string;
  handler: Handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Whether `token` may read `repo` (a private repository needs the `repo` scope; fine-grained tokens list theirs). */
export function canRead(repo: GitHubRepo, token: TokenRecord | undefined): boolean {
  if (token?.repos && !token.repos.some((r) => r.toLowerCase() === repo.fullName.toLowerCase())) return !repo.private;
  if (!repo.private) return true;
  if (!token) return false;
  return !token.scopes || token.scopes.includes("repo");
}

export function canWrite(repo: GitHubRepo, token: TokenRecord): boolean {
  if (token.repos && !token.repos.some((r) => r.toLowerCase() === repo.fullName.toLowerCase())) return false;
  if (!token.scopes) return true;
  return token.scopes.includes("repo") || (!repo.private && token.scopes.includes("public_repo"));
}

export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function asObject(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The repository a route names, as this caller may see it (404 when it may not, as GitHub answers). */
export function repoFor(world: GitHubWorld, ctx: HandlerContext, write = false): GitHubRepo {
  const repo = world.repos.get(`${ctx.params.owner}/${ctx.params.repo}`.toLowerCase());
  if (!repo || !canRead(repo, ctx.token)) throw new ApiError(404, "Not Found");
  if (write) {
    if (!ctx.token) throw new ApiError(401, "Requires authentication");
    if (!canWrite(repo, ctx.token)) throw new ApiError(404, "Not Found");
  }
  return repo;
}

export function pullFor(ctx: HandlerContext, repo: GitHubRepo, param = "pull_number"): PullRecord {
  const n = Number(ctx.params[param]);
  const pr = Number.isInteger(n) ? repo.pullRecord(n) : undefined;
  if (!pr) throw new ApiError(404, "Not Found");
  return pr;
}
