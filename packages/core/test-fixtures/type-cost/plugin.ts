// A plugin of about 100 lines using every kind of trigger: what type-checking one costs is
// measured on it (src/plugin/type-cost.test.ts and bench/type-check.bench.ts).
import { definePlugin, renderTemplate, token, Type, type Static } from "@botyard/core";

export const Config = Type.Object(
  {
    channel: Type.String({ description: "Channel id for announcements." }),
    at: Type.Optional(Type.String({ default: "0 0 10 * * 1-5", description: "When the standup starts (cron)." })),
    timezone: Type.Optional(Type.String({ default: "UTC", description: "IANA timezone of `at`." })),
    command: Type.Optional(Type.String({ default: "/standup", description: "Slash command." })),
    keyword: Type.Optional(Type.String({ default: "standup", description: "Mention keyword." })),
    secret: Type.String({ minLength: 16, description: "Shared secret of the webhook." }),
    prompt: Type.Optional(Type.String({ default: "Standup time, {{{who}}}!", description: "Prompt template." })),
    people: Type.Optional(Type.Array(Type.String({ pattern: "^U[A-Z0-9]+$" }), { default: [] })),
    reminders: Type.Optional(
      Type.Object({ afterMinutes: Type.Optional(Type.Integer({ minimum: 1, default: 30 })), max: Type.Optional(Type.Integer({ minimum: 0, default: 2 })) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof Config>;

interface Answers {
  record(user: string, text: string): Promise<number>;
}
const AnswersToken = token<Answers>("standup.answers");

export default definePlugin({
  name: "standup",
  core: "^1.0.0",
  config: Config,
  setup(bot, config) {
    const channel: string = config.channel;
    const people: string[] = config.people ?? [];
    bot.provide(AnswersToken, () => ({
      record: async (user: string, text: string) => `${user}:${text}`.length,
    }));

    const reminder = bot.timer("remind", async (ctx) => {
      const prompt = await ctx.store.get<string>("prompt-ts");
      if (!prompt) return;
      await ctx.slack.chat.postMessage({ channel, thread_ts: prompt, text: "Still waiting for a few answers." });
    });

    bot.schedule(config.at ?? "0 0 10 * * 1-5", { timezone: config.timezone ?? "UTC", name: "standup" }, async (ctx) => {
      if (await ctx.store.get<boolean>("skip")) return;
      const who = people.map((p) => `<@${p}>`).join(" ") || "everyone";
      const posted = await ctx.slack.chat.postMessage({ channel, text: renderTemplate(config.prompt ?? "", { who }) });
      if (posted.ts) await ctx.store.set("prompt-ts", posted.ts, { ttlMs: 86_400_000 });
      reminder.set(new Date(ctx.event.scheduledAt.getTime() + (config.reminders?.afterMinutes ?? 30) * 60_000));
    });

    bot.message(/^standup skip$/i, async (ctx) => {
      await ctx.store.set("skip", true, { ttlMs: 86_400_000 });
      await ctx.say("Skipping today's standup.");
    });

    bot.message(undefined, async (ctx) => {
      const prompt = await ctx.store.get<string>("prompt-ts");
      if (!prompt || ctx.event.thread_ts !== prompt || !ctx.event.user) return;
      const answers = ctx.container.resolve(AnswersToken);
      const count = await answers.record(ctx.event.user, ctx.event.text ?? "");
      ctx.metrics.count("answers");
      ctx.log.info({ count }, "answer recorded");
    });

    bot.mention(config.keyword ?? "standup", async (ctx) => {
      const [sub] = ctx.args;
      if (sub === "status") await ctx.say(`Prompt: ${(await ctx.store.get<string>("prompt-ts")) ?? "none yet"}`);
      else await ctx.say(`Try \`@botyard ${config.keyword ?? "standup"} status\`.`);
    });

    bot.command(config.command ?? "/standup", async (ctx) => {
      await ctx.respond({ text: `Standup for <@${ctx.actor?.slackUserId ?? "someone"}>: ${ctx.text || "no note"}` });
    });

    bot.reaction("white_check_mark", async (ctx) => {
      await ctx.act("mark-done", { ts: ctx.event.item.ts }, async () => ctx.store.set(`done/${ctx.event.item.ts}`, true));
    });

    bot.blockAction("standup-done", async (ctx) => {
      await ctx.respond({ text: `Done: ${ctx.action.value ?? ""}`, replace_original: true });
    });

    bot.webhook(
      "/answer",
      { verify: (req) => (req.headers["x-standup-secret"] === config.secret ? undefined : { status: 401, body: { ok: false } }) },
      async (ctx) => {
        const { user, text } = (ctx.event.body ?? {}) as { user?: unknown; text?: unknown };
        if (typeof user !== "string" || typeof text !== "string") return { status: 400, body: { ok: false, error: "user and text are required" } };
        await ctx.once(`answer/${user}`, () => ctx.slack.chat.postMessage({ channel, text: `<@${user}>: ${text}` }));
        return { status: 200, body: { ok: true } };
      },
    );

    bot.onStart(async (ctx) => {
      ctx.log.info({ channel }, "standup ready");
    });
  },
});
