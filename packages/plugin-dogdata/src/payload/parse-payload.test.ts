import { describe, expect, it } from "vitest";
import { defaultPayload, webhookPayload } from "../samples/datadog-samples.js";
import { alertKey, parseDatadogPayload, type DatadogEvent, type ParsedPayload } from "./parse-payload.js";
import { normalizeScope } from "./scope.js";
import { parseAlertTitle } from "./title.js";
import { parseTransition, transitionKind } from "./transition.js";

describe("Datadog titles", () => {
  it.each([
    ["[P2] [Triggered on {host:web-1,env:prod}] CPU high", { transition: "Triggered", scope: "env:prod,host:web-1", name: "CPU high", priority: "P2", isTest: false }],
    ["[Recovered on {host:web-1}] CPU high", { transition: "Recovered", scope: "host:web-1", name: "CPU high", priority: undefined, isTest: false }],
    ["[Re-Triggered] Disk [sda] full", { transition: "Re-Triggered", scope: undefined, name: "Disk [sda] full", priority: undefined, isTest: false }],
    ["[TEST] [No Data on {service:api}] Heartbeat", { transition: "No Data", scope: "service:api", name: "Heartbeat", priority: undefined, isTest: true }],
    ["Warn: Latency p99", { transition: "Warn", scope: undefined, name: "Latency p99", priority: undefined, isTest: false }],
    ["Re-No Data: Heartbeat", { transition: "Re-No Data", scope: undefined, name: "Heartbeat", priority: undefined, isTest: false }],
    ["Deploy finished", { transition: undefined, scope: undefined, name: "Deploy finished", priority: undefined, isTest: false }],
  ])("reads %j", (title, expected) => {
    expect(parseAlertTitle(title)).toEqual(expected);
  });

  it("knows every transition and what it means for the alert message", () => {
    expect(["Recovered", "warn recovered", "TRIGGERED", "re-triggered", "Retriggered", "No Data", "renotify"].map((t) => [parseTransition(t), transitionKind(parseTransition(t)!)])).toEqual([
      ["Recovered", "recovery"],
      ["Warn Recovered", "recovery"],
      ["Triggered", "opening"],
      ["Re-Triggered", "repeat"],
      ["Re-Triggered", "repeat"],
      ["No Data", "opening"],
      ["Renotify", "repeat"],
    ]);
    expect(parseTransition("Muted")).toBeUndefined();
  });

  it("gives a group one form whatever its source: trimmed, sorted, a simple alert empty", () => {
    expect(normalizeScope(" {env:prod, host:web-1} ")).toBe("env:prod,host:web-1");
    expect(normalizeScope("host:web-1,env:prod")).toBe("env:prod,host:web-1");
    expect(normalizeScope("url: http://x:8080 ")).toBe("url:http://x:8080");
    expect([normalizeScope("*"), normalizeScope(""), normalizeScope(undefined)]).toEqual(["", "", ""]);
  });
});

describe("webhook payloads", () => {
  it("reads Botyard's documented payload", () => {
    const parsed = parseDatadogPayload(webhookPayload({ monitorId: "42", scope: "host:web-1", name: "CPU", transition: "Recovered", cycleKey: "k1", eventId: "99", date: 1_700_000_000_000 }));
    expect(parsed).toEqual({
      ok: true,
      event: expect.objectContaining({ id: "99", transition: "Recovered", cycleKey: "k1", monitorId: "42", scope: "host:web-1", name: "CPU", date: 1_700_000_000_000, priority: "P2", isTest: false }),
    });
    expect(alertKey(eventOf(parsed))).toBe("cycle:k1");
  });

  it("reads Datadog's default payload: transition and group from the title, monitor from the body's link", () => {
    const parsed = parseDatadogPayload(defaultPayload({ monitorId: "42", scope: "env:prod", name: "CPU", transition: "Warn", eventId: "7" }));
    expect(parsed).toMatchObject({ ok: true, event: { id: "7", transition: "Warn", cycleKey: undefined, monitorId: "42", scope: "env:prod", name: "CPU" } });
    expect(alertKey(eventOf(parsed))).toBe("monitor:42/env:prod");
  });

  it("treats variables Datadog could not fill (empty, or left as $NAME) as absent", () => {
    const body = { ...webhookPayload({ monitorId: "42", name: "CPU" }), alert_cycle_key: "$ALERT_CYCLE_KEY", alert_scope: "" };
    expect(parseDatadogPayload(body)).toMatchObject({ ok: true, event: { cycleKey: undefined, scope: "" } });
  });

  it("keeps a transition it does not know, for the log, rather than refusing it", () => {
    expect(parseDatadogPayload({ ...webhookPayload({ monitorId: "1", name: "x" }), alert_transition: "Muted", title: "Muted" })).toMatchObject({ ok: true, event: { transition: undefined, transitionText: "Muted" } });
  });

  it("accepts $DATE in milliseconds, seconds or as an ISO date", () => {
    const at = (date: string) => eventOf(parseDatadogPayload({ ...webhookPayload({ monitorId: "1", name: "x" }), date })).date;
    expect([at("1700000000000"), at("1700000000"), at("2023-11-14T22:13:20Z")]).toEqual([1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000]);
  });

  it("refuses what it cannot use, naming the field and the variable that fills it", () => {
    expect(parseDatadogPayload("text")).toMatchObject({ ok: false, field: "(body)" });
    expect(parseDatadogPayload({ title: "[Triggered] x", alert_id: "1" })).toMatchObject({ ok: false, field: "id", message: expect.stringContaining("$ID") });
    expect(parseDatadogPayload({ id: "1", title: "CPU", alert_id: "1" })).toMatchObject({ ok: false, field: "alert_transition", message: expect.stringContaining("$ALERT_TRANSITION") });
    expect(parseDatadogPayload({ id: "1", title: "[Triggered] CPU" })).toMatchObject({ ok: false, field: "alert_id", message: expect.stringContaining("$ALERT_ID") });
  });
});

function eventOf(parsed: ParsedPayload): DatadogEvent {
  if (!parsed.ok) throw new Error(`refused: ${parsed.message}`);
  return parsed.event;
}
