import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimitGate } from "./rate-limit-gate.js";

// The gate on fake time: which caller may retry a rate-limited method, and when. Each caller below
// does what the Slack client does: after a 429 it waits its turn, tries again, and says how it went.

describe("RateLimitGate", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  /** Callers that retry `method` and, as probes, get `answer()`; records who was let go when. */
  function callers(gate: RateLimitGate, method: string, count: number, answer: () => "429" | "ok" | "no answer") {
    const went: number[] = [];
    const done = Array.from({ length: count }, async () => {
      for (;;) {
        const probe = await gate.turn(method);
        went.push(Date.now());
        const outcome = answer();
        if (outcome === "429") gate.limited(method, 2_000, probe);
        else if (outcome === "ok") return gate.lifted(method);
        else if (probe) return gate.probeFailed(method);
        else return;
      }
    });
    return { went, done: Promise.all(done) };
  }

  it("lets a method's calls go at once while it is not rate limited", async () => {
    const gate = new RateLimitGate();
    expect(await gate.turn("chat.postMessage")).toBe(false);
    expect(gate.limitedMethods).toEqual([]);
  });

  it("after a 429, holds the retries until Retry-After has passed, lets one go, and the rest once it is answered", async () => {
    const gate = new RateLimitGate();
    gate.limited("chat.postMessage", 2_000, false);
    let storm = true;
    const { went, done } = callers(gate, "chat.postMessage", 5, () => (storm ? "429" : "ok"));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(went).toEqual([]);
    // At Retry-After one goes first; Slack still answers 429, so the wait starts over.
    await vi.advanceTimersByTimeAsync(1);
    expect(went).toEqual([2_000]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(went).toEqual([2_000]);
    // The storm is over: the next one is answered, and the other four follow at once.
    storm = false;
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(went).toEqual([2_000, 4_000, 4_000, 4_000, 4_000, 4_000]);
    expect(gate.limitedMethods).toEqual([]);
  });

  it("holds back only the method Slack rate limited", async () => {
    const gate = new RateLimitGate();
    gate.limited("chat.postMessage", 5_000, false);
    expect(await gate.turn("conversations.info")).toBe(false);
    expect(gate.limitedMethods).toEqual(["chat.postMessage"]);
  });

  it("lets everyone go as soon as any call to the method is answered", async () => {
    const gate = new RateLimitGate();
    gate.limited("chat.postMessage", 30_000, false);
    const waiting = gate.turn("chat.postMessage");
    // A first call (never held back) comes back fine: the limit is over.
    gate.lifted("chat.postMessage");
    expect(await waiting).toBe(false);
  });

  it("still wakes the waiters when its timer fires a moment before Retry-After by the clock it reads", async () => {
    let skew = 0;
    const gate = new RateLimitGate(() => Date.now() - skew);
    gate.limited("chat.postMessage", 1_000, false);
    let admitted: boolean | undefined;
    void gate.turn("chat.postMessage").then((probe) => (admitted = probe));
    skew = 1; // Date.now() and the timers' monotonic clock drift apart by a millisecond
    await vi.advanceTimersByTimeAsync(1_000);
    expect(admitted).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted).toBe(true);
  });

  it("lets the next caller try when a probe gets no answer at all", async () => {
    const gate = new RateLimitGate();
    gate.limited("chat.postMessage", 1_000, false);
    let first = true;
    const { went, done } = callers(gate, "chat.postMessage", 2, () => {
      if (!first) return "ok";
      first = false;
      return "no answer";
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(went).toEqual([1_000, 1_000]);
  });
});
