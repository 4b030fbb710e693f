import { createHash } from "node:crypto";
import { Type, type Static } from "@botyard/core";

// Alertmanager's webhook body, payload version 4 (prometheus/alertmanager v0.25 notify/webhook and
// template/template.go), and Grafana's webhook contact point, which sends the same shape with
// `version: "1"` and extra fields (grafana/alerting receivers/webhook). Fields beyond these are
// allowed: later Alertmanager versions add some (`notification_reason`, `routeLabels`).

const LabelSet = Type.Record(Type.String(), Type.String());

export const WebhookAlert = Type.Object({
  status: Type.Union([Type.Literal("firing"), Type.Literal("resolved")]),
  labels: LabelSet,
  annotations: Type.Record(Type.String(), Type.String(), { default: {} }),
  startsAt: Type.String({ minLength: 1 }),
  /** `0001-01-01T00:00:00Z` while firing. */
  endsAt: Type.String({ default: "0001-01-01T00:00:00Z" }),
  generatorURL: Type.String({ default: "" }),
  fingerprint: Type.String({ minLength: 1 }),
  // Grafana's extras.
  silenceURL: Type.Optional(Type.String()),
  dashboardURL: Type.Optional(Type.String()),
  panelURL: Type.Optional(Type.String()),
  values: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()])),
  valueString: Type.Optional(Type.String()),
});

export const WebhookPayload = Type.Object({
  version: Type.String(),
  groupKey: Type.String({ minLength: 1 }),
  truncatedAlerts: Type.Integer({ minimum: 0, default: 0 }),
  status: Type.Union([Type.Literal("firing"), Type.Literal("resolved")]),
  /** Alertmanager escapes it with regexp.QuoteMeta (`a.b` arrives as `a\.b`). */
  receiver: Type.String(),
  groupLabels: Type.Record(Type.String(), Type.String(), { default: {} }),
  commonLabels: Type.Record(Type.String(), Type.String(), { default: {} }),
  commonAnnotations: Type.Record(Type.String(), Type.String(), { default: {} }),
  externalURL: Type.String({ default: "" }),
  alerts: Type.Array(WebhookAlert),
  // Grafana's extras.
  orgId: Type.Optional(Type.Number()),
  title: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export type WebhookAlert = Static<typeof WebhookAlert>;
export type WebhookPayload = Static<typeof WebhookPayload>;

/** The receiver as configured (Alertmanager sends it regexp-quoted). */
export function receiverName(payload: Pick<WebhookPayload, "receiver">): string {
  return payload.receiver.replace(/\\(.)/g, "$1");
}

/**
 * What makes a delivery new: the group and each alert's state. Alertmanager re-sends an unchanged
 * group every `repeat_interval` and retries failed sends; both carry the same key and are
 * answered as duplicates at the door.
 */
export function deliveryKey(payload: WebhookPayload): string {
  const alerts = payload.alerts.map((a) => [a.fingerprint, a.status, a.startsAt, a.status === "resolved" ? a.endsAt : ""]).sort();
  return createHash("sha256").update(JSON.stringify([receiverName(payload), payload.groupKey, alerts])).digest("hex").slice(0, 40);
}

/** An alert's time of its current state: a later state of the same alert wins, whatever order deliveries come in. */
export function stateTime(alert: Pick<WebhookAlert, "status" | "startsAt" | "endsAt">): number {
  const at = Date.parse(alert.status === "resolved" && alert.endsAt ? alert.endsAt : alert.startsAt);
  return Number.isFinite(at) ? at : 0;
}
