// What GitHub documents for its answers beyond the OpenAPI description, checked in conformance mode.
import type { AnswerRule } from "../conformance/openapi-conformance.js";

export const DOCS = "https://docs.github.com/rest";
export const PRIMARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
export const SECONDARY_DOCS =
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";

export const RATE_LIMIT_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset", "x-ratelimit-resource"];

/** What GitHub documents for every answer beyond the OpenAPI description: its rate-limit headers and rate-limited answers. */
export const GITHUB_RULES: AnswerRule[] = [
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
