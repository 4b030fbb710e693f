import { afterEach, describe, expect, it } from "vitest";
import { definePlugin, ErrorCodes, Type, type Timer } from "@botyard/core";
import { createTestBot, type TestBot } from "./create-test-bot.js";

// Every kind of trigger, end to end: the real WebClient and SocketModeClient against the Slack
// emulator, through the same engine the host runs.
const CHANNEL = "C0TRIGGERS";
let timer: Timer;

const everything = definePlugin({
  name: "everything",
  core: "^1.0.0",
  config: Type.Object({ channel: Type.String() }),
  setup(bot, config) {
    bot.mention("deploy", async (ctx) => {
      await ctx.say(`deploying ${ctx.args.join(" ")} for <@${ctx.actor!.slackUserId}>`);
    });
    bot.reaction("eyes", async (ctx) => {
      await ctx.slack.chat.postMessage({ channel: ctx.event.item.channel, thread_ts: ctx.event.item.ts, text: "someone is looking" });
    });
    bot.event("channel_created", async (ctx) => {
      const created = ctx.event.channel as { name: string };
      await ctx.slack.chat.postMessage({ channel: config.channel, text: `new channel #${created.name}` });
    });
    bot.command("/approve", async (ctx) => {
      await ctx.say({
        text: "Approve the release?",
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: "Approve the release?" } },
          { type: "actions", elements: [{ type: "button", action_id: "approve", text: { type: "plain_text", text: "Approve" }, value: ctx.text }] },
        ],
      });
    });
    bot.blockAction("approve", async (ctx) => {
      await ctx.respond({ text: `approved ${ctx.action.value} by <@${ctx.actor!.slackUserId}>`, replace_original: true });
    });
    timer = bot.timer("later", async (ctx) => {
      await ctx.slack.chat.postMessage({ channel: config.channel, text: "timer fired" });
    });
    bot.webhook("/arm", async () => {
      timer.set(new Date(Date.now() + 50));
      return { status: 202 };
    });
    bot.webhook("/no-channel", async (ctx) => {
      await ctx.say("nowhere");
    });
    bot.webhook("/backlog", async (ctx) => {
      ctx.metrics.gauge("backlog", Number((ctx.event.body as { size: number }).size), { queue: "reviews" });
      ctx.metrics.count("checks");
    });
  },
});

let t: TestBot;
afterEach(() => t?.close());

describe("createTestBot runs every trigger kind against the emulator", () => {
  it("answers a mention keyword, in the channel, with the words after it", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    const posted = await t.slack.sendMessage({ channel: CHANNEL, user: t.user, text: `<@${t.slack.botUserId}> deploy web now` });
    await t.settle(posted.events.map((e) => e.eventId));
    expect(t.slack.messages(CHANNEL).at(-1)?.text).toBe(`deploying web now for <@${t.user}>`);
  });

  it("reacts to a reaction in the message's thread", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    const message = await t.send("look at this");
    const { eventId } = await t.slack.addReaction({ channel: CHANNEL, ts: message.ts, user: t.user, name: "eyes" });
    await t.settle([eventId!]);
    expect(t.slack.replies(CHANNEL, message.ts).map((m) => m.text)).toEqual(["someone is looking"]);
  });

  it("handles any Events API event type", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    const { eventId } = await t.slack.deliverEvent({ type: "channel_created", channel: { id: "C0NEWCHAN1", name: "incident-42", created: 1, creator: t.user } });
    await t.settle([eventId]);
    expect(t.slack.messages(CHANNEL).map((m) => m.text)).toEqual(["new channel #incident-42"]);
  });

  it("runs a slash command, then a button click answered through its response_url", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    await t.command("/approve", "v1.4.2");
    const prompt = t.slack.messages(CHANNEL).at(-1)!;
    expect(prompt.text).toBe("Approve the release?");
    const click = await t.slack.clickButton({ user: t.user, channel: CHANNEL, messageTs: prompt.ts, actionId: "approve" });
    await t.settle();
    expect(t.slack.responses(click.responseUrlId).map((r) => [r.body.text, r.outcome])).toEqual([[`approved v1.4.2 by <@${t.user}>`, "replaced"]]);
    expect(t.slack.message(CHANNEL, prompt.ts)?.text).toBe(`approved v1.4.2 by <@${t.user}>`);
  });

  it("fires a one-shot timer set from a handler", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    expect((await t.webhook("/arm", {})).status).toBe(202);
    await t.slack.waitFor(() => t.slack.messages(CHANNEL).some((m) => m.text === "timer fired"), 5_000);
    expect(timer.next).toBeUndefined();
  });

  it("fails a run that says where there is no channel, with a code and a hint", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    expect((await t.webhook("/no-channel", {})).status).toBe(500);
    const failed = t.logs.find((l) => l.msg === "handler failed: ctx.say has no channel to post to in a webhook trigger.\n  hint: Pass one: ctx.say({ channel: 'C123', text }), or use ctx.slack.chat.postMessage.");
    expect((failed?.err as { code?: string })?.code).toBe(ErrorCodes.NO_CHANNEL);
  });

  it("shows what the bot reports through ctx.metrics: a gauge's last value, a counter's sum", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    await t.webhook("/backlog", { size: 7 });
    await t.webhook("/backlog", { size: 3 });
    expect(t.metric("backlog", { queue: "reviews" })).toBe(3);
    expect(t.metric("checks")).toBe(2);
    expect(t.metric("checks_total")).toBe(2);
    expect(t.metric("backlog")).toBeUndefined();
  });

  it("refuses a misspelt timezone with the coded error botyard validate gives, naming the value", async () => {
    const daily = definePlugin({
      name: "daily",
      core: "^1.0.0",
      config: Type.Object({ timezone: Type.String() }),
      setup(bot, config) {
        bot.schedule("0 10 * * 1-5", { timezone: config.timezone }, async () => {});
      },
    });
    const refused = createTestBot(daily, { timezone: "Europe/Pariss" });
    await expect(refused).rejects.toMatchObject({ name: "BotyardError", code: ErrorCodes.PLUGIN_SETUP_FAILED, details: { value: "Europe/Pariss" } });
    await expect(refused).rejects.toThrow('Invalid timezone "Europe/Pariss" for schedule "0 10 * * 1-5": not an IANA timezone (did you mean "Europe/Paris"?)');
  });

  it("refuses a bot whose config does not match its plugin's schema: at compile time, and at run time for what the compiler cannot see", async () => {
    // @ts-expect-error -- a misspelt field does not compile (TestConfig follows the plugin's schema)
    await expect(createTestBot(everything, { chanel: CHANNEL })).rejects.toMatchObject({ code: ErrorCodes.PLUGIN_CONFIG_INVALID });
  });
});

describe("createTestBot behaves like the host", () => {
  const hooks = definePlugin({
    name: "hooks",
    core: "^1.0.0",
    config: Type.Object({}),
    setup(bot) {
      bot.webhook("/secret", async (ctx) => {
        if (ctx.event.headers["x-standup-secret"] !== "s3cret") return { status: 401, body: { ok: false } };
        return { status: 200, body: { ok: true, team: ctx.event.query.team } };
      });
    },
  });

  it("hands a webhook handler lowercased header names, as Node's HTTP server does", async () => {
    t = await createTestBot(hooks, {});
    expect(await t.webhook("/secret", {}, { headers: { "X-Standup-Secret": "s3cret" }, query: { team: "web" } })).toEqual({ status: 200, body: { ok: true, team: "web" } });
    expect((await t.webhook("/secret", {}, { headers: { "X-Standup-Secret": "wrong" } })).status).toBe(401);
  });

  it("runs the handlers of events sent without waiting concurrently, as the host does; settle() waits for them all", async () => {
    // "first" cannot finish until "second" has started: sent one after the other with waiting,
    // the first send would never resolve.
    let secondStarted!: () => void;
    const started = new Promise<void>((resolve) => (secondStarted = resolve));
    const order: string[] = [];
    const overlapping = definePlugin({
      name: "overlapping",
      core: "^1.0.0",
      config: Type.Object({ channel: Type.String() }),
      setup(bot) {
        bot.message("first", async (ctx) => {
          await started;
          order.push("first done");
          await ctx.say("first answered");
        });
        bot.message("second", async (ctx) => {
          secondStarted();
          order.push("second done");
          await ctx.say("second answered");
        });
      },
    });
    t = await createTestBot(overlapping, { channel: CHANNEL });
    await t.send("first", { wait: false });
    await t.send("second", { wait: false });
    await t.settle();
    expect(order).toEqual(["second done", "first done"]);
    expect(t.slack.messages(CHANNEL).filter((m) => m.user === t.slack.botUserId).map((m) => m.text).sort()).toEqual(["first answered", "second answered"]);
  });

  it("mentions the bot the way Slack writes a mention, in a thread and as another person", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    const bob = t.slack.addUser({ id: "U0BOB", name: "bob" }).id;
    const question = await t.send("can someone deploy?");
    await t.mention("deploy web", { user: bob, thread_ts: question.ts });
    expect(t.slack.replies(CHANNEL, question.ts).map((m) => m.text)).toEqual([`<@${t.slack.botUserId}> deploy web`, `deploying web for <@${bob}>`]);
  });
});


describe("t.send posts the kinds of message people post", () => {
  it("`/me waves` is a me_message, `files` make a file_share, `reply_broadcast` a thread_broadcast with root", async () => {
    t = await createTestBot(everything, { channel: CHANNEL });
    const me = await t.send("/me waves");
    const shared = await t.send("the numbers", { files: [{ name: "report.csv" }] });
    const broadcast = await t.send("done", { thread_ts: shared.ts, reply_broadcast: true });

    expect(t.slack.message(CHANNEL, me.ts)).toMatchObject({ subtype: "me_message", text: "waves", user: t.user });
    expect(t.slack.message(CHANNEL, shared.ts)).toMatchObject({ subtype: "file_share", files: [{ name: "report.csv", filetype: "csv" }] });
    expect(t.slack.messages(CHANNEL).at(-1)).toMatchObject({ ts: broadcast.ts, subtype: "thread_broadcast", root: { ts: shared.ts, reply_count: 1 } });
  });
});

describe("an edited message that mentions the app", () => {
  // Slack delivers app_mention again, with `edited`, when the person edits the message.
  const answers = definePlugin({
    name: "answers",
    core: "^1.0.0",
    config: Type.Object({ channel: Type.String() }),
    setup(bot) {
      bot.mention("deploy", (ctx) => ctx.say(`deploying ${ctx.args.join(" ")}`));
      bot.mention("status", (ctx) => ctx.say(`${ctx.event.edited ? "edited" : "asked"}: ${ctx.args.join(" ")}`), { edits: true });
    },
  });

  it("is answered once: bot.mention does not run again for the edit", async () => {
    t = await createTestBot(answers, { channel: CHANNEL });
    const asked = await t.mention("deploy web");
    await t.slack.editMessage({ channel: CHANNEL, ts: asked.ts, text: `<@${t.slack.botUserId}> deploy api` });
    await t.settle();
    expect(t.slack.messages(CHANNEL).filter((m) => m.user === t.slack.botUserId).map((m) => m.text)).toEqual(["deploying web"]);
  });

  it("reaches a mention trigger that asks for edits ({ edits: true }), with ctx.event.edited set", async () => {
    t = await createTestBot(answers, { channel: CHANNEL });
    const asked = await t.mention("status web");
    await t.slack.editMessage({ channel: CHANNEL, ts: asked.ts, text: `<@${t.slack.botUserId}> status api` });
    await t.settle();
    expect(t.slack.messages(CHANNEL).filter((m) => m.user === t.slack.botUserId).map((m) => m.text)).toEqual(["asked: web", "edited: api"]);
  });
});
