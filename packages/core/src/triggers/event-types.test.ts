import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import { Engine } from "../engine/engine.js";
import { silentLogger } from "../logging/logger.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { createSlackClient } from "../slack/slack-client.js";
import { MemoryStore } from "../store/memory-store.js";

// `bot.event(type, handler)`: for an event type Slack publishes types for, `ctx.event` is that
// event as `@slack/types` describes it (checked by the compiler); any other type is a plain record.
describe("bot.event", () => {
  it("types the event by its type where Slack publishes one, and hands on what Slack sent", async () => {
    const joined: Array<{ user: string; channel: string }> = [];
    const custom: unknown[] = [];
    const plugin = definePlugin({
      name: "typed-events",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.event("member_joined_channel", (ctx) => {
          joined.push({ user: ctx.event.user, channel: ctx.event.channel });
          // @ts-expect-error -- member_joined_channel has no `reaction`: a typo does not compile
          void ctx.event.reaction;
        });
        bot.event("vendor_specific_event", (ctx) => void custom.push(ctx.event.anything));
      },
    });
    const logger = silentLogger();
    const engine = new Engine({ slack: createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger }), store: new MemoryStore(), logger });
    engine.load([{ id: "t", plugin, config: {} }]);
    await engine.start();
    const envelope = (event: Record<string, unknown>) => ({ envelope_id: `e-${Math.random()}`, type: "events_api", payload: { event_id: `Ev${Math.random()}`, event } });
    await engine.dispatch(envelope({ type: "member_joined_channel", user: "U0ALICE", channel: "C0SRE", channel_type: "C", team: "T1", event_ts: "1.0" }));
    await engine.dispatch(envelope({ type: "vendor_specific_event", anything: 42 }));
    await engine.idle();
    expect(joined).toEqual([{ user: "U0ALICE", channel: "C0SRE" }]);
    expect(custom).toEqual([42]);
    await engine.stop();
  });
});
