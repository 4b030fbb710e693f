/**
 * A URL's credentials (`scheme://user:password@host`) never reach a message, a log line or an
 * error's cause: stores show the URL without its password and take the password out of what their
 * client says; the host registers it with the log scrubber, since it can surface alone.
 */
export interface UrlCredentials {
  /** The URL with its password replaced by `***`, for messages and logs. */
  display: string;
  /** The password in each spelling it may appear in (as written, percent-decoded); empty when there is none. */
  passwords: string[];
  /** Removes the password (in every spelling above) from a text. */
  redact(text: string): string;
}

/**
 * Reads the password out of `url`. `defaultScheme` is put in front of a URL written without one
 * (ioredis reads "host:port" as redis://host:port). A URL that does not parse shows none of itself,
 * since it may hold the password.
 */
export function urlCredentials(url: string, defaultScheme?: string): UrlCredentials {
  let display = "(unparseable URL)";
  const secrets: string[] = [];
  try {
    const parsed = new URL(url.includes("://") || !defaultScheme ? url : `${defaultScheme}://${url}`);
    if (parsed.password) {
      secrets.push(parsed.password, decodeURIComponentSafe(parsed.password));
      parsed.password = "***";
    }
    display = parsed.toString();
  } catch {
    const at = url.lastIndexOf("@");
    const colon = url.indexOf(":", url.indexOf("//") + 2);
    if (at > 0 && colon > 0 && colon < at) secrets.push(url.slice(colon + 1, at));
  }
  const passwords = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return {
    display,
    passwords,
    redact: (text) => passwords.reduce((out, needle) => out.split(needle).join("***"), text),
  };
}

/**
 * The passwords of every URL among a settings object's string values (a store's `url`, a Postgres
 * store's `connectionString`...): any store's settings may hold one.
 */
export function passwordsInUrls(settings: Record<string, unknown> | undefined): string[] {
  return Object.values(settings ?? {}).flatMap((value) => (typeof value === "string" && value.includes("://") ? urlCredentials(value).passwords : []));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
