/** A webhook body read by `parseWebhookBody`, or why it could not be. */
export type ParsedWebhookBody = { ok: true; body: unknown } | { ok: false; message: string };

/**
 * A webhook request's `body`, from its raw text and `Content-Type`: JSON (`application/json`,
 * `+json` types, and `text/plain` that looks like JSON, as some senders label it) parsed,
 * form fields (`application/x-www-form-urlencoded`) as an object, anything else the text itself,
 * and `undefined` when empty. The host reads every request with it, and a durable delivery is
 * read with it again when it comes back from the store, which keeps only the raw text.
 */
export function parseWebhookBody(contentType: string | undefined, raw: string): ParsedWebhookBody {
  if (raw.length === 0) return { ok: true, body: undefined };
  // What nearly every sender says, checked before any splitting and lowercasing.
  const type = contentType === undefined || contentType === "application/json" ? "application/json" : contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return { ok: true, body: Object.fromEntries(new URLSearchParams(raw)) };
  if (type === "application/json" || type.endsWith("+json") || (type === "text/plain" && /^\s*[[{]/.test(raw))) {
    try {
      return { ok: true, body: JSON.parse(raw) };
    } catch (error) {
      return { ok: false, message: `malformed JSON: ${(error as Error).message}` };
    }
  }
  return { ok: true, body: raw };
}
