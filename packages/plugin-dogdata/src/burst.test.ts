import { afterEach, expect, it } from "vitest";
import { datadogAttachments, webhookPayload } from "./samples/datadog-samples.js";
import { ALERTS, DogdataHarness } from "./test-support/dogdata-harness.js";

let h: DogdataHarness;
afterEach(() => h?.close());

const ALERT_COUNT = 500;

it("answers every alert of a 500-recovery burst once, in order per alert, through Slack's 429s", { timeout: 90_000 }, async () => {
  h = await DogdataHarness.start();
  // 50 monitors alerting on 10 hosts each.
  const alerts = Array.from({ length: ALERT_COUNT }, (_, i) => ({ monitorId: String(1000 + (i % 50)), scope: `host:web-${Math.floor(i / 50)}`, name: `Disk full ${i}` }));
  const posted = [];
  for (const alert of alerts) posted.push(await h.slack.postAs(h.datadog, { channel: ALERTS, text: "", attachments: datadogAttachments(alert) }));
  await h.t.settle(posted.flatMap((p) => p.events.map((e) => e.eventId)));

  // Slack answers 429 now and then while the burst is handled: after every 20th change in the
  // workspace, the next reply or reaction gets one (Retry-After: 0; the client retries by itself).
  let changes = 0;
  const stopLimiting = h.slack.onActivity(() => {
    if (++changes % 20 === 0) h.slack.rateLimit(changes % 40 === 0 ? "chat.postMessage" : "reactions.add", { retryAfterSec: 0 });
  });
  const now = Date.now();
  try {
    const answers = await Promise.all(
      alerts.map(async (alert, i) => [
        // Two deliveries per alert, back to back: they must be told in this order.
        await h.post(webhookPayload({ ...alert, transition: "Re-Triggered", date: now + i })),
        await h.post(webhookPayload({ ...alert, transition: "Recovered", date: now + 60_000 + i })),
      ]),
    );
    expect(answers.flat().map((a) => a.status)).toEqual(Array(2 * ALERT_COUNT).fill(202));
    await h.drain(80_000);
  } finally {
    stopLimiting();
  }

  expect(h.slack.calls.filter((c) => c.status === 429).length).toBeGreaterThan(20);
  for (const [i, p] of posted.entries()) {
    const replies = h.replies(p.ts).map((t) => t.split(":")[2]!.trim());
    expect(replies, `alert ${i}`).toEqual(["*Re-Triggered*", expect.stringMatching(/^\*Recovered\* after 1m \d+s$/)]);
    expect(h.checked(p.ts), `alert ${i}`).toBe(true);
  }
  // Nothing given up on, nothing answered twice.
  expect(await h.t.backend.list("host/deadletter/")).toEqual([]);
  expect(h.slack.calls.filter((c) => c.operation === "chat.postMessage" && c.status === 200)).toHaveLength(2 * ALERT_COUNT);
  expect(h.slack.calls.filter((c) => c.operation === "reactions.add" && c.status === 200)).toHaveLength(ALERT_COUNT);
});
