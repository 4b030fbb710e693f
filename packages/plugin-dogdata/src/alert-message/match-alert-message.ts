import { DEFAULT_LINK_PATTERNS, findMonitorLink, unescapeSlack, type LinkPatterns } from "../payload/monitor-link.js";
import { parseAlertTitle } from "../payload/title.js";
import type { Transition } from "../payload/transition.js";

/** The fields of a Slack message (event or history item) the matcher reads. */
export interface SlackMessageLike {
  ts?: string;
  thread_ts?: string;
  subtype?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  username?: string;
  bot_profile?: { name?: string; app_id?: string };
  attachments?: unknown[];
  blocks?: unknown[];
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Who counts as Datadog. */
export interface SenderRule {
  /** Bot profile names (current app) or usernames (legacy integration), compared case-insensitively. Used only when no id is configured. */
  names: string[];
  botIds: string[];
  appIds: string[];
}

/** An alert message Datadog posted, as far as its monitor, group and state go. */
export interface AlertMessage {
  monitorId: string;
  scope: string;
  transition: Transition | undefined;
  name: string;
  /** Datadog's event id from the message's link: the `$ID` of the webhook delivery for the same event. */
  eventId: string | undefined;
  isTest: boolean;
}

/**
 * Whether Datadog posted a message: by its app or bot id when configured, by its name otherwise.
 * Only apps count (a person pasting a Datadog title is not an alert), and Datadog never posts in threads.
 */
export function isFromDatadog(message: SlackMessageLike, rule: SenderRule): boolean {
  if (message.thread_ts && message.thread_ts !== message.ts) return false;
  const isApp = Boolean(message.bot_id) || message.subtype === "bot_message";
  if (!isApp) return false;
  if (rule.botIds.length || rule.appIds.length) {
    const appId = message.app_id ?? message.bot_profile?.app_id;
    return (message.bot_id !== undefined && rule.botIds.includes(message.bot_id)) || (appId !== undefined && rule.appIds.includes(appId));
  }
  const name = (message.bot_profile?.name ?? message.username ?? "").toLowerCase();
  return name !== "" && rule.names.some((n) => n.toLowerCase() === name);
}

/**
 * Reads the monitor id, group and transition out of a Datadog Slack message: the current app's
 * attachments (`Triggered: name`, `title_link` to the monitor with `group=`), Block Kit layouts, and
 * the legacy integration's `[Triggered] name` text. `undefined` when no monitor can be found.
 * It does not check the sender: see `isFromDatadog`.
 */
export function readAlertMessage(message: SlackMessageLike, patterns: LinkPatterns = DEFAULT_LINK_PATTERNS): AlertMessage | undefined {
  const attachments = (message.attachments ?? []).filter(isObject);
  const blockTexts = collectBlockTexts(message.blocks ?? []);
  const link = findMonitorLink(
    [
      ...attachments.flatMap((a) => [str(a.title_link), str(a.from_url)]),
      ...attachments.flatMap((a) => (Array.isArray(a.actions) ? a.actions.filter(isObject).map((x) => str(x.url)) : [])),
      ...blockTexts,
      ...attachments.flatMap((a) => [str(a.pretext), str(a.text), str(a.fallback)]),
      message.text,
    ],
    patterns,
  );
  if (!link) return undefined;
  const title = titleOf(message, attachments, blockTexts);
  const parsed = parseAlertTitle(title);
  return {
    monitorId: link.monitorId,
    scope: link.scope ?? parsed.scope ?? "",
    transition: parsed.transition,
    name: parsed.name,
    eventId: link.eventId,
    isTest: parsed.isTest,
  };
}

// The current app puts the title in the first attachment; the legacy one in the text, often as a link label.
function titleOf(message: SlackMessageLike, attachments: Array<Record<string, unknown>>, blockTexts: string[]): string {
  const candidates = [...attachments.map((a) => str(a.title)), ...blockTexts, message.text];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const line = unescapeSlack(candidate.replace(/<[^|>]*\|([^>]*)>/g, "$1"))
      .split("\n")[0]!
      .replace(/^[*_~\s]+|[*_~\s]+$/g, "");
    if (line) return line;
  }
  return "";
}

// Text and URLs of header, section, context and actions blocks, in order.
function collectBlockTexts(blocks: unknown[]): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    if (typeof node.url === "string") out.push(node.url);
    if (typeof node.text === "string") out.push(node.text);
    for (const key of ["text", "fields", "elements", "accessory"]) if (typeof node[key] === "object") visit(node[key]);
  };
  visit(blocks);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
