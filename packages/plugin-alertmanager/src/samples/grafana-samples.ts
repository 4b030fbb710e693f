// Grafana's webhook contact point payload, from Grafana's documentation:
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
// (the same example on the v11.0-v11.5 pages). The alerts are the documented example's; the
// group fields are filled in the way Grafana fills them (receivers/webhook/v1/webhook.go).

export const GRAFANA_DOCS_URL = "https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/";

export function grafanaFiring(): Record<string, unknown> {
  return {
    receiver: "My Super Webhook",
    status: "firing",
    orgId: 1,
    alerts: [
      {
        status: "firing",
        labels: { alertname: "High memory usage", team: "blue", zone: "us-1" },
        annotations: {
          description: "The system has high memory usage",
          runbook_url: "https://myrunbook.com/runbook/1234",
          summary: "This alert was triggered for zone us-1",
        },
        startsAt: "2021-10-12T09:51:03.157076+02:00",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "https://play.grafana.org/alerting/1afz29v7z/edit",
        fingerprint: "c6eadffa33fcdf37",
        silenceURL: "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
        dashboardURL: "",
        panelURL: "",
        values: { B: 44.23943737541908, C: 1 },
      },
      {
        status: "firing",
        labels: { alertname: "High CPU usage", team: "blue", zone: "eu-1" },
        annotations: {
          description: "The system has high CPU usage",
          runbook_url: "https://myrunbook.com/runbook/1234",
          summary: "This alert was triggered for zone eu-1",
        },
        startsAt: "2021-10-12T09:56:03.157076+02:00",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "https://play.grafana.org/alerting/d1rdpdv7k/edit",
        fingerprint: "bc97ff14869b13e3",
        silenceURL: "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1",
        dashboardURL: "",
        panelURL: "",
        values: { B: 44.23943737541908, C: 1 },
      },
    ],
    groupLabels: {},
    commonLabels: { team: "blue" },
    commonAnnotations: {},
    externalURL: "https://play.grafana.org/",
    version: "1",
    groupKey: '{}:{alertname="T1"}',
    truncatedAlerts: 0,
    title: "[FIRING:2]  (blue)",
    state: "alerting",
    message: "**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\n...",
  };
}

/** The same group once both alerts resolved (Grafana: status and state change, endsAt set). */
export function grafanaResolved(): Record<string, unknown> {
  const firing = grafanaFiring();
  const alerts = (firing.alerts as Array<Record<string, unknown>>).map((a) => ({ ...a, status: "resolved", endsAt: "2021-10-12T10:20:00+02:00" }));
  return { ...firing, status: "resolved", state: "ok", title: "[RESOLVED]  (blue)", alerts };
}
