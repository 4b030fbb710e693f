import { describe, expect, it } from "vitest";
import type { DatadogEvent } from "../payload/parse-payload.js";
import { formatDuration, messageUrl, safeUrl } from "@botyard/slack-threads";
import { renderMessage } from "./render.js";

const event: DatadogEvent = {
  id: "1",
  transition: "Recovered",
  transitionText: "Recovered",
  cycleKey: undefined,
  monitorId: "42",
  scope: "env:prod,host:web-1",
  title: "[Recovered on {env:prod,host:web-1}] CPU > 90% <!here>",
  name: "CPU > 90% <!here>",
  message: "%%%\nCPU back to normal\n%%%",
  link: "https://app.datadoghq.com/monitors/42?group=host%3Aweb-1&from_ts=1",
  date: 1_700_000_600_000,
  priority: "P1",
  isTest: false,
};

describe("rendering messages", () => {
  it("fills a template, escaping Datadog's text and building the links itself", () => {
    const body = renderMessage("{{emoji}} {{transition}} after {{duration}}: {{name}}{{scope_suffix}} [{{priority}}] {{message}}{{{links}}}", event, {
      original: { channel: "C1", ts: "1700000000.000100" },
      workspaceUrl: "https://acme.slack.com/",
      openedAt: 1_700_000_000_000,
    });
    expect(body.text).toBe(
      ":white_check_mark: Recovered after 10m 0s: CPU &gt; 90% &lt;!here&gt; on {env:prod, host:web-1} [P1] CPU back to normal · <https://app.datadoghq.com/monitors/42?group=host%3Aweb-1&amp;from_ts=1|View in Datadog> · <https://acme.slack.com/archives/C1/p1700000000000100|alert message>",
    );
    expect(body.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: body.text } }]);
  });

  it("leaves out links it cannot make safely", () => {
    expect(renderMessage("{{name}}{{{links}}}", { ...event, link: "javascript:alert(1)" }).text).toBe("CPU &gt; 90% &lt;!here&gt;");
    expect(safeUrl("https://x.test/a|b>c<d")).toBe("https://x.test/a%7Cb%3Ec%3Cd");
    expect(safeUrl("https://x.test/a b")).toBeUndefined();
  });

  it("keeps within a section's 3,000 characters however long Datadog's text is", () => {
    const huge = "y".repeat(100_000);
    const body = renderMessage("{{name}} {{message}} {{title}}", { ...event, name: huge, title: huge, message: huge });
    expect(body.text.length).toBeLessThanOrEqual(3_000);
  });

  it("says durations the way people do", () => {
    expect([12_000, 250_000, 3_900_000, 270_000_000].map(formatDuration)).toEqual(["12s", "4m 10s", "1h 5m", "3d 3h"]);
    expect(messageUrl("https://acme.slack.com", "C1", "1.000200")).toBe("https://acme.slack.com/archives/C1/p1000200");
  });
});
