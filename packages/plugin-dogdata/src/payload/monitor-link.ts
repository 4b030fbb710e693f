import { normalizeScope } from "./scope.js";

/** Monitor id in a Datadog link: `/monitors/123`, `monitors#123` or `link_monitor_id=123` (group 1). */
export const DEFAULT_MONITOR_PATTERN = String.raw`(?:[?&]link_monitor_id=|/monitors/|/monitors#)(\d+)`;
/** The group (scope) in a Datadog link's query, URL-encoded (group 1). */
export const DEFAULT_SCOPE_PATTERN = String.raw`[?&]group=([^&#|>\s]*)`;

export interface LinkPatterns {
  monitor: RegExp;
  scope: RegExp;
}

export const DEFAULT_LINK_PATTERNS: LinkPatterns = {
  monitor: new RegExp(DEFAULT_MONITOR_PATTERN),
  scope: new RegExp(DEFAULT_SCOPE_PATTERN),
};

/** What a monitor link (or, failing one, the text around it) identifies. */
export interface MonitorLink {
  monitorId: string;
  /** Normalized; `undefined` when the link names no group (the title may). */
  scope: string | undefined;
  /** Datadog's event id (`event_id=`), equal to the webhook's `$ID` for the event that posted it. */
  eventId: string | undefined;
  /** The link itself, when the id came from one. */
  url: string | undefined;
}

const EVENT_ID = /[?&]event_id=(\d+)/;
// Slack `<url|label>`, Markdown `(url)` and bare URLs alike end at these characters.
const URL = /https?:\/\/[^\s<>|()\]"']+/g;

/**
 * Finds the monitor a piece of Datadog output is about: first in the links of `texts` (in order),
 * then, for custom patterns that do not read links, in the texts themselves.
 */
export function findMonitorLink(texts: Array<string | undefined>, patterns: LinkPatterns = DEFAULT_LINK_PATTERNS): MonitorLink | undefined {
  const present = texts.filter((t): t is string => typeof t === "string" && t.length > 0).map(unescapeSlack);
  for (const text of present) {
    for (const url of text.match(URL) ?? []) {
      const found = readLink(url, patterns);
      if (found) return { ...found, url };
    }
  }
  for (const text of present) {
    const found = readLink(text, patterns);
    if (found) return { ...found, url: undefined };
  }
  return undefined;
}

function readLink(text: string, patterns: LinkPatterns): Omit<MonitorLink, "url"> | undefined {
  const monitorId = patterns.monitor.exec(text)?.[1];
  if (!monitorId) return undefined;
  const group = patterns.scope.exec(text)?.[1];
  return { monitorId, scope: group === undefined ? undefined : normalizeScope(decode(group)), eventId: EVENT_ID.exec(text)?.[1] };
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return component;
  }
}

/** Slack escapes `&`, `<` and `>` in message text (`was &gt; 90`); this reads it back. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
