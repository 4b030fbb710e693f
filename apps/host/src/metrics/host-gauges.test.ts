import { afterEach, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { scrape } from "../test-support/metrics-scrape.js";

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// A bot with a durable message trigger whose handler waits until released, and a schedule.
const PLUGIN = `import { definePlugin, Type } from "@botyard/core";
globalThis.__gaugeRelease = [];
export default definePlugin({ name: "slowpoke", core: "^1.0.0", config: Type.Object({}), slack: { scopes: ["chat:write"] },
  setup(bot) {
    bot.message("work", () => new Promise((resolve) => globalThis.__gaugeRelease.push(resolve)), { durable: true, name: "work" });
    bot.schedule("0 0 10 * * *", { name: "daily" }, async () => {});
  } });`;
const release = () => (globalThis as unknown as { __gaugeRelease: Array<() => void> }).__gaugeRelease.splice(0).forEach((r) => r());

describe("the gauges read from the running host at each scrape", () => {
  it("botyard_ready follows /readyz; each schedule's next run; a queue's jobs and how long its oldest ready job has waited", async () => {
    h = await startInProcessHost(`queue: { concurrency: 1 }\nbots:\n  - id: slow\n    use: botyard-plugin-slowpoke\n`, {
      store: "{ type: sqlite, path: .botyard/gauges.db }",
      setup: (project, slack) => {
        slack.createChannel("general", { id: "C0GENERAL" });
        project.plugin("botyard-plugin-slowpoke", PLUGIN);
      },
    });
    const url = h.url;
    let m = await scrape({ url });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(m.get("botyard_ready")).toBe(1);
    const next = m.get('botyard_schedule_next_run_timestamp_seconds{bot="slow",trigger="daily"}');
    expect(next).toBeGreaterThan(Date.now() / 1000);
    expect(next! - Date.now() / 1000).toBeLessThanOrEqual(86_400);
    const queue = '{bot="slow",queue="deliveries/slow/work"}';
    expect(m.get(`botyard_queue_jobs${queue}`)).toBe(0);
    expect(m.get(`botyard_queue_oldest_ready_age_seconds${queue}`)).toBe(0);

    // Two jobs with one worker: the first is in hand, the second waits for it.
    const alice = h.slack.addUser({ name: "alice" }).id;
    await h.slack.sendMessage({ channel: "C0GENERAL", user: alice, text: "work 1" });
    await h.slack.sendMessage({ channel: "C0GENERAL", user: alice, text: "work 2" });
    const waitedFrom = Date.now();
    await h.slack.waitFor(() => (globalThis as unknown as { __gaugeRelease: unknown[] }).__gaugeRelease.length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    m = await scrape({ url });
    expect(m.get(`botyard_queue_jobs${queue}`)).toBe(2);
    const age = m.get(`botyard_queue_oldest_ready_age_seconds${queue}`)!;
    expect(age).toBeGreaterThanOrEqual(1.4);
    expect(age).toBeLessThanOrEqual((Date.now() - waitedFrom) / 1000 + 1);

    // Both handled: the queue is empty and nothing waits.
    release();
    await h.slack.waitFor(() => (globalThis as unknown as { __gaugeRelease: unknown[] }).__gaugeRelease.length === 1, 10_000);
    release();
    await h.host.engine.queues.drain(10_000);
    m = await scrape({ url });
    expect(m.get(`botyard_queue_jobs${queue}`)).toBe(0);
    expect(m.get(`botyard_queue_oldest_ready_age_seconds${queue}`)).toBe(0);
  });
});
