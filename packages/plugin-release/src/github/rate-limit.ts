/**
 * GitHub's rate limits, read from a failed response: how long to wait before the call may succeed.
 *
 * - primary: 403 or 429 with `x-ratelimit-remaining: 0`; it lifts at `x-ratelimit-reset` (epoch s).
 * - secondary: 403 or 429 with `retry-after` (seconds), or without it: GitHub then asks for at
 *   least a minute.
 */
export interface RateLimitWait {
  kind: "primary" | "secondary";
  ms: number;
}

interface FailedResponse {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const SECONDARY_DEFAULT_MS = 60_000;

/** How long to wait for the rate limit behind `error` to lift; undefined when it is no rate limit. */
export function rateLimitWait(error: unknown, now = Date.now()): RateLimitWait | undefined {
  const { status, response } = (error ?? {}) as FailedResponse;
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const header = (name: string) => (headers[name] === undefined ? undefined : String(headers[name]));

  const retryAfter = Number(header("retry-after"));
  if (header("retry-after") !== undefined && Number.isFinite(retryAfter)) return { kind: "secondary", ms: Math.max(0, retryAfter * 1000) };

  if (header("x-ratelimit-remaining") === "0") return primaryWait(header, now);

  const message = String((response?.data as { message?: unknown } | undefined)?.message ?? "");
  if (status === 429 || /secondary rate limit/i.test(message)) return { kind: "secondary", ms: SECONDARY_DEFAULT_MS };
  return undefined;
}


/**
 * GitHub's GraphQL API answers a spent primary limit with HTTP 200 and a `RATE_LIMITED` error
 * (https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api); it
 * lifts at `x-ratelimit-reset`. Undefined for any other answer.
 */
export function graphqlRateLimitWait(response: { data?: unknown; headers?: Record<string, unknown> }, now = Date.now()): RateLimitWait | undefined {
  const errors = (response.data as { errors?: Array<{ type?: unknown }> } | undefined)?.errors;
  if (!Array.isArray(errors) || !errors.some((e) => e?.type === "RATE_LIMITED")) return undefined;
  const headers = response.headers ?? {};
  return primaryWait((name) => (headers[name] === undefined ? undefined : String(headers[name])), now);
}

function primaryWait(header: (name: string) => string | undefined, now: number): RateLimitWait {
  const reset = Number(header("x-ratelimit-reset"));
  // Measured against the server's own clock (its `date` header) when it sent one: a skewed local
  // clock must not turn a one-minute wait into an hour or into none.
  const serverNow = Date.parse(header("date") ?? "");
  const from = Number.isFinite(serverNow) ? serverNow : now;
  if (!Number.isFinite(reset)) return { kind: "primary", ms: SECONDARY_DEFAULT_MS };
  const ms = reset * 1000 - from;
  // The reset is in whole seconds and the date header too: a little slack avoids waking early.
  return { kind: "primary", ms: ms > 0 ? ms + 500 : 0 };
}
