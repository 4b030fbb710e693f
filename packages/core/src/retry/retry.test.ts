import { describe, expect, it } from "vitest";
import { backoffDelay, retry, sleep } from "./retry.js";

const fast = { minDelayMs: 1, maxDelayMs: 2 };

describe("retry", () => {
  it("retries a failing attempt until it succeeds", async () => {
    const seen: number[] = [];
    const value = await retry(async (n) => {
      seen.push(n);
      if (n < 2) throw new Error(`boom ${n}`);
      return "ok";
    }, fast);
    expect(value).toBe("ok");
    expect(seen).toEqual([0, 1, 2]);
  });

  it("gives up after `retries` more attempts with the last error", async () => {
    let calls = 0;
    await expect(retry(async (n) => {
      calls++;
      throw new Error(`boom ${n}`);
    }, { ...fast, retries: 2 })).rejects.toThrow("boom 2");
    expect(calls).toBe(3);
  });

  it("does not retry what is not retryable", async () => {
    let calls = 0;
    const error = Object.assign(new Error("unauthorized"), { status: 401 });
    await expect(retry(async () => {
      calls++;
      throw error;
    }, { ...fast, retryable: (e) => (e as { status?: number }).status !== 401 })).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it("waits what the server asked for, capped, and reports each retry", async () => {
    const waits: number[] = [];
    await retry(async (n) => {
      if (n < 2) throw Object.assign(new Error("slow down"), { resetMs: n === 0 ? 1 : 60_000 });
    }, { minDelayMs: 1, maxDelayMs: 3, delayFor: (e) => (e as { resetMs: number }).resetMs, onRetry: (r) => waits.push(r.delayMs) });
    expect(waits).toEqual([1, 3]);
  });

  it("stops at once when the signal aborts", async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retry(async () => {
      calls++;
      controller.abort(new Error("shutting down"));
      throw new Error("transient");
    }, { minDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal });
    await expect(running).rejects.toThrow("transient");
    expect(calls).toBe(1);
    await expect(retry(async () => "never", { signal: controller.signal })).rejects.toThrow("shutting down");
    await expect(sleep(60_000, controller.signal)).rejects.toThrow("shutting down");
  });
});

describe("backoffDelay", () => {
  it("doubles from the minimum, caps at the maximum, and keeps at least half of each step", () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1_000, high))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1_000, low))).toEqual([50, 100, 200, 400, 500]);
  });
});
