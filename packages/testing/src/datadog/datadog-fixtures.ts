// What Datadog sends and posts, as the shared notes describe it (external-apis.md), for tests and the benchmark.

export interface FixtureAlert {
  monitorId: string;
  /** `host:web-1,env:prod`; omitted for a simple alert. */
  scope?: string;
  name: string;
  transition?: string;
  /** Datadog's event id (`$ID`, and `event_id=` in the Slack link). */
  eventId?: string;
  site?: string;
}

let nextEventId = 7_000_000_000_000_000_000n;

/** A fresh Datadog event id. */
export function datadogEventId(): string {
  nextEventId += 1n;
  return String(nextEventId);
}

/** The monitor link Datadog puts in its Slack messages (`title_link`). */
export function monitorLink(alert: FixtureAlert): string {
  const query = [
    ...(alert.scope ? [`group=${encodeURIComponent(alert.scope)}`] : []),
    ...(alert.eventId ? [`event_id=${alert.eventId}`] : []),
    "link_source=monitor_notif",
    `link_monitor_id=${alert.monitorId}`,
  ].join("&");
  return `https://${alert.site ?? "app.datadoghq.com"}/monitors/${alert.monitorId}?${query}`;
}

/** The current Datadog Slack app's message: empty text, everything in attachments. */
export function datadogAttachments(alert: FixtureAlert): Array<Record<string, unknown>> {
  const transition = alert.transition ?? "Triggered";
  return [
    {
      color: transition.includes("Recovered") ? "#2eb886" : "#d00000",
      fallback: `${transition}: ${alert.name}`,
      title: `${transition}: ${alert.name}`,
      title_link: monitorLink(alert),
      text: "avg(last_5m):avg:system.cpu.user{*} by {host} was &gt; 90.0 on average during the last 5m.\nNotified: @slack-alerts",
      mrkdwn_in: ["text"],
    },
  ];
}

/** The legacy integration's text (`subtype: bot_message`, `username: Datadog`). */
export function legacyDatadogText(alert: FixtureAlert): string {
  const transition = alert.transition ?? "Triggered";
  const scope = alert.scope ? ` on {${alert.scope}}` : "";
  return `<${monitorLink(alert)}|[${transition}${scope}] ${alert.name}>`;
}

export interface FixturePayload extends FixtureAlert {
  cycleKey?: string;
  /** Epoch ms of the event (`$DATE`); default now. */
  date?: number;
  message?: string;
  priority?: string;
}

/** Botyard's documented custom payload, as Datadog fills it in. */
export function webhookPayload(p: FixturePayload): Record<string, unknown> {
  const transition = p.transition ?? "Triggered";
  const scope = p.scope ? ` on {${p.scope}}` : "";
  const id = p.eventId ?? datadogEventId();
  return {
    id,
    alert_id: p.monitorId,
    alert_cycle_key: p.cycleKey ?? "",
    alert_transition: transition,
    alert_status: "",
    alert_scope: p.scope ?? "",
    alert_type: transition.includes("Recovered") ? "success" : "error",
    alert_priority: p.priority ?? "P2",
    title: `[${p.priority ?? "P2"}] [${transition}${scope}] ${p.name}`,
    body: p.message ?? `%%%\nCPU is high on ${p.scope ?? "all hosts"}\n\n[[Monitor Status](${monitorLink(p)})]\n%%%`,
    link: `https://app.datadoghq.com/event/event?id=${id}`,
    date: String(p.date ?? Date.now()),
    last_updated: String(p.date ?? Date.now()),
    tags: "env:prod,service:web",
    hostname: "web-1",
    org: { id: "1234", name: "Acme" },
  };
}

/** Datadog's default payload: no transition, alert id or cycle key; those come from the title and the body's links. */
export function defaultPayload(p: FixturePayload): Record<string, unknown> {
  const transition = p.transition ?? "Triggered";
  const scope = p.scope ? ` on {${p.scope}}` : "";
  return {
    body: p.message ?? `%%%\nCPU is high\n\n[[Monitor Status](${monitorLink(p)})]\n%%%`,
    last_updated: String(p.date ?? Date.now()),
    event_type: "query_alert_monitor",
    title: `[${transition}${scope}] ${p.name}`,
    date: String(p.date ?? Date.now()),
    org: { id: "1234", name: "Acme" },
    id: p.eventId ?? datadogEventId(),
  };
}
