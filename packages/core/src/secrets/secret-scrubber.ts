/**
 * Removes secret values from text. It works on the final serialised log line rather than on known
 * field names, because secrets leak through places nobody names: an HTTP client's error that echoes
 * the request, a URL with credentials in it, a stack trace. Credential headers are the exception
 * worth naming: their values are redacted by key whether or not they hold a registered secret.
 */
export class SecretScrubber {
  static readonly REPLACEMENT = "[REDACTED]";
  /**
   * Shorter values would scrub ordinary words and numbers out of every line, so they are not
   * scrubbed at all: `add` says so (the host warns at start, naming the variable, not the value).
   */
  static readonly MIN_LENGTH = 6;
  private readonly needles = new Set<string>();
  private sorted: string[] = [];

  /**
   * Registers a secret: its JSON-escaped, URL-encoded and base64 spellings are scrubbed too (base64
   * at any offset, so it is found inside `Basic base64(user:password)`). False when the value is
   * too short to scrub (see MIN_LENGTH) and will appear in logs as it is.
   */
  add(secret: string): boolean {
    if (secret.length < SecretScrubber.MIN_LENGTH) return false;
    const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), ...base64Forms(secret)];
    for (const form of forms) if (form.length >= SecretScrubber.MIN_LENGTH) this.needles.add(form);
    // Longest first, so a secret that contains another is replaced whole.
    this.sorted = [...this.needles].sort((a, b) => b.length - a.length);
    return true;
  }

  get size(): number {
    return this.sorted.length;
  }

  scrub(text: string): string {
    let out = redactCredentialHeaders(text);
    for (const needle of this.sorted) {
      if (out.includes(needle)) out = out.split(needle).join(SecretScrubber.REPLACEMENT);
    }
    return out;
  }
}

/**
 * The base64 (and base64url) spellings of `secret` wherever it sits in an encoded byte string:
 * base64 turns 3 bytes into 4 characters, so the secret's characters depend on its offset modulo
 * 3. For each offset, the characters made only of the secret's bits are kept, the edge ones (which
 * mix in the neighbouring bytes) dropped; the standalone, padded encoding is kept whole as well.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms = [bytes.toString("base64")];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const first = [0, 2, 3][offset]!;
    const last = Math.floor((8 * (offset + bytes.length)) / 6);
    forms.push(encoded.slice(first, last));
  }
  return [...new Set([...forms, ...forms.map((f) => f.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""))])];
}

// Credential headers, by name: an HTTP client's error or a request dump carries them with tokens
// that were never interpolated (a token fetched at run time, a session cookie).
const HEADER = "proxy-authorization|authorization|set-cookie|cookie";
const MAYBE_CREDENTIALS = /authorization|cookie/i;
// "authorization":"Bearer x" in a JSON line (the auth scheme is kept: it helps and is no secret).
const JSON_VALUE = new RegExp(`"(${HEADER})"(\\s*:\\s*)"((?:[^"\\\\]|\\\\.)*)"`, "gi");
// \"authorization\":\"Bearer x\" inside a JSON string (a request body quoted in an error).
const QUOTED_JSON_VALUE = new RegExp(`\\\\"(${HEADER})\\\\"(\\s*:\\s*)\\\\"([^"\\\\]*)\\\\"`, "gi");
// "set-cookie":["a=b","c=d"]
const JSON_ARRAY = new RegExp(`"(${HEADER})"(\\s*:\\s*)\\[(?:\\s*"(?:[^"\\\\]|\\\\.)*"\\s*,?)*\\]`, "gi");
// Authorization: Bearer x (a raw request head, a header dumped into a message), up to the line end.
// In a JSON line the previous line's end is the escape `\r\n`, so a letter may precede the name.
const HEADER_LINE = new RegExp(`(?:(?<=\\\\[rn])|(?<![\\w-]))(${HEADER}):[ \\t]*((?:(?!\\\\[rn"])[^"\\r\\n])+)`, "gi");

function redactCredentialHeaders(text: string): string {
  if (!MAYBE_CREDENTIALS.test(text)) return text;
  return text
    .replace(JSON_ARRAY, (_, name: string, sep: string) => `"${name}"${sep}["${SecretScrubber.REPLACEMENT}"]`)
    .replace(JSON_VALUE, (_, name: string, sep: string, value: string) => `"${name}"${sep}"${redactedValue(value)}"`)
    .replace(QUOTED_JSON_VALUE, (_, name: string, sep: string, value: string) => `\\"${name}\\"${sep}\\"${redactedValue(value)}\\"`)
    .replace(HEADER_LINE, (_, name: string, value: string) => `${name}: ${redactedValue(value)}`);
}

function redactedValue(value: string): string {
  if (value === SecretScrubber.REPLACEMENT || value === "") return value;
  const scheme = /^([A-Za-z][A-Za-z0-9-]{0,24}) +\S/.exec(value)?.[1];
  return scheme ? `${scheme} ${SecretScrubber.REPLACEMENT}` : SecretScrubber.REPLACEMENT;
}
