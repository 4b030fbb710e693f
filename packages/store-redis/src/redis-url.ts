// The Redis URL's password never reaches a message, a log line or an error's cause.

export interface UrlInfo {
  /** The URL without its password, for messages and logs. */
  display: string;
  /** Removes the password (in every spelling it could appear in) from a text. */
  redact(text: string): string;
}

export function describeUrl(url: string): UrlInfo {
  let display = "(unparseable Redis URL)";
  const secrets: string[] = [];
  try {
    // ioredis reads "host:port" as redis://host:port.
    const parsed = new URL(url.includes("://") ? url : `redis://${url}`);
    if (parsed.password) {
      secrets.push(parsed.password, decodeURIComponentSafe(parsed.password));
      parsed.password = "***";
    }
    display = parsed.toString();
  } catch {
    // Not a URL we can read: ioredis will say so; show none of it, it may hold the password.
    const at = url.lastIndexOf("@");
    const colon = url.indexOf(":", url.indexOf("//") + 2);
    if (at > 0 && colon > 0 && colon < at) secrets.push(url.slice(colon + 1, at));
  }
  const needles = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return {
    display,
    redact: (text) => needles.reduce((out, needle) => out.split(needle).join("***"), text),
  };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
