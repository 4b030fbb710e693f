import { Writable } from "node:stream";
import fc from "fast-check";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "./engine.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { MemoryStore } from "../store/memory-store.js";
import { createLogger } from "../logging/logger.js";
import { createSlackClient } from "../slack/slack-client.js";
import type { SlackEnvelope } from "../slack/slack-types.js";

// Property: whatever envelope Socket Mode hands the engine, `dispatch` resolves (it neither throws
// nor rejects), nothing crashes, and a handler runs only with an event its trigger accepts, in
// the shape its type promises.

interface Run {
  trigger: string;
  event: Record<string, unknown>;
}
const runs: Run[] = [];
const errors: Array<Record<string, unknown>> = [];

const str = (v: unknown) => typeof v === "string";
const optStr = (v: unknown) => v === undefined || typeof v === "string";
const obj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const contentSubtype = (e: Record<string, unknown>) => [undefined, "bot_message", "thread_broadcast", "file_share", "me_message"].includes(e.subtype as string);
const message = (e: Record<string, unknown>) => e.type === "message" && str(e.channel) && str(e.ts) && optStr(e.text) && optStr(e.user) && optStr(e.thread_ts) && optStr(e.subtype) && contentSubtype(e);

/** What each trigger accepts: the shape its handler's type promises, and its own filter. */
const accepts: Record<string, (e: Record<string, unknown>) => boolean> = {
  "message:any": message,
  "message:deploy": (e) => message(e) && (e.text as string | undefined ?? "").toLowerCase().includes("deploy"),
  "message:regex": (e) => message(e) && /^ping (\w+)$/.test((e.text as string | undefined) ?? ""),
  "message:in-C1": (e) => message(e) && e.channel === "C1",
  "mention:release": (e) => e.type === "app_mention" && str(e.channel) && optStr(e.user) && str(e.ts) && str(e.text) && /^\s*<@[A-Z0-9]+(\|[^>]*)?>[\s:,]*release(\s|$)/i.test(e.text as string),
  "mention:regex": (e) => e.type === "app_mention" && str(e.channel) && optStr(e.user) && str(e.ts) && str(e.text) && /status/.test(e.text as string),
  "reaction:eyes": (e) => e.type === "reaction_added" && e.reaction === "eyes" && str(e.user) && obj(e.item) && optStr(e.item.channel) && optStr(e.item.ts),
  "reaction:any": (e) => e.type === "reaction_added" && str(e.reaction) && str(e.user) && obj(e.item) && optStr(e.item.channel) && optStr(e.item.ts),
  "event:team_join": (e) => e.type === "team_join",
  "command:/release": (p) => typeof p.command === "string" && p.command.toLowerCase() === "/release" && str(p.user_id) && str(p.channel_id) && optStr(p.text) && optStr(p.response_url),
  "action:approve": (p) => p.type === "block_actions" && obj(p.user) && str(p.user.id) && Array.isArray(p.actions) && p.actions.some((a) => obj(a) && a.action_id === "approve"),
  "action:regex": (p) => p.type === "block_actions" && obj(p.user) && str(p.user.id) && Array.isArray(p.actions) && p.actions.some((a) => obj(a) && str(a.action_id) && /^vote-\d$/.test(a.action_id)),
};

const plugin = definePlugin({
  name: "every-trigger",
  core: "^1.0.0",
  config: Type.Object({}),
  setup(bot) {
    const record = (trigger: string) => (ctx: { event: unknown }) => void runs.push({ trigger, event: ctx.event as Record<string, unknown> });
    bot.message(undefined, record("message:any"), { name: "message:any" });
    bot.message("deploy", record("message:deploy"), { name: "message:deploy" });
    bot.message(/^ping (\w+)$/, record("message:regex"), { name: "message:regex" });
    bot.message(undefined, record("message:in-C1"), { name: "message:in-C1", channel: "C1" });
    bot.mention("release", record("mention:release"), { name: "mention:release" });
    bot.mention(/status/, record("mention:regex"), { name: "mention:regex" });
    bot.reaction("eyes", record("reaction:eyes"), { name: "reaction:eyes" });
    bot.reaction(undefined, record("reaction:any"), { name: "reaction:any" });
    bot.event("team_join", record("event:team_join"), { name: "event:team_join" });
    bot.command("/release", record("command:/release"));
    bot.blockAction("approve", record("action:approve"));
    bot.blockAction(/^vote-\d$/, record("action:regex"));
  },
});

let engine: Engine;
beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _e, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if ((entry.level as number) >= 50) errors.push(entry);
      }
      done();
    },
  });
  const logger = createLogger({ level: "info", destination });
  const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger, clientOptions: { retryConfig: { retries: 0 } } });
  engine = new Engine({ slack, store: new MemoryStore(), logger });
  engine.setIdentity({ userId: "UBOT", botId: "BBOT" });
  const [status] = engine.load([{ id: "all", plugin, config: {} }]);
  expect(status!.state).toBe("loaded");
  await engine.start();
});
afterAll(() => engine.stop(0));

// Values of every JSON type, and the strings the triggers look for.
const anyValue = fc.oneof(
  { depthSize: "small" },
  fc.constantFrom("C1", "C2", "U1", "UBOT", "BBOT", "eyes", "deploy now", "ping me", "<@UBOT> release web", "<@UBOT> status", "/release", "/RELEASE", "approve", "vote-1", "1.000001", "bot_message", "message_changed", ""),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom("id", "channel", "ts", "action_id", "type"), fc.oneof(fc.constantFrom("C1", "U1", "approve", "vote-2", "1.0"), fc.integer()), { maxKeys: 3 }),
);
const field = (names: string[]) => fc.dictionary(fc.constantFrom(...names), anyValue, { maxKeys: names.length });
const eventFields = ["type", "channel", "user", "text", "ts", "thread_ts", "subtype", "bot_id", "team", "reaction", "item", "item_user", "event_ts"];
const event = fc.tuple(fc.constantFrom("message", "app_mention", "reaction_added", "team_join", "channel_created", 7, null), field(eventFields)).map(([type, rest]) => ({ ...rest, type }));
const actions = fc.oneof(
  fc.array(fc.oneof(fc.record({ action_id: anyValue, type: fc.constant("button") }, { requiredKeys: [] }), anyValue), { maxLength: 3 }),
  anyValue,
);
const payload = fc.oneof(
  fc.record({ event: fc.oneof(event, anyValue), event_id: fc.oneof(fc.uuid(), anyValue) }, { requiredKeys: [] }),
  field(["command", "text", "user_id", "user_name", "channel_id", "team_id", "response_url", "trigger_id"]),
  fc.tuple(fc.constantFrom("block_actions", "view_submission", 3), field(["user", "channel", "message", "response_url", "container"]), actions).map(([type, rest, a]) => ({ ...rest, type, actions: a })),
  anyValue,
);
const envelope = fc.record({
  envelope_id: fc.oneof(fc.uuid(), anyValue),
  type: fc.oneof(fc.constantFrom("events_api", "slash_commands", "interactive", "hello", "disconnect"), fc.string({ maxLength: 6 })),
  payload,
  retry_attempt: fc.oneof(fc.nat(3), anyValue),
});

describe("Engine.dispatch on random envelopes (property)", () => {
  it("resolves, and runs each handler only with an event its trigger accepts", async () => {
    await fc.assert(
      fc.asyncProperty(envelope, async (env) => {
        runs.length = 0;
        await expect(engine.dispatch(env as unknown as SlackEnvelope)).resolves.toBeUndefined();
        await engine.idle();
        for (const run of runs) {
          const accepted = accepts[run.trigger]!;
          expect(accepted(run.event), `${run.trigger} ran with ${JSON.stringify(run.event)}`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
    expect(errors).toEqual([]);
  });

  it("runs the handlers that accept a well-formed event (the property above is not vacuous)", async () => {
    runs.length = 0;
    const send = (type: string, payload: Record<string, unknown>) => engine.dispatch({ envelope_id: `e-${Math.random()}`, type, payload });
    await send("events_api", { event_id: "Ev-well-1", event: { type: "message", channel: "C1", user: "U1", text: "please deploy", ts: "1.000001" } });
    await send("events_api", { event_id: "Ev-well-2", event: { type: "app_mention", channel: "C2", user: "U1", text: "<@UBOT> release web", ts: "1.000002" } });
    await send("events_api", { event_id: "Ev-well-3", event: { type: "reaction_added", user: "U1", reaction: "eyes", item: { type: "message", channel: "C1", ts: "1.0" }, event_ts: "1.1" } });
    await send("slash_commands", { command: "/release", text: "web", user_id: "U1", channel_id: "C1", team_id: "T1", response_url: "http://127.0.0.1:9/r", trigger_id: "t" });
    await send("interactive", { type: "block_actions", user: { id: "U1" }, actions: [{ action_id: "vote-3", type: "button" }], trigger_id: "t" });
    await engine.idle();
    expect(runs.map((r) => r.trigger).sort()).toEqual(["action:regex", "command:/release", "mention:release", "message:any", "message:deploy", "message:in-C1", "reaction:any", "reaction:eyes"]);
  });
});
