import { readFailure } from "./errors.js";

/** A conditional GET's answer: unchanged (GitHub said 304), or the new representation and its ETag. */
export type Conditional<T> = { changed: false } | { changed: true; data: T; etag: string | undefined };

/**
 * Sends a GET with `If-None-Match: <etag>` (when there is one). GitHub answers 304 while the
 * resource is unchanged, and a 304 does not count against the rate limit
 * (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
 */
export async function getIfChanged<T>(
  etag: string | undefined,
  get: (headers: Record<string, string>) => Promise<{ data: T; headers: { etag?: string } }>,
): Promise<Conditional<T>> {
  try {
    const response = await get(etag ? { "if-none-match": etag } : {});
    return { changed: true, data: response.data, etag: response.headers.etag };
  } catch (error) {
    if (readFailure(error).status === 304) return { changed: false };
    throw error;
  }
}
