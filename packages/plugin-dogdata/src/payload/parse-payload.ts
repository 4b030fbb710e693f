import { DEFAULT_LINK_PATTERNS, findMonitorLink, type LinkPatterns } from "./monitor-link.js";
import { normalizeScope } from "./scope.js";
import { parseAlertTitle } from "./title.js";
import { parseTransition, type Transition } from "./transition.js";

/** Where a refused delivery is told to look: the payload to paste into Datadog. */
export const PAYLOAD_DOCS = "https://github.com/botyard/botyard/blob/main/docs/plugins/dogdata.md#the-webhook-payload";

/** One Datadog notification, read from Botyard's documented payload or Datadog's default one. */
export interface DatadogEvent {
  /** `$ID`: the event id, unique per notification (the dedupe key). */
  id: string;
  transition: Transition | undefined;
  /** The transition as sent, for logs when it is not one Botyard knows. */
  transitionText: string | undefined;
  /** `$ALERT_CYCLE_KEY`: shared by every event of one alert, trigger to resolve. */
  cycleKey: string | undefined;
  /** `$ALERT_ID`, or read from the monitor link. */
  monitorId: string | undefined;
  /** Normalized `$ALERT_SCOPE` (`""` for a simple alert). */
  scope: string;
  /** `$EVENT_TITLE` as sent. */
  title: string;
  /** The monitor's name (the title without its `[...]` prefixes). */
  name: string;
  /** `$EVENT_MSG`. */
  message: string | undefined;
  /** `$LINK`, or the monitor link found in the message. */
  link: string | undefined;
  /** `$DATE` (or `$LAST_UPDATED`), epoch milliseconds. */
  date: number | undefined;
  priority: string | undefined;
  isTest: boolean;
}

export type ParsedPayload = { ok: true; event: DatadogEvent } | { ok: false; field: string; message: string };

/**
 * Reads a webhook body. Refusals name the field that is missing and what Datadog variable fills it,
 * so that whoever set up the webhook can fix the payload from the message alone.
 */
export function parseDatadogPayload(body: unknown, patterns: LinkPatterns = DEFAULT_LINK_PATTERNS): ParsedPayload {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return refuse("(body)", "expected a JSON object: Datadog's webhook payload");
  }
  const b = body as Record<string, unknown>;
  const id = field(b.id) ?? field(b.event_id);
  if (!id) return refuse("id", "missing `id`: set it to $ID (Datadog's event id, used to drop retried deliveries)");

  const title = field(b.title) ?? field(b.event_title) ?? "";
  const parsedTitle = parseAlertTitle(title);
  const transitionText = field(b.alert_transition) ?? field(b.transition);
  const transition = parseTransition(transitionText) ?? parsedTitle.transition;
  if (!transition && !transitionText) {
    return refuse("alert_transition", "missing `alert_transition`: set it to $ALERT_TRANSITION (or send a `title` starting with [Triggered], [Recovered]...)");
  }

  const message = field(b.body) ?? field(b.event_msg) ?? field(b.text_only_msg);
  const link = field(b.link);
  // The monitor link is read only for what the payload does not say itself (Datadog's default
  // payload): the documented one names the monitor, its scope and its link.
  let found: ReturnType<typeof findMonitorLink>;
  let looked = false;
  const fromLink = () => {
    if (!looked) {
      looked = true;
      found = findMonitorLink([link, message], patterns);
    }
    return found;
  };
  const monitorId = field(b.alert_id) ?? fromLink()?.monitorId;
  const cycleKey = field(b.alert_cycle_key);
  if (!monitorId && !cycleKey) {
    return refuse("alert_id", "missing `alert_id`: set it to $ALERT_ID (and `alert_cycle_key` to $ALERT_CYCLE_KEY); no monitor link was found in `link` or `body` either");
  }
  const scopeText = field(b.alert_scope);
  const scope = scopeText !== undefined ? normalizeScope(scopeText) : (parsedTitle.scope ?? fromLink()?.scope ?? "");

  return {
    ok: true,
    event: {
      id,
      transition,
      transitionText,
      cycleKey,
      monitorId,
      scope,
      title,
      name: parsedTitle.name || (monitorId ? `Monitor ${monitorId}` : "Datadog alert"),
      message,
      link: link ?? fromLink()?.url,
      date: epochMs(field(b.date)) ?? epochMs(field(b.last_updated)),
      priority: field(b.alert_priority) ?? field(b.priority) ?? parsedTitle.priority,
      isTest: parsedTitle.isTest,
    },
  };
}

/** The key events of one alert share: the cycle key, or the monitor and its group. */
export function alertKey(event: Pick<DatadogEvent, "cycleKey" | "monitorId" | "scope">): string {
  return event.cycleKey !== undefined ? `cycle:${event.cycleKey}` : `monitor:${event.monitorId}/${event.scope}`;
}

function refuse(field: string, message: string): ParsedPayload {
  return { ok: false, field, message };
}

// A template variable Datadog could not fill arrives empty or as itself (`$ALERT_CYCLE_KEY`).
function field(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text === "" || text === "null" || /^\$[A-Z_]+$/.test(text)) return undefined;
  return text;
}

// `$DATE` is epoch milliseconds; seconds and ISO dates are accepted too.
function epochMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}
