import { definePlugin, token, Tokens, type BaseContext, type MentionContext } from "@botyard/core";
import { OncallConfig, configProblems } from "./config.js";
import { matching, whoIsOnCall } from "./messages/messages.js";
import { PagerDutyClient } from "./pagerduty/client.js";
import { Keys, syncKey, type Snapshot } from "./sync/state.js";
import { syncAll, type Syncer } from "./sync/sync.js";

export { OncallConfig, SyncConfig, PagerDutyConfig, configProblems } from "./config.js";
export type { NobodyPolicy } from "./config.js";
export { PagerDutyClient, PagerDutyError, PAGERDUTY_US_URL, PAGERDUTY_EU_URL } from "./pagerduty/client.js";
export type { PagerDutyClientOptions, RequestOptions, OnCallFilter } from "./pagerduty/client.js";
export type * from "./pagerduty/types.js";
export type { Snapshot, OnCallPerson } from "./sync/state.js";

/** Trigger names, for `botyard list`, logs and tests (`t.fireSchedule(SYNC_SCHEDULE)`). */
export const SYNC_SCHEDULE = "sync";
export const SHIFT_END_TIMER = "shift-end";

/**
 * The bot's PagerDuty client, built from `config.pagerduty` unless a test or the host registered
 * another first (`createTestBot(oncall, config, { services: (c) => c.register(OncallTokens.PagerDuty, ...) })`).
 */
export const OncallTokens = {
  PagerDuty: token<PagerDutyClient>("oncall:pagerduty"),
} as const;

/**
 * Keeps Slack user groups (`@oncall-sre`) holding whoever is on call in PagerDuty: synced at
 * start-up, on a cron, and the moment the current shift ends; handoffs announced; `/oncall` and
 * `@bot oncall` answer who is on call until when.
 */
export default definePlugin({
  name: "oncall",
  core: "^1.0.0",
  description: "Slack user groups that always hold who is on call in PagerDuty.",
  config: OncallConfig,
  // usergroups.list / .users.update / .enable / .disable; users.lookupByEmail (a PagerDuty user's
  // Slack user); chat.postMessage (handoffs, answers); conversations.setTopic when a sync sets one.
  slack: {
    scopes: (config) => [
      "usergroups:read",
      "usergroups:write",
      "users:read",
      "users:read.email",
      "chat:write",
      ...(config.syncs.some((sync) => sync.topicChannel) ? (["channels:write.topic", "groups:write.topic"] as const) : []),
    ],
  },
  setup(bot, config) {
    const problems = configProblems(config);
    if (problems.length) throw new Error(`the config has ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);

    bot.provide(OncallTokens.PagerDuty, () => new PagerDutyClient(config.pagerduty));
    // The services are resolved per run from the bot's container (one client per bot: the factory
    // runs once), so that what a test registered is what the sync uses.
    const syncer = (ctx: BaseContext<unknown>): Syncer => ({
      config,
      pagerduty: ctx.container.resolve(OncallTokens.PagerDuty),
      clock: ctx.container.resolve(Tokens.Clock),
      timer,
    });
    const timer = bot.timer(SHIFT_END_TIMER, (ctx) => syncAll(ctx, syncer(ctx)));
    // The first sync runs as a timer run right after start rather than in the start hook: the
    // host holds every bot's Slack events until all start hooks return, and fails a bot whose
    // hook overruns startTimeoutMs, while PagerDuty or Slack may be slow or down just then. As a
    // timer run it gets the usual retries, and a failure arms the retry backoff.
    bot.onStart(() => timer.set(new Date()));
    bot.schedule(config.interval, { name: SYNC_SCHEDULE }, (ctx) => syncAll(ctx, syncer(ctx)));

    const answer = async (ctx: BaseContext<unknown>, words: string[]) => {
      const snapshots: Array<Snapshot & { usergroup: string }> = [];
      for (const sync of config.syncs) {
        const snapshot = await ctx.store.get<Snapshot>(Keys.snapshot(syncKey(sync.usergroup)));
        if (snapshot) snapshots.push({ ...snapshot, usergroup: sync.usergroup });
      }
      return whoIsOnCall(matching(snapshots, words));
    };
    bot.command(config.command, { description: "Who is on call, and until when", usageHint: "[schedule name]" }, async (ctx) => ctx.respond(await answer(ctx, ctx.args)));
    // An edited question's mention is not delivered again (bot.mention's default): answered once.
    const ask = async (ctx: MentionContext) => ctx.say(await answer(ctx, ctx.args));
    bot.mention(config.keyword, ask);
    if (config.answerWhoIsOnCall) bot.mention(whoIsOnCallQuestion(config.keyword), ask, { name: "mention:who-is-on-call" });
  },
});

/** "who is on call", "who's oncall for sre?"... unless it starts with the keyword (that trigger answers it). */
function whoIsOnCallQuestion(keyword: string): RegExp {
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^(?!${escaped}(?:\\s|$))[\\s\\S]*\\bwho(?:'s|\\u2019s|\\s+is)\\s+on[\\s-]?call\\b`, "i");
}
