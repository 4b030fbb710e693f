import { definePlugin, renderTemplate, Type } from "@botyard/core";

export const HelloConfig = Type.Object(
  {
    channel: Type.String({ description: "Channel id where webhook notifications and heartbeats are posted." }),
    greeting: Type.String({ default: "Hello, {{{user}}}!", description: "Answer to `hello`; {{{user}}} is the sender's mention." }),
    command: Type.String({ default: "/hello", description: "Slash command it answers; unique per bot across the host." }),
    heartbeat: Type.Optional(Type.String({ description: "Cron pattern (seconds allowed) for a heartbeat message; none when absent." })),
  },
  { additionalProperties: false },
);

/** The example plugin: one screen, every kind of trigger a newcomer meets first. */
export default definePlugin({
  name: "hello",
  core: "^1.0.0",
  config: HelloConfig,
  // ctx.say and the webhook's post are chat.postMessage; /hello answers through its response_url (no scope).
  slack: { scopes: ["chat:write"] },
  setup(bot, config) {
    bot.message(/^hello\b/i, async (ctx) => {
      await ctx.say(renderTemplate(config.greeting, { user: `<@${ctx.event.user}>` }));
    });

    bot.command(config.command, { description: "Says hello back", usageHint: "[anything]" }, async (ctx) => {
      await ctx.respond(`Hello <@${ctx.actor!.slackUserId}>, you said: ${ctx.text || "nothing"}`);
    });

    bot.webhook("/notify", async (ctx) => {
      const { text } = (ctx.event.body ?? {}) as { text?: unknown };
      if (typeof text !== "string" || !text) return { status: 400, body: { ok: false, error: 'expected a JSON body with a "text" string' } };
      const posted = await ctx.say({ channel: config.channel, text: renderTemplate("{{text}}", { text }) });
      return { status: 200, body: { ok: true, ts: posted.ts } };
    });

    if (config.heartbeat) {
      bot.schedule(config.heartbeat, async (ctx) => {
        const beats = ((await ctx.store.get<number>("beats")) ?? 0) + 1;
        await ctx.store.set("beats", beats);
        await ctx.say({ channel: config.channel, text: `heartbeat #${beats}` });
      });
    }
  },
});
