import { describe, expect, it } from "vitest";
import { SlackRouter } from "./slack-router.js";
import type { SlackEnvelope } from "../slack/slack-types.js";

const message = (channel: string): SlackEnvelope => ({ envelope_id: "e1", type: "events_api", payload: { event_id: "Ev1", event: { type: "message", channel, text: "hi", ts: "1.0" } } });

describe("SlackRouter", () => {
  it("asks every listener whether it wants the event, and returns only the runs of those that do", () => {
    const router = new SlackRouter();
    const asked: string[] = [];
    const ran: string[] = [];
    router.onEvent("message", undefined, () => void asked.push("not interested"));
    router.onEvent("message", undefined, () => (asked.push("any channel"), () => void ran.push("any channel")));
    router.onEvent("message", "C1", () => (asked.push("in C1"), () => void ran.push("in C1")));
    router.onEvent("message", "C2", () => (asked.push("in C2"), () => void ran.push("in C2")));
    const runs = router.route(message("C1"));
    // Deciding runs nothing: the engine claims the event only now that it knows some run wants it.
    expect({ asked, ran }).toEqual({ asked: ["not interested", "any channel", "in C1"], ran: [] });
    runs.forEach((run) => run());
    expect(ran).toEqual(["any channel", "in C1"]);
  });

  it("returns no run when no listener wants the event (so nothing is written to the store)", () => {
    const router = new SlackRouter();
    router.onEvent("message", undefined, () => undefined);
    expect(router.route(message("C1"))).toEqual([]);
  });

  it("runs every wanted run even when one throws, deciding or running, and throws what they threw after the last", () => {
    const router = new SlackRouter();
    const called: string[] = [];
    router.onEvent("message", undefined, () => () => {
      called.push("first");
      throw new Error("custom trigger exploded");
    });
    router.onEvent("message", undefined, () => {
      throw new Error("could not decide");
    });
    router.onEvent("message", "C1", () => () => void called.push("in C1"));
    const runs = router.route(message("C1"));
    expect(runs).toHaveLength(3);
    expect(() => runs.forEach((run) => run())).toThrow("2 Slack listeners threw");
    expect(called).toEqual(["first", "in C1"]);
  });

  it("routes envelopes of any shape without throwing", () => {
    const router = new SlackRouter();
    const wanted = () => () => {};
    router.onEvent("message", undefined, wanted);
    router.onCommand("/release", wanted);
    router.onBlockAction("approve", wanted);
    router.onBlockAction(/^vote-/, wanted);
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
