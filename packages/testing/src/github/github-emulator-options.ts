// What a test passes to `GitHubEmulator`: its options, tokens, rate limits and lost answers.

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
