// Header and query parameter names that carry credentials: the standard ones, and any custom one
// that says what it holds (X-Hub-Signature-256, X-Botyard-Secret, X-Gitlab-Token, ?token=).
const CREDENTIAL = /^(authorization|proxy-authorization|cookie)$|secret|token|signature/i;

/**
 * A request-like event without its credentials. They were checked at intake (a webhook's `verify`
 * runs before the delivery is queued), so the handler does not need them, and the store (its
 * file, its backups, a Redis replica) must not keep them. Events without headers pass unchanged.
 */
export function withoutCredentials<E>(event: E, also: ReadonlySet<string> = new Set()): E {
  if (!event || typeof event !== "object") return event;
  const { headers, query } = event as { headers?: unknown; query?: unknown };
  if (!isRecord(headers) && !isRecord(query)) return event;
  return {
    ...event,
    ...(isRecord(headers) ? { headers: withoutCredentialNames(headers, also) } : {}),
    ...(isRecord(query) ? { query: withoutCredentialNames(query, also) } : {}),
  };
}

function withoutCredentialNames(record: Record<string, unknown>, also: ReadonlySet<string>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) if (!CREDENTIAL.test(name) && !also.has(name.toLowerCase())) kept[name] = value;
  return kept;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
