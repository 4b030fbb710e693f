import { BotyardError, ErrorCodes, silentLogger, type SlackEnvelope } from "@botyard/core";
import { describe, expect, it } from "vitest";
import { SlackIntake } from "./slack-intake.js";

const envelope = (n: number): SlackEnvelope => ({ envelope_id: `env-${n}`, type: "events_api", payload: { event_id: `Ev${n}` } });
const unavailable = () => new BotyardError(ErrorCodes.STORE_UNAVAILABLE, "The Redis store is unreachable (setIfAbsent): no reply within 2000 ms.");
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("SlackIntake: what happens to an envelope once it is acked", () => {
  it("holds an envelope whose claim found the store unavailable, asks for new ones to be left unacked, and dispatches it again when told", async () => {
    let storeUp = false;
    const dispatched: string[] = [];
    const failures: unknown[] = [];
    const busy: boolean[] = [];
    const intake = new SlackIntake({
      dispatch: async (e) => {
        if (!storeUp) throw unavailable();
        dispatched.push(e.envelope_id);
      },
      log: silentLogger(),
      onStoreFailure: (error) => failures.push(error),
      onBusy: (b) => busy.push(b),
      maxInFlight: 100,
    });
    intake.take(envelope(1));
    intake.take(envelope(2));
    await turn();
    expect(intake.holding).toBe(2);
    expect(failures).toHaveLength(2);
    expect(busy).toEqual([true]);

    storeUp = true;
    intake.retryHeld();
    await turn();
    expect(dispatched).toEqual(["env-1", "env-2"]);
    expect(intake.holding).toBe(0);
    expect(busy).toEqual([true, false]);
  });

  it("asks for new envelopes to be left unacked while too many wait on a slow store, and not after", async () => {
    const waiting: Array<() => void> = [];
    const busy: boolean[] = [];
    const intake = new SlackIntake({
      dispatch: () => new Promise<void>((resolve) => waiting.push(resolve)),
      log: silentLogger(),
      onStoreFailure: () => {},
      onBusy: (b) => busy.push(b),
      maxInFlight: 3,
    });
    for (let i = 0; i < 3; i++) intake.take(envelope(i));
    expect(busy).toEqual([true]);
    waiting.shift()!();
    await turn();
    expect(busy).toEqual([true, false]);
  });

  it("does not hold what failed for another reason: it is logged, not retried forever", async () => {
    const failures: unknown[] = [];
    const intake = new SlackIntake({
      dispatch: async () => {
        throw new Error("a bug");
      },
      log: silentLogger(),
      onStoreFailure: (error) => failures.push(error),
      onBusy: () => {},
      maxInFlight: 10,
    });
    intake.take(envelope(1));
    await turn();
    expect(intake.holding).toBe(0);
    expect(failures).toEqual([]);
  });
});
