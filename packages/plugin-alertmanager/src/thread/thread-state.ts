import { stateTime, type WebhookAlert } from "../payload/webhook-payload.js";

/** What the bot keeps of one alert: enough to render it and to tell a newer state from an older one. */
export interface AlertState {
  status: "firing" | "resolved";
  startsAt: string;
  endsAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
}

/** What the thread's messages show so far, per alert fingerprint. */
export type Shown = Record<string, { status: AlertState["status"]; startsAt: string }>;

/** The top message standing for the thread. */
export interface TopMessage {
  channel: string;
  ts: string;
  /** Counts the messages this thread has had (a group firing again long after it resolved gets a new one). */
  cycle: number;
}

/** One step from what the messages show to the desired state: planned once, done once, whoever does it. */
export interface Step {
  from: number;
  to: number;
  kind: "post" | "reply";
  /** The state it brings the messages to. */
  shown: Shown;
  cycle: number;
  allResolved: boolean;
  /** A new top message is needed although one exists (fired again after the reopen window). */
  reopen: boolean;
}

/** One thread's whole state, in one Store entry changed only by compare-and-set. */
export interface ThreadRecord {
  /** The group key (and fingerprint, per-alert threads). */
  key: string;
  receiver: string;
  channel: string;
  externalURL: string;
  groupLabels: Record<string, string>;
  alerts: Record<string, AlertState>;
  /** Grows with every delivery that changed `alerts`. */
  seq: number;
  /** The version the Slack messages show, and what they show. */
  applied: { seq: number; shown: Shown };
  message?: TopMessage;
  /** When the messages last turned all resolved (epoch ms). */
  resolvedAt?: number;
  step?: Step;
  /** A run is posting this thread's changes until then (epoch ms): others leave them to it. */
  flushingUntil?: number;
  /** The run that holds `flushingUntil`. */
  flushingBy?: string;
}

export interface Incoming {
  key: string;
  receiver: string;
  channel: string;
  externalURL: string;
  groupLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

/**
 * Merges a delivery into the thread's state. Each alert keeps its newest state by its own times
 * (a resolution at `endsAt`, a firing at `startsAt`), so a retried or late delivery never undoes
 * a newer one, and deliveries may be handled in any order: the result is the same. Answers the
 * record unchanged (the same object) when the delivery brings nothing new.
 */
export function mergeDelivery(current: ThreadRecord | undefined, incoming: Incoming): ThreadRecord {
  const base: ThreadRecord = current ?? {
    key: incoming.key,
    receiver: incoming.receiver,
    channel: incoming.channel,
    externalURL: incoming.externalURL,
    groupLabels: incoming.groupLabels,
    alerts: {},
    seq: 0,
    applied: { seq: 0, shown: {} },
  };
  let alerts = base.alerts;
  for (const alert of incoming.alerts) {
    const known = alerts[alert.fingerprint];
    if (known && !isNewer(alert, known)) continue;
    if (alerts === base.alerts) alerts = { ...base.alerts };
    alerts[alert.fingerprint] = toState(alert);
  }
  if (alerts === base.alerts && current) return current;
  return { ...base, alerts, seq: base.seq + 1, externalURL: incoming.externalURL || base.externalURL };
}

function isNewer(alert: WebhookAlert, known: AlertState): boolean {
  const a = stateTime(alert);
  const b = stateTime(known);
  if (a !== b) return a > b;
  return alert.status !== known.status && alert.status === "resolved";
}

function toState(alert: WebhookAlert): AlertState {
  return {
    status: alert.status,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
    ...(alert.silenceURL ? { silenceURL: alert.silenceURL } : {}),
    ...(alert.dashboardURL ? { dashboardURL: alert.dashboardURL } : {}),
    ...(alert.panelURL ? { panelURL: alert.panelURL } : {}),
  };
}

/** What changed between what the messages show and the state: the reply's content. */
export interface Changes {
  firing: string[];
  firingAgain: string[];
  resolved: string[];
}

export function changesBetween(shown: Shown, alerts: Record<string, AlertState>): Changes {
  const changes: Changes = { firing: [], firingAgain: [], resolved: [] };
  for (const [fp, alert] of Object.entries(alerts)) {
    const before = shown[fp];
    if (alert.status === "resolved") {
      if (!before || before.status === "firing") changes.resolved.push(fp);
    } else if (!before) changes.firing.push(fp);
    else if (before.status === "resolved" || before.startsAt !== alert.startsAt) changes.firingAgain.push(fp);
  }
  return changes;
}

export function shownOf(alerts: Record<string, AlertState>): Shown {
  return Object.fromEntries(Object.entries(alerts).map(([fp, a]) => [fp, { status: a.status, startsAt: a.startsAt }]));
}

export function counts(alerts: Record<string, AlertState>): { firing: number; resolved: number } {
  let firing = 0;
  for (const a of Object.values(alerts)) if (a.status === "firing") firing++;
  return { firing, resolved: Object.keys(alerts).length - firing };
}

/**
 * Plans the next step, or nothing when the messages are current. A thread that resolved and fires
 * again within `reopenWithinMs` is reopened (a reply); later, it gets a new top message, showing
 * only what fires now.
 */
export function planStep(record: ThreadRecord, now: number, reopenWithinMs: number): { record: ThreadRecord; step: Step } | undefined {
  if (record.step || record.applied.seq >= record.seq) return undefined;
  const { firing } = counts(record.alerts);
  let alerts = record.alerts;
  let kind: Step["kind"] = record.message ? "reply" : "post";
  let cycle = record.message?.cycle ?? 1;
  let reopen = false;
  if (record.message && record.resolvedAt !== undefined && firing > 0 && now - record.resolvedAt > reopenWithinMs) {
    // Fired again long after it resolved: a new message, without the old cycle's resolved alerts.
    alerts = Object.fromEntries(Object.entries(alerts).filter(([, a]) => a.status === "firing"));
    kind = "post";
    cycle += 1;
    reopen = true;
  }
  const step: Step = { from: record.applied.seq, to: record.seq, kind, shown: shownOf(alerts), cycle, allResolved: firing === 0, reopen };
  return { record: { ...record, alerts, step }, step };
}
