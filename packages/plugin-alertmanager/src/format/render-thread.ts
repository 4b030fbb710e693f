import { escapeSlack, truncate } from "@botyard/core";
import { context, fallbackText, fitBlocks, formatDuration, header, section, slackLink, type Block } from "@botyard/slack-threads";
import type { AlertState, Changes, ThreadRecord } from "../thread/thread-state.js";
import { counts } from "../thread/thread-state.js";

export interface MessageBody {
  text: string;
  blocks: Block[];
}

export interface RenderOptions {
  /** Labels shown beside alertname, when present. */
  labels: string[];
}

const LABEL_MAX = 200;
const ANNOTATION_MAX = 1_000;
/** Alerts listed on the top message; a bigger group lists these and says how many more. */
const LISTED_ALERTS = 40;

/**
 * The top message: status, alert names, the labels that matter, and each alert's summary and
 * links. Everything that came from the sender is escaped (a label holding `<!channel>` pings
 * nobody); links are built only from http(s) URLs.
 */
export function renderTop(record: ThreadRecord, options: RenderOptions): MessageBody {
  const alerts = Object.entries(record.alerts).sort(([, a], [, b]) => Number(b.status === "firing") - Number(a.status === "firing") || a.startsAt.localeCompare(b.startsAt));
  const { firing, resolved } = counts(record.alerts);
  const names = [...new Set(alerts.map(([, a]) => a.labels.alertname ?? "alert"))];
  const resolvedAll = firing === 0;
  const status = resolvedAll ? ":white_check_mark: RESOLVED" : `:fire: FIRING: ${firing}`;
  const title = `${status} · ${names.join(", ")}`;
  const blocks: Block[] = [
    header(title),
    section(
      [
        resolvedAll ? `*Resolved* · all ${resolved} alert${resolved === 1 ? "" : "s"}` : `*${firing} firing*${resolved ? ` · ${resolved} resolved` : ""}`,
        labelLine(record.groupLabels, Object.keys(record.groupLabels)),
      ]
        .filter(Boolean)
        .join("\n"),
    ),
  ];
  for (const [, alert] of alerts.slice(0, LISTED_ALERTS)) blocks.push(section(alertLine(alert, record.externalURL, options)));
  if (alerts.length > LISTED_ALERTS) blocks.push(context([`_…and ${alerts.length - LISTED_ALERTS} more alerts_`]));
  const am = slackLink(record.externalURL, "Alertmanager");
  blocks.push(context([am ?? "", `receiver: ${escapeSlack(truncate(record.receiver, LABEL_MAX))}`]));
  return { text: fallbackText(escapeSlack(title)), blocks: fitBlocks(blocks) };
}

/** A reply in the thread: what changed since the last message, in one post however many changes it gathers. */
export function renderReply(record: ThreadRecord, changes: Changes, options: RenderOptions & { reopened: boolean; openedAt?: number | undefined }): MessageBody {
  const line = (fps: string[]) => fps.map((fp) => record.alerts[fp]).filter((a): a is AlertState => a !== undefined);
  const { firing } = counts(record.alerts);
  const parts: string[] = [];
  if (options.reopened) parts.push(":rotating_light: *Firing again*: the thread is reopened.");
  if (changes.firing.length) parts.push(`:red_circle: *${changes.firing.length} firing*:\n${bullets(line(changes.firing), options)}`);
  if (changes.firingAgain.length) parts.push(`:repeat: *${changes.firingAgain.length} firing again*:\n${bullets(line(changes.firingAgain), options)}`);
  if (changes.resolved.length) parts.push(`:large_green_circle: *${changes.resolved.length} resolved*:\n${bullets(line(changes.resolved), options)}`);
  if (firing === 0) parts.push(`:white_check_mark: *All resolved*${options.openedAt !== undefined ? ` after ${formatDuration(Date.now() - options.openedAt)}` : ""}.`);
  else parts.push(`_${firing} firing now._`);
  const text = parts.join("\n");
  return { text: fallbackText(text), blocks: fitBlocks(parts.map((p) => section(p))) };
}

function bullets(alerts: AlertState[], options: RenderOptions): string {
  const shown = alerts.slice(0, 10).map((a) => `• ${escapeSlack(truncate(a.labels.alertname ?? "alert", LABEL_MAX))}${labelSuffix(a, options)}`);
  if (alerts.length > 10) shown.push(`• …and ${alerts.length - 10} more`);
  return shown.join("\n");
}

function labelSuffix(alert: AlertState, options: RenderOptions): string {
  const line = labelLine(alert.labels, options.labels);
  return line ? ` (${line})` : "";
}

function labelLine(labels: Record<string, string>, names: string[]): string {
  return names
    .filter((n) => labels[n] !== undefined && labels[n] !== "")
    .map((n) => `${escapeSlack(n)}=${escapeSlack(truncate(labels[n] ?? "", LABEL_MAX))}`)
    .join(", ");
}

function alertLine(alert: AlertState, externalURL: string, options: RenderOptions): string {
  const emoji = alert.status === "firing" ? ":red_circle:" : ":large_green_circle:";
  const name = escapeSlack(truncate(alert.labels.alertname ?? "alert", LABEL_MAX));
  const summary = alert.annotations.summary ? ` — ${escapeSlack(truncate(alert.annotations.summary, ANNOTATION_MAX))}` : "";
  const description = alert.annotations.description ? `\n${escapeSlack(truncate(alert.annotations.description, ANNOTATION_MAX))}` : "";
  const labels = labelLine(alert.labels, options.labels);
  const links = [
    slackLink(alert.generatorURL, "Source"),
    slackLink(alert.annotations.runbook_url ?? alert.annotations.runbook, "Runbook"),
    slackLink(alert.dashboardURL, "Dashboard"),
    slackLink(alert.panelURL, "Panel"),
    alert.status === "firing" ? slackLink(alert.silenceURL ?? silenceUrl(externalURL, alert.labels), "Silence") : undefined,
  ].filter(Boolean);
  return `${emoji} *${name}*${summary}${labels ? `\n${labels}` : ""}${description}${links.length ? `\n${links.join(" · ")}` : ""}`;
}

/** Alertmanager's UI, a new silence prefilled with the alert's labels. */
export function silenceUrl(externalURL: string, labels: Record<string, string>): string | undefined {
  if (!/^https?:\/\//i.test(externalURL)) return undefined;
  const filter = `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/["\\]/g, "\\$&")}"`)
    .join(",")}}`;
  return `${externalURL.replace(/\/+$/, "")}/#/silences/new?filter=${encodeURIComponent(filter)}`;
}
