/** A webhook body read by `parseWebhookBody`, or why it could not be. */
export type ParsedWebhookBody = { ok: true; body: unknown } | { ok: false; message: string };

/**
 * How deep a JSON body may nest. Webhook payloads (GitHub, Datadog, PagerDuty) are under ten
 * levels deep. Parsing is not the danger: a megabyte of `[` takes V8 seconds to parse, during which
 * the host answers nothing, and the result overflows the stack of whatever walks it next
 * (`JSON.stringify` in a log line, a recursive handler).
 */
export const MAX_JSON_DEPTH = 128;

// `"__proto__"` or `"constructor"` as a key, spelled with or without \u escapes. Only a hint that
// the parsed body must be walked: the walk decides.
const SUSPECT_KEY =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:|"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/**
 * A webhook request's `body`, from its raw text and `Content-Type`: JSON (`application/json`,
 * `+json` types, and `text/plain` that looks like JSON, as some senders label it) parsed,
 * form fields (`application/x-www-form-urlencoded`) as an object, anything else the text itself,
 * and `undefined` when empty. The host reads every request with it, and a durable delivery is
 * read with it again when it comes back from the store, which keeps only the raw text.
 *
 * Refused, as a malformed body is: JSON nested deeper than `MAX_JSON_DEPTH`, and a `__proto__`
 * key, or a `constructor` key holding a `prototype` (JSON or form), which would change what an
 * object inherits in a handler that copies the body with `Object.assign` or a recursive merge.
 * Fastify refuses the same by default.
 */
export function parseWebhookBody(contentType: string | undefined, raw: string): ParsedWebhookBody {
  if (raw.length === 0) return { ok: true, body: undefined };
  // What nearly every sender says, checked before any splitting and lowercasing.
  const type = contentType === undefined || contentType === "application/json" ? "application/json" : contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const fields = new URLSearchParams(raw);
    if (fields.has("__proto__")) return { ok: false, message: 'a "__proto__" field is not allowed' };
    return { ok: true, body: Object.fromEntries(fields) };
  }
  if (type === "application/json" || type.endsWith("+json") || (type === "text/plain" && /^\s*[[{]/.test(raw))) {
    if (nestedDeeperThan(raw, MAX_JSON_DEPTH)) return { ok: false, message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep` };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      return { ok: false, message: `malformed JSON: ${(error as Error).message}` };
    }
    const poisoned = SUSPECT_KEY.test(raw) ? poisonedKey(body) : undefined;
    if (poisoned) return { ok: false, message: `${poisoned} is not allowed in a JSON body` };
    return { ok: true, body };
  }
  return { ok: true, body: raw };
}

/**
 * Whether JSON text opens more than `max` arrays and objects at once, by its brackets outside
 * strings. This runs on every JSON webhook, so the common case is cut short: a body with no more
 * than `max` opening brackets in all cannot nest deeper, and counting them is a few `indexOf`s.
 */
function nestedDeeperThan(text: string, max: number): boolean {
  let openers = 0;
  for (let i = text.indexOf("{"); i >= 0 && openers <= max; i = text.indexOf("{", i + 1)) openers++;
  for (let i = text.indexOf("["); i >= 0 && openers <= max; i = text.indexOf("[", i + 1)) openers++;
  if (openers <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // A string is skipped whole, to its closing quote (one not escaped by an odd run of \).
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return false; // unterminated: the parser refuses it
      i = end;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

function escaped(text: string, quote: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(quote - 1 - backslashes) === 92 /* \ */) backslashes++;
  return backslashes % 2 === 1;
}

/** The first `__proto__` key, or `constructor` key holding a `prototype`, in a parsed JSON value. */
function poisonedKey(value: unknown): string | undefined {
  // Iterative: the depth is bounded already, but a wide body should not cost a stack frame per value.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== "object") continue;
    if (Object.hasOwn(node, "__proto__")) return 'a "__proto__" key';
    const ctor = (node as { constructor?: unknown }).constructor;
    if (Object.hasOwn(node, "constructor") && ctor !== null && typeof ctor === "object" && Object.hasOwn(ctor, "prototype")) return 'a "constructor" key holding a "prototype"';
    for (const child of Object.values(node)) pending.push(child);
  }
  return undefined;
}
