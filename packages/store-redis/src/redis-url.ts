import { urlCredentials, type UrlCredentials } from "@botyard/core";
// The Redis URL's password never reaches a message, a log line or an error's cause.

export type UrlInfo = UrlCredentials;

/** The Redis URL without its password, and a redactor for it (core's one reading of URL credentials). */
export function describeUrl(url: string): UrlInfo {
  // ioredis reads "host:port" as redis://host:port.
  return urlCredentials(url, "redis");
}

/** A copy of an ioredis error safe to attach as `cause`: its `command.args` may hold the password (AUTH). */
export function sanitized(cause: unknown, redact: (text: string) => string): Error {
  const error = new Error(redact(messageOf(cause)));
  error.name = cause instanceof Error ? cause.name : "Error";
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") (error as Error & { code: string }).code = code;
  return error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
