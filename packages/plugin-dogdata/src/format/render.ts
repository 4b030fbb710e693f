import { renderTemplate, truncate } from "@botyard/core";
import { SLACK_LIMITS, formatDuration, messageUrl, safeUrl } from "@botyard/slack-threads";
import type { DatadogEvent } from "../payload/parse-payload.js";
import type { Transition } from "../payload/transition.js";

// Fields are cut first, then the whole text to Block Kit's section limit, so that links survive.
const NAME_MAX = 300;
const SCOPE_MAX = 300;
const MESSAGE_MAX = 1_500;

const EMOJI: Record<Transition, string> = {
  Triggered: ":red_circle:",
  "Re-Triggered": ":red_circle:",
  Renotify: ":red_circle:",
  Warn: ":warning:",
  "Re-Warn": ":warning:",
  "No Data": ":grey_question:",
  "Re-No Data": ":grey_question:",
  Recovered: ":white_check_mark:",
  "Warn Recovered": ":white_check_mark:",
};

export interface RenderContext {
  /** The alert message a reply belongs to. */
  original?: { channel: string; ts: string } | undefined;
  /** `https://acme.slack.com/` from auth.test, for links to messages. */
  workspaceUrl?: string | undefined;
  /** When the alert opened (epoch ms), for `{{duration}}`. */
  openedAt?: number | undefined;
}

/** A Slack message body: the rendered template as a section block, and the same as notification text. */
export interface MessageBody {
  text: string;
  blocks: Array<{ type: "section"; text: { type: "mrkdwn"; text: string } }>;
}

/**
 * Fills a template for one Datadog event. Everything that came from Datadog is escaped by
 * `renderTemplate` (a title holding `<!channel>` pings nobody); links are built here from
 * checked URLs, which is why they are the only triple-brace placeholders.
 */
export function renderMessage(template: string, event: DatadogEvent, context: RenderContext = {}): MessageBody {
  const datadogUrl = safeUrl(event.link);
  const originalUrl = context.original && context.workspaceUrl ? messageUrl(context.workspaceUrl, context.original.channel, context.original.ts) : undefined;
  const datadogLink = datadogUrl ? `<${datadogUrl}|View in Datadog>` : "";
  const originalLink = originalUrl ? `<${originalUrl}|alert message>` : "";
  const links = [datadogLink, originalLink].filter(Boolean);
  const scope = truncate(event.scope.replace(/,/g, ", "), SCOPE_MAX);
  const end = event.date ?? Date.now();
  const text = renderTemplate(template, {
    name: truncate(event.name, NAME_MAX),
    title: truncate(event.title, NAME_MAX),
    transition: event.transition ?? event.transitionText ?? "",
    emoji: event.transition ? EMOJI[event.transition] : ":grey_question:",
    scope,
    scope_suffix: scope ? ` on {${scope}}` : "",
    monitor_id: event.monitorId ?? "",
    priority: event.priority ?? "",
    duration: context.openedAt !== undefined ? formatDuration(end - context.openedAt) : "a while",
    message: truncate(cleanMessage(event.message ?? ""), MESSAGE_MAX),
    links: links.length ? ` · ${links.join(" · ")}` : "",
    datadog_link: datadogLink,
    original_link: originalLink,
  }).trim();
  const bounded = truncate(text || (event.transition ?? "Datadog alert"), SLACK_LIMITS.sectionText);
  return { text: bounded, blocks: [{ type: "section", text: { type: "mrkdwn", text: bounded } }] };
}

// Datadog wraps Markdown messages in %%% fences.
function cleanMessage(message: string): string {
  return message.replace(/^\s*%%%\s*/, "").replace(/\s*%%%\s*$/, "").trim();
}
