// Two mistakes the typed config must catch (src/plugin/type-cost.test.ts).
import { definePlugin, Type } from "@botyard/core";

export default definePlugin({
  name: "mistyped",
  core: "^1.0.0",
  config: Type.Object({ channel: Type.String(), limit: Type.Optional(Type.Integer({ default: 5 })) }),
  setup(bot, config) {
    bot.message("hi", async (ctx) => {
      await ctx.say({ channel: config.chanel, text: "hi" });
    });
    const limit: number = config.channel;
    bot.log.info({ limit }, "set up");
  },
});
