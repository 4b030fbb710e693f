import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { withChildSignal } from "./child-signal.js";

describe("withChildSignal", () => {
  it("leaves no listener on the parent once each operation is done, however many ran", async () => {
    const parent = new AbortController();
    for (let i = 0; i < 1_000; i++) {
      await withChildSignal(parent.signal, async (signal) => {
        // What fetch does: a listener on the signal it is given, never removed by hand.
        signal!.addEventListener("abort", () => {});
        expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
      });
    }
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });

  it("aborts the operation's signal, with the parent's reason, when the parent aborts", async () => {
    const parent = new AbortController();
    const seen = withChildSignal(parent.signal, (signal) => new Promise((_, reject) => signal!.addEventListener("abort", () => reject(signal!.reason))));
    parent.abort(new Error("shutting down"));
    await expect(seen).rejects.toThrow("shutting down");
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });

  it("does not start an operation when the parent has already aborted", async () => {
    const parent = new AbortController();
    parent.abort(new Error("gone"));
    let started = false;
    await expect(withChildSignal(parent.signal, async () => void (started = true))).rejects.toThrow("gone");
    expect(started).toBe(false);
  });

  it("passes no signal when there is no parent", async () => {
    expect(await withChildSignal(undefined, async (signal) => signal)).toBeUndefined();
  });
});
