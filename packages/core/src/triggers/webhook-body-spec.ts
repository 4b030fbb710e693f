import type { Static, TSchema } from "typebox";
import { Value } from "typebox/value";
import { checkAgainst } from "../config/validate.js";
import type { WebhookRequest, WebhookResponse } from "./trigger.js";

/**
 * Reads a webhook's parsed body (JSON, form fields or text, see `parseWebhookBody`) into the value
 * the handler works with, or refuses it with the response to send (`invalidWebhookBody` gives the
 * standard 400). For a body that a schema cannot describe, or whose reading needs the bot's config.
 */
export type WebhookBodyReader<T> = (body: unknown) => { ok: true; value: T } | { ok: false; response: WebhookResponse };

/** What `bot.webhook(path, { body })` takes: a TypeBox schema, or a reader. */
export type WebhookBodySpec<T = unknown> = TSchema | WebhookBodyReader<T>;

/**
 * `Static<S>` for a schema given as `body`. While `S` is only the constraint (`TSchema`: a call
 * being matched against the overload with no body to infer from), `unknown`: expanding `Static`
 * over every schema type would double the cost of type-checking a plugin (type-cost.test.ts).
 */
export type WebhookSchemaBody<S extends TSchema> = TSchema extends S ? unknown : Static<S>;

/** The handler's body type for a `body` option: `Static<Schema>`, or what the reader returns. */
export type WebhookBodyOf<S> = S extends WebhookBodyReader<infer T> ? T : S extends TSchema ? WebhookSchemaBody<S> : unknown;

/** The 400 a webhook answers for a body that does not match: the JSON pointer of the first problem, and what was expected. */
export function invalidWebhookBody(path: string, message: string): WebhookResponse {
  return { status: 400, body: { ok: false, error: "invalid_body", path, message } };
}

/**
 * The request with its body read by `spec`, once, at intake: `verify`, `dedupeKey`, the ordering
 * key and the handler all see this value. A schema's defaults are applied (the body was parsed
 * for this request alone, so it is filled in place), then it is checked.
 */
export function readWebhookBody<T>(spec: WebhookBodySpec<T>, req: WebhookRequest): { ok: true; request: WebhookRequest<T> } | { ok: false; response: WebhookResponse } {
  if (typeof spec === "function") {
    const read = spec(req.body);
    if (!read.ok) return read;
    return { ok: true, request: { method: req.method, path: req.path, headers: req.headers, query: req.query, rawBody: req.rawBody, body: read.value } };
  }
  const checked = checkAgainst<T>(spec, Value.Default(spec, req.body));
  if (!checked.ok) {
    const first = checked.issues[0];
    return { ok: false, response: invalidWebhookBody(first?.path ?? "", first?.message ?? "does not match the webhook's body schema") };
  }
  return { ok: true, request: { method: req.method, path: req.path, headers: req.headers, query: req.query, rawBody: req.rawBody, body: checked.value } };
}
