import { describe, expect, it } from "vitest";
import { alertmanagerPayload } from "../samples/alertmanager-samples.js";
import type { WebhookPayload } from "../payload/webhook-payload.js";
import { changesBetween, mergeDelivery, planStep, type Incoming, type ThreadRecord } from "./thread-state.js";

const incoming = (alerts: Array<{ instance: string; status: "firing" | "resolved"; startsAt?: string; endsAt?: string }>): Incoming => {
  // The samples fill every field the schema defaults.
  const payload = alertmanagerPayload({ alerts: alerts.map((a) => ({ labels: { alertname: "X", instance: a.instance }, ...a })) }) as unknown as WebhookPayload;
  return { key: "k", receiver: "r", channel: "C1", externalURL: "", groupLabels: {}, alerts: payload.alerts };
};

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("merging deliveries", () => {
  it("ends in the same state whatever order the deliveries come in, retries included", () => {
    const deliveries = [
      incoming([{ instance: "a", status: "firing" }]),
      incoming([{ instance: "a", status: "firing" }, { instance: "b", status: "firing" }]),
      incoming([{ instance: "a", status: "resolved", endsAt: "2026-12-07T10:05:00Z" }, { instance: "b", status: "firing" }]),
      incoming([{ instance: "a", status: "resolved", endsAt: "2026-12-07T10:05:00Z" }, { instance: "b", status: "resolved", endsAt: "2026-12-07T10:06:00Z" }]),
      incoming([{ instance: "a", status: "firing", startsAt: "2026-12-07T10:10:00Z" }]),
    ];
    const finals = permutations([...deliveries, deliveries[1]!]).map((order) => order.reduce<ThreadRecord | undefined>((r, d) => mergeDelivery(r, d), undefined)!.alerts);
    for (const f of finals) expect(f).toEqual(finals[0]);
    const statuses = Object.values(finals[0]!).map((a) => `${a.labels.instance}:${a.status}`).sort();
    expect(statuses).toEqual(["a:firing", "b:resolved"]);
  });

  it("answers the same record for a delivery that brings nothing new (no new version)", () => {
    const first = mergeDelivery(undefined, incoming([{ instance: "a", status: "firing" }]));
    expect(mergeDelivery(first, incoming([{ instance: "a", status: "firing" }]))).toBe(first);
    expect(first.seq).toBe(1);
  });
});

describe("planning a step", () => {
  it("posts first, replies with what changed, and after the reopen window starts a new message with only what fires", () => {
    let record = mergeDelivery(undefined, incoming([{ instance: "a", status: "firing" }]));
    const first = planStep(record, Date.now(), 60_000)!;
    expect(first.step).toMatchObject({ kind: "post", from: 0, to: 1, allResolved: false });
    record = { ...first.record, step: undefined, applied: { seq: 1, shown: first.step.shown }, message: { channel: "C1", ts: "1.000100", cycle: 1 } } as ThreadRecord;
    record = mergeDelivery(record, incoming([{ instance: "a", status: "resolved" }]));
    expect(changesBetween(record.applied.shown, record.alerts)).toEqual({ firing: [], firingAgain: [], resolved: [Object.keys(record.alerts)[0]] });
    const second = planStep(record, Date.now(), 60_000)!;
    expect(second.step).toMatchObject({ kind: "reply", allResolved: true });
    record = { ...second.record, step: undefined, applied: { seq: second.step.to, shown: second.step.shown }, resolvedAt: Date.now() - 120_000 } as ThreadRecord;
    record = mergeDelivery(record, incoming([{ instance: "b", status: "firing", startsAt: "2026-12-07T11:00:00Z" }]));
    const third = planStep(record, Date.now(), 60_000)!;
    expect(third.step).toMatchObject({ kind: "post", cycle: 2, reopen: true });
    expect(Object.values(third.record.alerts).map((a) => a.labels.instance)).toEqual(["b"]);
  });
});
