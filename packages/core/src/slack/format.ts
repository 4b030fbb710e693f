/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` are the only control characters, and escaping
 * them is what keeps `<!channel>` or `<@U123>` in user-supplied text from pinging anyone.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Fills `{{name}}` placeholders (message templates in plugin configs; `${...}` is reserved for
 * environment variables in bots.yaml). Values are escaped for Slack unless a placeholder is written
 * `{{{name}}}` (for values the plugin already formatted, such as `<@U123>` mentions or links).
 * Unknown placeholders are left as they are, so a typo shows in the message rather than vanishing.
 *
 * Templates rendered for somewhere other than Slack (a GitHub PR body, an e-mail subject) pass that
 * target's own `escape` (or `String` for plain text); the `{{ }}` / `{{{ }}}` rule stays the same.
 */
export function renderTemplate(
  template: string,
  values: Record<string, string | number | undefined>,
  options: { escape?: (text: string) => string } = {},
): string {
  const escape = options.escape ?? escapeSlack;
  return template.replace(/\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g, (whole, raw: string | undefined, escaped: string | undefined) => {
    const name = (raw ?? escaped)!;
    const value = values[name];
    if (value === undefined) return whole;
    return raw ? String(value) : escape(String(value));
  });
}

/** A Slack date that each reader sees in their own timezone (`<!date^1700000000^{date_short} {time}|fallback>`). */
export function slackDate(date: Date, format = "{date_short_pretty} {time}", link?: string): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^${format}${link ? `^${link}` : ""}|${date.toISOString().replace(/\.\d{3}Z$/, "Z")}>`;
}

/** Truncates to `max` characters (Block Kit limits), marking the cut. */
export function truncate(text: string, max: number, marker = "…"): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - marker.length))}${marker}`;
}
