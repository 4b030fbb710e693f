/**
 * A Web API failure as Slack reports it: HTTP 200 with `{ ok: false, error }`. Handlers throw it so
 * that validation reads top to bottom; the router turns it into the response body.
 */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    /** Extra top-level fields Slack sends beside `error` (e.g. `response_metadata.messages`, `needed`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = "SlackApiError";
  }
}

/** Shorthand for the common case: `throw apiError("channel_not_found")`. */
export function apiError(error: string, extra?: Record<string, unknown>): SlackApiError {
  return new SlackApiError(error, extra);
}

/**
 * Slack reports malformed Block Kit with `invalid_blocks` and one `[ERROR]` line per problem,
 * each ending in a JSON pointer; the WebClient logs those lines, so keep the format.
 */
export function invalidBlocks(problems: { message: string; pointer: string }[]): SlackApiError {
  return new SlackApiError("invalid_blocks", {
    errors: problems.map((p) => `${p.message} [json-pointer:${p.pointer}]`),
    response_metadata: { messages: problems.map((p) => `[ERROR] ${p.message} [json-pointer:${p.pointer}]`) },
  });
}
