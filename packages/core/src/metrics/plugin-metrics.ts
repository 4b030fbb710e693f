import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";

/**
 * What a plugin reports about its own work (`ctx.metrics`), for the host's `/metrics`: a gauge
 * `botyard_plugin_<name>` or a counter `botyard_plugin_<name>_total`, labelled with the bot's id
 * and the labels given. Keep labels to a few bounded values (a repository, a resource), never ids
 * of events or users: every distinct set of labels is a series the host keeps forever.
 */
export interface PluginMetrics {
  /** Sets a gauge to `value` (remaining API rate-limit points, a backlog...). */
  gauge(name: string, value: number, labels?: Record<string, string>): void;
  /** Adds `by` (default 1) to a counter. */
  count(name: string, by?: number, labels?: Record<string, string>): void;
}

/** One reported value, as engine observers receive it. */
export interface MetricSample {
  bot: string;
  plugin: string;
  kind: "gauge" | "counter";
  /** The plugin's name for it, without the `botyard_plugin_` prefix or the `_total` suffix. */
  name: string;
  /** For a counter, the increment. */
  value: number;
  labels: Record<string, string>;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const LABEL = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_LABELS = 4;
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The `ctx.metrics` of one bot: checks what it is given and hands each sample to `report`. */
export function pluginMetrics(bot: { id: string; plugin: string }, report: (sample: MetricSample) => void): PluginMetrics {
  const sample = (kind: MetricSample["kind"], name: string, value: number, labels: Record<string, string> | undefined) => {
    check(kind, name, value, labels);
    report({ bot: bot.id, plugin: bot.plugin, kind, name: kind === "counter" ? name.replace(/_total$/, "") : name, value, labels: labels ?? NO_LABELS });
  };
  return {
    gauge: (name, value, labels) => sample("gauge", name, value, labels),
    count: (name, by = 1, labels) => sample("counter", name, by, labels),
  };
}

function check(kind: MetricSample["kind"], name: string, value: number, labels: Record<string, string> | undefined): void {
  const fail = (what: string) => {
    throw new BotyardError(ErrorCodes.METRIC_INVALID, `ctx.metrics.${kind === "gauge" ? "gauge" : "count"}("${name}"): ${what}.`, {
      hint: "Metric and label names are lowercase snake_case (a-z, 0-9, _); values are finite numbers; at most 4 labels, and not `bot` (the host adds it).",
    });
  };
  if (!NAME.test(name)) fail("the name must be lowercase snake_case");
  if (!Number.isFinite(value)) fail(`the value ${String(value)} is not a finite number`);
  if (kind === "counter" && value < 0) fail("a counter only goes up");
  if (!labels) return;
  const names = Object.keys(labels);
  if (names.length > MAX_LABELS) fail(`${names.length} labels is more than ${MAX_LABELS}`);
  for (const label of names) {
    if (!LABEL.test(label) || label === "bot") fail(`the label name "${label}" is not allowed`);
    if (typeof labels[label] !== "string") fail(`the label "${label}" must be a string`);
  }
}
