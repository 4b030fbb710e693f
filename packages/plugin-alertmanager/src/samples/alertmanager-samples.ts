// What Alertmanager and Grafana send, for tests of an alertmanager bot (shipped as
// `@botyard/plugin-alertmanager/samples`).

import { createHash } from "node:crypto";

export const FIRING_ENDS_AT = "0001-01-01T00:00:00Z";

export interface SampleAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: "firing" | "resolved";
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Alertmanager's fingerprint stand-in: stable per label set, 16 hex digits like the real one. */
export function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\xff");
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

/** An Alertmanager webhook body (payload version 4) for one group. */
export function alertmanagerPayload(options: {
  alerts: SampleAlert[];
  groupLabels?: Record<string, string>;
  receiver?: string;
  groupKey?: string;
  externalURL?: string;
}): Record<string, unknown> {
  const groupLabels = options.groupLabels ?? { alertname: options.alerts[0]?.labels.alertname ?? "Test" };
  const alerts = options.alerts.map((a) => {
    const status = a.status ?? "firing";
    return {
      status,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt ?? "2026-12-07T10:00:00Z",
      endsAt: status === "resolved" ? (a.endsAt ?? "2026-12-07T10:05:00Z") : FIRING_ENDS_AT,
      generatorURL: a.generatorURL ?? "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
      fingerprint: fingerprint(a.labels),
    };
  });
  const common = (key: "labels" | "annotations") => {
    const first = options.alerts[0]?.[key] ?? {};
    return Object.fromEntries(Object.entries(first).filter(([k, v]) => options.alerts.every((a) => (a[key] ?? {})[k] === v)));
  };
  return {
    version: "4",
    groupKey: options.groupKey ?? `{}:{${Object.entries(groupLabels).map(([k, v]) => `${k}="${v}"`).join(", ")}}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver: options.receiver ?? "slack",
    groupLabels,
    commonLabels: common("labels"),
    commonAnnotations: common("annotations"),
    externalURL: options.externalURL ?? "http://alertmanager.example:9093",
    alerts,
  };
}

export { GRAFANA_DOCS_URL, grafanaFiring, grafanaResolved } from "./grafana-samples.js";
