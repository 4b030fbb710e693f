import { createHash, timingSafeEqual } from "node:crypto";
import type { WebhookResponse } from "@botyard/core";

export interface AuthOptions {
  /** Expected value of `header`. */
  secret?: string | undefined;
  header?: string | undefined;
  basic?: { username: string; password: string } | undefined;
  /** Expected token of `Authorization: Bearer <token>` (Alertmanager's http_config.authorization). */
  bearer?: string | undefined;
  /** The error when nothing is configured (say which config fields to set). */
  missing?: string;
}

export type Headers = Record<string, string | string[] | undefined>;

/**
 * Checks a webhook request's credentials: a shared secret header, HTTP basic auth or a bearer token, whichever are
 * configured. Both sides are hashed first so that the comparison is constant-time whatever the
 * lengths, and nothing about the expected value leaks through timing.
 */
export function createAuthenticator(options: AuthOptions): (headers: Headers) => boolean {
  const header = (options.header ?? "X-Botyard-Secret").toLowerCase();
  const secret = options.secret === undefined ? undefined : digest(options.secret);
  const basic = options.basic === undefined ? undefined : digest(`${options.basic.username}:${options.basic.password}`);
  const bearer = options.bearer === undefined ? undefined : digest(options.bearer);
  if (!secret && !basic && !bearer) throw new Error(options.missing ?? "A webhook needs a secret, a bearer token or basic auth in its config: deliveries must be authenticated.");
  return (headers) => {
    let ok = false;
    // Both checks always run: which one failed must not show in the timing either.
    if (secret) ok = same(secret, one(headers[header])) || ok;
    if (basic) ok = same(basic, basicCredentials(one(headers.authorization))) || ok;
    if (bearer) ok = same(bearer, bearerToken(one(headers.authorization))) || ok;
    return ok;
  };
}

/**
 * A webhook's `verify`: the configured credentials checked, else 401 (with the challenge a client
 * using basic auth expects), the same answer whichever credential was wrong.
 */
export function createWebhookVerifier(options: AuthOptions): (req: { headers: Headers }) => WebhookResponse | undefined {
  const authenticate = createAuthenticator(options);
  const unauthorized: WebhookResponse = {
    status: 401,
    body: { ok: false, error: "unauthorized" },
    ...(options.basic ? { headers: { "www-authenticate": 'Basic realm="botyard"' } } : {}),
  };
  return (req) => (authenticate(req.headers) ? undefined : unauthorized);
}

function basicCredentials(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  return match ? Buffer.from(match[1]!, "base64").toString("utf8") : undefined;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

function same(expected: Buffer, given: string | undefined): boolean {
  // Hash even when absent, so that a missing credential takes as long as a wrong one.
  const equal = timingSafeEqual(expected, digest(given ?? ""));
  return equal && given !== undefined;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
