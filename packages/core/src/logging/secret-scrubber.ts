/**
 * Removes secret values from text. It works on the final serialised log line rather than on known
 * field names, because secrets leak through places nobody names: an HTTP client's error that echoes
 * the request, a URL with credentials in it, a stack trace.
 */
export class SecretScrubber {
  static readonly REPLACEMENT = "[REDACTED]";
  // Shorter values would scrub ordinary words and numbers out of every line.
  static readonly MIN_LENGTH = 6;
  private readonly needles = new Set<string>();
  private sorted: string[] = [];

  /** Registers a secret; its JSON-escaped and URL-encoded spellings are scrubbed too. */
  add(secret: string): void {
    if (secret.length < SecretScrubber.MIN_LENGTH) return;
    const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    for (const form of forms) this.needles.add(form);
    // Longest first, so a secret that contains another is replaced whole.
    this.sorted = [...this.needles].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.sorted.length;
  }

  scrub(text: string): string {
    let out = text;
    for (const needle of this.sorted) {
      if (out.includes(needle)) out = out.split(needle).join(SecretScrubber.REPLACEMENT);
    }
    return out;
  }
}
