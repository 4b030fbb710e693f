import { describe, expect, it } from "vitest";
import { datadogAttachments, legacyDatadogText, monitorLink } from "../samples/datadog-samples.js";
import { DEFAULT_LINK_PATTERNS } from "../payload/monitor-link.js";
import { isFromDatadog, readAlertMessage } from "./match-alert-message.js";
import { ownAlertMetadata, readOwnAlert } from "./own-alert.js";

const rule = { names: ["Datadog"], botIds: [], appIds: [] };
const alert = { monitorId: "123", scope: "host:web-1,env:prod", name: "CPU high", eventId: "555" };
const datadogApp = { bot_id: "B0DD", app_id: "A0DD", user: "U0DD", bot_profile: { name: "Datadog", app_id: "A0DD" } };

describe("recognising Datadog's alert messages", () => {
  it("reads the current app's attachments: monitor id and group from title_link, transition from the title", () => {
    const message = { ...datadogApp, ts: "1.000001", text: "", attachments: datadogAttachments({ ...alert, transition: "Re-Triggered", site: "us5.datadoghq.com" }) };
    expect(isFromDatadog(message, rule)).toBe(true);
    expect(readAlertMessage(message)).toEqual({ monitorId: "123", scope: "env:prod,host:web-1", transition: "Re-Triggered", name: "CPU high", eventId: "555", isTest: false });
  });

  it("reads the legacy integration's text, group from the title when the link has none", () => {
    const message = { subtype: "bot_message", username: "Datadog", bot_id: "B0OLD", ts: "1.000002", text: legacyDatadogText({ monitorId: "9", name: "Disk", transition: "Triggered" }).replace("[Triggered]", "[Triggered on {host:db-1}]") };
    expect(isFromDatadog(message, rule)).toBe(true);
    expect(readAlertMessage(message)).toMatchObject({ monitorId: "9", scope: "host:db-1", transition: "Triggered", name: "Disk" });
  });

  it("reads Block Kit layouts and Slack-escaped links", () => {
    const link = monitorLink(alert).replace(/&/g, "&amp;");
    const message = { ...datadogApp, ts: "1.3", text: "", blocks: [{ type: "section", text: { type: "mrkdwn", text: `*<${link}|Recovered: CPU high>*` } }] };
    expect(readAlertMessage(message)).toMatchObject({ monitorId: "123", scope: "env:prod,host:web-1", transition: "Recovered", eventId: "555" });
  });

  it("goes by the sender: people, other apps and thread replies are not Datadog, and configured ids win over names", () => {
    expect(isFromDatadog({ user: "U0ALICE", ts: "1", text: monitorLink(alert) }, rule)).toBe(false);
    expect(isFromDatadog({ bot_id: "B0OPS", bot_profile: { name: "Opsgenie" }, ts: "1" }, rule)).toBe(false);
    expect(isFromDatadog({ ...datadogApp, ts: "2", thread_ts: "1" }, rule)).toBe(false);
    expect(isFromDatadog(datadogApp, { names: ["Datadog"], botIds: ["B0OTHER"], appIds: [] })).toBe(false);
    expect(isFromDatadog({ bot_id: "B0X", bot_profile: { name: "Renamed" }, app_id: "A0DD" }, { names: [], botIds: [], appIds: ["A0DD"] })).toBe(true);
  });

  it("finds nothing in a message without a monitor, and takes custom patterns", () => {
    expect(readAlertMessage({ ...datadogApp, ts: "1", text: "Triggered: CPU high" })).toBeUndefined();
    const custom = { monitor: /Monitor ID: (\d+)/, scope: DEFAULT_LINK_PATTERNS.scope };
    expect(readAlertMessage({ ...datadogApp, ts: "1", text: "Triggered: CPU high\nMonitor ID: 77" }, custom)).toMatchObject({ monitorId: "77", scope: "", transition: "Triggered" });
  });

  it("recognises the bot's own alert posts by bot id and metadata only", () => {
    const metadata = ownAlertMetadata({ id: "1", transition: "Triggered", transitionText: "Triggered", cycleKey: "k", monitorId: "5", scope: "host:a", title: "", name: "CPU", message: undefined, link: undefined, date: undefined, priority: undefined, isTest: false });
    expect(readOwnAlert({ bot_id: "B0SELF", ts: "1", metadata }, "B0SELF")).toMatchObject({ monitorId: "5", scope: "host:a", cycleKey: "k", eventId: "1", transition: "Triggered" });
    expect(readOwnAlert({ bot_id: "B0OTHER", ts: "1", metadata }, "B0SELF")).toBeUndefined();
    expect(readOwnAlert({ bot_id: "B0SELF", ts: "1" }, "B0SELF")).toBeUndefined();
  });
});
