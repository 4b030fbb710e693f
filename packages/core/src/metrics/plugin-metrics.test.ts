import { describe, expect, it } from "vitest";
import { pluginMetrics, type MetricSample } from "./plugin-metrics.js";

describe("ctx.metrics", () => {
  const record = () => {
    const samples: MetricSample[] = [];
    return { samples, metrics: pluginMetrics({ id: "release", plugin: "release" }, (s) => samples.push(s)) };
  };

  it("hands gauges and counters to the host with the bot, the plugin and the labels", () => {
    const { samples, metrics } = record();
    metrics.gauge("github_rate_limit_remaining", 4990, { resource: "core" });
    metrics.count("prs_opened");
    metrics.count("prs_opened_total", 2);
    expect(samples).toEqual([
      { bot: "release", plugin: "release", kind: "gauge", name: "github_rate_limit_remaining", value: 4990, labels: { resource: "core" } },
      { bot: "release", plugin: "release", kind: "counter", name: "prs_opened", value: 1, labels: {} },
      { bot: "release", plugin: "release", kind: "counter", name: "prs_opened", value: 2, labels: {} },
    ]);
  });

  it.each([
    ["a name that is not snake_case", (m: ReturnType<typeof record>["metrics"]) => m.gauge("Rate-Limit", 1)],
    ["a value that is not finite", (m: ReturnType<typeof record>["metrics"]) => m.gauge("x", Number.NaN)],
    ["a counter going down", (m: ReturnType<typeof record>["metrics"]) => m.count("x", -1)],
    ["the label the host adds", (m: ReturnType<typeof record>["metrics"]) => m.gauge("x", 1, { bot: "other" })],
    ["too many labels", (m: ReturnType<typeof record>["metrics"]) => m.gauge("x", 1, { a: "1", b: "2", c: "3", d: "4", e: "5" })],
    ["a label that is not a string", (m: ReturnType<typeof record>["metrics"]) => m.gauge("x", 1, { a: 1 as never })],
  ])("refuses %s with BOTYARD_ERR_METRIC_INVALID, reporting nothing", (_what, call) => {
    const { samples, metrics } = record();
    expect(() => call(metrics)).toThrow(expect.objectContaining({ code: "BOTYARD_ERR_METRIC_INVALID" }));
    expect(samples).toEqual([]);
  });
});
