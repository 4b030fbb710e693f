import { describe, expect, it } from "vitest";
import { SlackRouter } from "./slack-router.js";
import type { SlackEnvelope } from "../slack/slack-types.js";

const message = (channel: string): SlackEnvelope => ({ envelope_id: "e1", type: "events_api", payload: { event_id: "Ev1", event: { type: "message", channel, text: "hi", ts: "1.0" } } });

describe("SlackRouter", () => {
  it("calls every listener even when one throws, and throws what it threw after the last", () => {
    const router = new SlackRouter();
    const called: string[] = [];
    router.onEvent("message", undefined, () => {
      called.push("first");
      throw new Error("custom trigger exploded");
    });
    router.onEvent("message", undefined, () => void called.push("second"));
    router.onEvent("message", "C1", () => void called.push("in C1"));
    const calls = router.route(message("C1"));
    expect(calls).toHaveLength(3);
    expect(() => calls.forEach((call) => call())).toThrow("custom trigger exploded");
    expect(called).toEqual(["first", "second", "in C1"]);
  });

  it("routes envelopes of any shape without throwing", () => {
    const router = new SlackRouter();
    router.onEvent("message", undefined, () => {});
    router.onCommand("/release", () => {});
    router.onBlockAction("approve", () => {});
    router.onBlockAction(/^vote-/, () => {});
    const shapes: unknown[] = [
      { type: "events_api", payload: null },
      { type: "events_api", payload: "text" },
      { type: "events_api", payload: [1, 2] },
      { type: "events_api", payload: { event: 5 } },
      { type: "events_api", payload: { event: { type: "message", channel: { id: 7 }, item: null } } },
      { type: "slash_commands", payload: { command: 42 } },
      { type: "interactive", payload: { type: "block_actions", actions: { action_id: "approve" } } },
      { type: "interactive", payload: { type: "block_actions", actions: [null, 3, { action_id: 9 }, { action_id: "vote-1" }] } },
    ];
    const routed = shapes.map((envelope) => router.route(envelope as SlackEnvelope).length);
    expect(routed).toEqual([0, 0, 0, 0, 1, 0, 0, 1]);
  });
});
