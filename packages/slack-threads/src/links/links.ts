/** A link to a message, built from the workspace URL (no `chat.getPermalink` call). */
export function messageUrl(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl.replace(/\/?$/, "/")}archives/${channel}/p${ts.replace(".", "")}`;
}

/**
 * An http(s) URL made safe inside Slack's `<url|label>`: the characters that would end the link
 * or start markup are percent-encoded and `&` is escaped. Anything else is no link at all.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  return url.replace(/[<>|]/g, (c) => encodeURIComponent(c)).replace(/&/g, "&amp;");
}

/** `<url|label>` for a safe URL, or nothing. The label is escaped by the caller. */
export function slackLink(url: string | undefined, label: string): string | undefined {
  const safe = safeUrl(url);
  return safe ? `<${safe}|${label.replace(/[|>]/g, " ")}>` : undefined;
}

/** `2d 3h`, `1h 5m`, `4m 10s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${sec}s`;
  return `${sec}s`;
}
