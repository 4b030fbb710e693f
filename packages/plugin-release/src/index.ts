import { definePlugin } from "@botyard/core";
import { ReleaseConfig } from "./config.js";
import { ReleaseTokens, startRun } from "./release-run.js";
import { createGitHub } from "./github/client.js";
import { releaseAll } from "./release/open-release.js";
import { repoTargets } from "./release/repo-target.js";
import { remindRepo } from "./reminders/remind.js";
import { explain } from "./github/errors.js";
import { handleRequest } from "./slack/commands.js";

export { ReleaseConfig, RepositoryConfig, DEFAULT_BODY } from "./config.js";
export { ReleaseTokens } from "./release-run.js";
export type { GitHub, GitHubClientOptions } from "./github/client.js";
export type { ReleaseOutcome } from "./release/open-release.js";
export { escapeMarkdown, preserveEdits, renderReleaseBody, PR_BODY_LIMIT } from "./release/body.js";
export type { PrItem } from "./release/body.js";

/**
 * Release PRs on a schedule and on demand (head into base, listing the PRs merged since the last
 * release), announced in Slack, with reminders to pending reviewers until the PR is approved and a
 * "released" note once it is merged.
 */
export default definePlugin({
  name: "release",
  core: "^1.0.0",
  description: "Scheduled release PRs on GitHub and reminders to pending reviewers.",
  config: ReleaseConfig,
  // chat.postMessage and chat.update (announcements, reminders, answers); users.lookupByEmail (a
  // GitHub login's Slack user); usergroups.users.list only when user groups may start a release.
  slack: { scopes: (config) => ["chat:write", "users:read", "users:read.email", ...(config.allow.usergroups.length > 0 ? (["usergroups:read"] as const) : [])] },
  setup(bot, config) {
    bot.provide(ReleaseTokens.GitHub, () => (options) => createGitHub(config.github, options));
    const targets = repoTargets(config);
    const timezone = config.timezone;
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      throw new Error(`timezone "${timezone}" is not an IANA zone (e.g. "Europe/Paris").`);
    }

    if (config.schedule !== false) {
      bot.schedule(config.schedule, { name: "release", timezone }, async (ctx) => {
        const outcomes = await releaseAll(startRun(ctx, config, targets, ctx.event.scheduledAt));
        const failed = outcomes.filter((o) => o.kind === "failed");
        // Each failure is already logged with its repository; failing the run shows it in the bot's status too.
        if (failed.length > 0) throw new Error(`release failed for ${failed.length} of ${outcomes.length} repositories: ${failed.map((o) => o.repo).join(", ")}`);
      });
    }

    if (config.remindSchedule !== false) {
      bot.schedule(config.remindSchedule, { name: "remind", timezone }, async (ctx) => {
        const run = startRun(ctx, config, targets, ctx.event.scheduledAt);
        const failed: string[] = [];
        for (const target of targets) {
          try {
            await remindRepo(run, target, ctx.event.scheduledAt.toISOString());
          } catch (error) {
            ctx.log.error({ repo: target.fullName, err: error }, `reminders failed: ${explain(error, target.fullName)}`);
            failed.push(target.fullName);
          }
        }
        if (failed.length > 0) throw new Error(`reminders failed for ${failed.join(", ")}`);
      });
    }

    if (config.command !== false) {
      const command = config.command;
      bot.command(command, { description: "Opens a release PR now, or says what a release would hold", usageHint: "<repo> | all | status | help" }, (ctx) => handleRequest(startRun(ctx, config, targets), { words: ctx.args, invocation: command }, (text) => ctx.respond(text)));
    }

    if (config.mention !== false) {
      const keyword = config.mention;
      // An edited message's mention is not delivered again (bot.mention's default): one release per ask.
      bot.mention(keyword, (ctx) =>
        handleRequest(startRun(ctx, config, targets), { words: ctx.args, invocation: `@bot ${keyword}` }, (text) =>
          ctx.say({ text, thread_ts: ctx.event.thread_ts ?? ctx.event.ts }),
        ),
      );
    }
  },
});
