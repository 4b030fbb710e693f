/**
 * One form for a monitor group's scope, wherever it was read: `$ALERT_SCOPE` (`host:web-1,env:prod`),
 * the `{...}` of a title, or a link's URL-decoded `group=` parameter. Tags are trimmed and sorted so
 * that the same group gives the same key whatever order a source lists them in; a simple alert (no
 * group, or `*`) has the scope `""`.
 */
export function normalizeScope(raw: string | undefined): string {
  if (raw === undefined) return "";
  let text = raw.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1).trim();
  if (text === "" || text === "*") return "";
  return text
    .split(",")
    .map(normalizeTag)
    .filter((tag) => tag !== "" && tag !== "*")
    .sort()
    .join(",");
}

// A tag is split on its first ":" only: values may hold colons (`url:http://x`).
function normalizeTag(tag: string): string {
  const at = tag.indexOf(":");
  return at < 0 ? tag.trim() : `${tag.slice(0, at).trim()}:${tag.slice(at + 1).trim()}`;
}
