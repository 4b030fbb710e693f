import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Type } from "typebox";
import { Engine } from "../engine/engine.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { MemoryStore } from "../store/memory-store.js";
import { createLogger, silentLogger } from "../logging/logger.js";
import { Writable } from "node:stream";
import { createSlackClient } from "../slack/slack-client.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { ScheduleHandler } from "./schedule.js";
import type { Timer } from "../plugin/bot.js";

const logger = silentLogger();
const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger });

function engine(store = new MemoryStore()) {
  return new Engine({ slack, store, logger });
}

describe("schedules", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-02T09:59:58.000Z")); // a Monday
  });
  afterEach(() => vi.useRealTimers());

  it("fires a cron with seconds at each planned time, with the planned time in the event", async () => {
    const ticks: string[] = [];
    const plugin = definePlugin({
      name: "tick",
      core: "^1.0.0",
      config: Type.Object({}),
      setup: (bot) => bot.schedule("*/2 * * * * *", async (ctx) => void ticks.push(ctx.event.scheduledAt.toISOString())),
    });
    const e = engine();
    e.load([{ id: "t", plugin, config: {} }]);
    await e.start();
    await vi.advanceTimersByTimeAsync(6_100);
    expect(ticks).toEqual(["2026-03-02T10:00:00.000Z", "2026-03-02T10:00:02.000Z", "2026-03-02T10:00:04.000Z"]);
    await e.stop();
  });

  it("reads the pattern in its timezone", async () => {
    const plugin = definePlugin({
      name: "tz",
      core: "^1.0.0",
      config: Type.Object({}),
      setup: (bot) => bot.schedule("0 0 10 * * 1-5", { timezone: "Asia/Tokyo" }, async () => {}),
    });
    const e = engine();
    e.load([{ id: "tz", plugin, config: {} }]);
    await e.start();
    // 10:00 in Tokyo is 01:00 UTC; it is 09:59 UTC on Monday now, so the next is Tuesday 01:00 UTC.
    expect(e.status()[0]!.triggers[0]!.nextRun).toBe("2026-03-03T01:00:00.000Z");
    await e.stop();
  });

  it("fires a one-shot date weeks ahead exactly once (a bare setTimeout would overflow after 24.8 days)", async () => {
    const fired: number[] = [];
    const when = new Date("2026-04-10T12:00:00.000Z"); // 39 days ahead
    const plugin = definePlugin({
      name: "once",
      core: "^1.0.0",
      config: Type.Object({}),
      setup: (bot) => bot.at(when, async () => void fired.push(Date.now())),
    });
    const e = engine();
    e.load([{ id: "o", plugin, config: {} }]);
    await e.start();
    await vi.advanceTimersByTimeAsync(when.getTime() - Date.now() - 1_000);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toHaveLength(1);
    expect(fired[0]! - when.getTime()).toBeLessThan(1_000);
    await vi.advanceTimersByTimeAsync(7 * 86_400_000);
    expect(fired).toHaveLength(1);
    await e.stop();
  });

  it("runs each tick once across replicas sharing a store", async () => {
    const runs: string[] = [];
    const plugin = definePlugin({
      name: "shared",
      core: "^1.0.0",
      config: Type.Object({}),
      setup: (bot) => bot.schedule("* * * * * *", async (ctx) => void runs.push(ctx.event.scheduledAt.toISOString())),
    });
    const store = new MemoryStore();
    const replicas = [engine(store), engine(store), engine(store)];
    for (const r of replicas) {
      r.load([{ id: "s", plugin, config: {} }]);
      await r.start();
    }
    await vi.advanceTimersByTimeAsync(5_050);
    expect(runs).toHaveLength(5);
    expect(new Set(runs).size).toBe(5);
    for (const r of replicas) await r.stop();
  });

  it("skips a tick while the previous run is still going (overrun protection)", async () => {
    let running = 0;
    let maxRunning = 0;
    let started = 0;
    const slow: ScheduleHandler = async () => {
      started++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 2_500));
      running--;
    };
    const plugin = definePlugin({ name: "slow", core: "^1.0.0", config: Type.Object({}), setup: (bot) => bot.schedule("* * * * * *", slow) });
    const skipped: string[] = [];
    const e = new Engine({ slack, store: new MemoryStore(), logger, observers: [{ scheduleSkipped: (bot, trigger, _at, reason) => void skipped.push(`${bot} ${trigger} ${reason}`) }] });
    e.load([{ id: "slow", plugin, config: {} }]);
    await e.start();
    await vi.advanceTimersByTimeAsync(6_050);
    expect(maxRunning).toBe(1);
    expect(started).toBeGreaterThanOrEqual(2);
    expect(started).toBeLessThanOrEqual(3);
    // Each tick that did not run is reported, for botyard_schedule_ticks_skipped_total.
    expect(skipped.length).toBeGreaterThanOrEqual(6 - started - 1);
    expect(new Set(skipped)).toEqual(new Set(["slow schedule:* * * * * * overrun"]));
    const stopped = e.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    await stopped;
    expect(maxRunning).toBe(1);
  });

  it("sets one-shot timers from handlers (e.g. when a shift ends) and re-arms them", async () => {
    const fired: string[] = [];
    let timer!: Timer;
    const plugin = definePlugin({
      name: "timer",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        timer = bot.timer("shift-end", async (ctx) => void fired.push(ctx.event.scheduledAt.toISOString()));
        bot.webhook("/arm", async (ctx) => {
          timer.set(new Date((ctx.event.body as { at: string }).at));
        });
      },
    });
    const e = engine();
    e.load([{ id: "tm", plugin, config: {} }]);
    await e.start();
    const arm = (at: string) => e.handleWebhook("tm", "/arm", { method: "POST", headers: {}, query: {}, rawBody: "", body: { at } });
    await arm("2026-03-02T11:00:00.000Z");
    await arm("2026-03-02T10:30:00.000Z"); // replaces the first
    expect(timer.next?.toISOString()).toBe("2026-03-02T10:30:00.000Z");
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(fired).toEqual(["2026-03-02T10:30:00.000Z"]);
    await e.stop();
  });

  it("skips a tick it cannot claim while the store is unavailable, with a warning (the outage itself is reported once by the host)", async () => {
    const ticks: string[] = [];
    const plugin = definePlugin({
      name: "tick",
      core: "^1.0.0",
      config: Type.Object({}),
      setup: (bot) => bot.schedule("*/2 * * * * *", async (ctx) => void ticks.push(ctx.event.scheduledAt.toISOString())),
    });
    const store = new MemoryStore();
    const lines: Array<{ level: number; msg: string }> = [];
    const log = createLogger({ level: "info", destination: new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }) });
    const skipped: string[] = [];
    const e = new Engine({ slack, store, logger: log, observers: [{ scheduleSkipped: (_bot, _trigger, at, reason) => void skipped.push(`${at.toISOString()} ${reason}`) }] });
    e.load([{ id: "t", plugin, config: {} }]);
    await e.start();
    const acquire = store.acquireLease.bind(store);
    store.acquireLease = () => Promise.reject(new BotyardError(ErrorCodes.STORE_UNAVAILABLE, "Redis is not answering."));
    await vi.advanceTimersByTimeAsync(2_100);
    store.acquireLease = acquire;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ticks).toEqual(["2026-03-02T10:00:02.000Z"]);
    expect(lines.filter((l) => l.msg === "tick skipped: could not claim it in the store").map((l) => l.level)).toEqual([40]);
    expect(skipped).toEqual(["2026-03-02T10:00:00.000Z store_unavailable"]);
    await e.stop();
  });

  it("rejects an invalid cron pattern with a clear error at setup", () => {
    const plugin = definePlugin({ name: "bad", core: "^1.0.0", config: Type.Object({}), setup: (bot) => bot.schedule("every monday", async () => {}) });
    const status = engine().load([{ id: "bad", plugin, config: {} }]);
    expect(status[0]).toMatchObject({ state: "failed", code: ErrorCodes.PLUGIN_SETUP_FAILED });
    expect(status[0]!.reason).toContain('Invalid schedule "every monday"');
  });
});
