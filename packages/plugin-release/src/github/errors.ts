/** What GitHub answered, read from an Octokit RequestError without depending on its class. */
export interface GitHubFailure {
  status: number | undefined;
  message: string;
  /** The `message`s of GitHub's validation errors (422). */
  details: string[];
}

export function readFailure(error: unknown): GitHubFailure {
  const e = (error ?? {}) as { status?: unknown; message?: unknown; response?: { data?: unknown } };
  const data = (e.response?.data ?? {}) as { message?: unknown; errors?: unknown };
  const details = Array.isArray(data.errors)
    ? data.errors.map((x) => (typeof x === "string" ? x : String((x as { message?: unknown })?.message ?? ""))).filter(Boolean)
    : [];
  return {
    status: typeof e.status === "number" ? e.status : undefined,
    message: typeof data.message === "string" ? data.message : String(e.message ?? error),
    details,
  };
}

/** A 422 whose validation errors say `pattern` (e.g. "No commits between", "A pull request already exists"). */
export function isValidation(error: unknown, pattern: RegExp): boolean {
  const f = readFailure(error);
  return f.status === 422 && f.details.some((d) => pattern.test(d));
}

export const NO_COMMITS = /^No commits between/i;
export const ALREADY_EXISTS = /^A pull request already exists/i;

/** One line saying what went wrong with a repository, and what to do about it. */
export function explain(error: unknown, repo: string): string {
  const f = readFailure(error);
  if ((error as { rateLimited?: boolean })?.rateLimited) return `${repo}: ${f.message}`;
  switch (f.status) {
    case 401:
      return `${repo}: GitHub rejected the token (401 ${f.message}). Check github.token (e.g. \${GITHUB_TOKEN}) and that it has not expired.`;
    case 403:
      return `${repo}: GitHub refused (403 ${f.message}). The token may lack the \`repo\` scope or access to this repository.`;
    case 404:
      return `${repo}: not found (404). Check the name, and that the token can see it (private repositories need the \`repo\` scope).`;
    default: {
      const details = f.details.length ? `: ${f.details.join("; ")}` : "";
      return `${repo}: GitHub answered ${f.status ?? "with an error"} (${f.message}${details}).`;
    }
  }
}

/** An error whose message is already the one-line explanation (see {@link explain}). */
export class ReleaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReleaseError";
  }
}
