import { escapeSlack, type BaseContext } from "@botyard/core";
import type { ReleaseConfig } from "../config.js";
import { explain } from "../github/errors.js";
import { readPull } from "../github/pull-reader.js";
import type { ReleaseRun } from "../release-run.js";
import { openReleasePulls, reviewState, type OpenPull } from "../reminders/review-state.js";
import { releaseAll, type ReleaseOutcome } from "../release/open-release.js";
import type { RepoTarget } from "../release/repo-target.js";
import { count } from "./messages.js";

/**
 * `release <repo>`, `release all`, `release status`, `release help`: the same words from the slash
 * command and the app mention. `reply` answers ephemerally (slash command) or in the thread (mention).
 */
export async function handleRequest(
  run: ReleaseRun,
  request: { words: string[]; invocation: string },
  reply: (text: string) => Promise<unknown>,
): Promise<void> {
  const { ctx, targets, config } = run;
  const { words, invocation } = request;
  const word = (words[0] ?? "").toLowerCase();
  ctx.log.info({ actor: ctx.actor, channel: ctx.channel, request: words.join(" ") }, "on-demand request");

  if (word === "" || word === "help") return void (await reply(usage(invocation, targets)));
  if (word === "status") return void (await reply(await status(run)));

  const chosen = word === "all" ? targets : targets.filter((t) => t.alias.toLowerCase() === word || t.fullName.toLowerCase() === word);
  if (chosen.length === 0) {
    return void (await reply(`I don't know a repository called "${escapeSlack(words[0]!)}". ${known(targets)}\nTry \`${invocation} ${targets[0]!.alias}\` or \`${invocation} status\`.`));
  }
  const refusal = await refuse(ctx, config.allow);
  if (refusal) {
    ctx.log.info({ actor: ctx.actor, channel: ctx.channel }, "on-demand release refused: not allowed");
    return void (await reply(refusal));
  }
  ctx.log.info({ actor: ctx.actor, repos: chosen.map((t) => t.fullName) }, "on-demand release started");
  const outcomes = await releaseAll(run, chosen);
  await reply(outcomes.map(describe).join("\n"));
}

function usage(invocation: string, targets: RepoTarget[]): string {
  return [
    `\`${invocation} <repository>\` opens or updates its release PR now; \`${invocation} all\` does every one; \`${invocation} status\` shows where each stands.`,
    known(targets),
  ].join("\n");
}

function known(targets: RepoTarget[]): string {
  return `Configured: ${targets.map((t) => `\`${t.alias}\` (${escapeSlack(t.fullName)}, ${escapeSlack(t.head)} → ${escapeSlack(t.base)})`).join(", ")}.`;
}

function describe(o: ReleaseOutcome): string {
  const repo = escapeSlack(o.repo);
  switch (o.kind) {
    case "opened":
      return `:rocket: *${repo}*: opened <${o.url}|#${o.number}> with ${count(o.count)}.`;
    case "updated":
      return `:arrows_counterclockwise: *${repo}*: updated <${o.url}|#${o.number}>, now ${count(o.count)}.`;
    case "unchanged":
      return `:ok_hand: *${repo}*: <${o.url}|#${o.number}> is up to date (${count(o.count)}).`;
    case "nothing":
      return `:zzz: *${repo}*: nothing to release (${escapeSlack(o.reason)}).`;
    case "dry-run":
      return `:test_tube: *${repo}*: dry run, nothing changed on GitHub (${count(o.count)} to release).`;
    case "busy":
      return `:hourglass: *${repo}*: a release run is already going; try again in a minute.`;
    case "failed":
      return `:x: ${escapeSlack(o.error)}`;
  }
}

/** Where each repository stands: its open release PR and who still has to review it. Read-only, so open to everyone. */
async function status(run: ReleaseRun): Promise<string> {
  const lines: string[] = [];
  for (const target of run.targets) {
    const repo = escapeSlack(target.fullName);
    try {
      const [listed] = await openReleasePulls(run, target);
      if (!listed) {
        lines.push(`• *${repo}*: no open release PR.`);
        continue;
      }
      const pr: OpenPull = await readPull(run, target, listed.number);
      const review = await reviewState(run, target, pr);
      const link = `<${pr.html_url}|#${pr.number} ${escapeSlack(pr.title)}>`;
      const waiting = [...review.pendingUsers, ...review.pendingTeams.map((t) => `${target.owner}/${t}`)].map(escapeSlack);
      const state = pr.draft
        ? "draft"
        : review.approved
          ? `approved by ${review.approvals.map(escapeSlack).join(", ")}, ready to merge`
          : waiting.length
            ? `waiting for review from ${waiting.join(", ")}`
            : "not approved, no review requested";
      lines.push(`• *${repo}*: ${link}, ${state}.`);
    } catch (error) {
      lines.push(`• :x: ${escapeSlack(explain(error, target.fullName))}`);
    }
  }
  return lines.join("\n");
}

/** A polite refusal when the actor may not start a release here; undefined when they may. */
async function refuse(ctx: BaseContext<unknown>, allow: ReleaseConfig["allow"]): Promise<string | undefined> {
  const users = allow?.users ?? [];
  const groups = allow?.usergroups ?? [];
  const channels = allow?.channels ?? [];
  if (channels.length > 0 && !(ctx.channel && channels.includes(ctx.channel))) {
    return `Sorry, releases can only be started in ${channels.map((c) => `<#${c}>`).join(", ")}. \`status\` works anywhere.`;
  }
  if (users.length === 0 && groups.length === 0) return undefined;
  const me = ctx.actor?.slackUserId;
  if (me && users.includes(me)) return undefined;
  for (const usergroup of groups) {
    try {
      const { users: members = [] } = await ctx.slack.usergroups.users.list({ usergroup });
      if (me && members.includes(me)) return undefined;
    } catch (error) {
      ctx.log.warn({ usergroup, error: (error as { data?: { error?: string } }).data?.error ?? String(error) }, "could not read a user group's members (the app needs usergroups:read)");
    }
  }
  // Nobody is named: a refusal in a channel must not ping the people allowed.
  return `Sorry${me ? ` <@${me}>` : ""}, starting a release is limited to the people and groups set in this bot's \`allow\` list. Ask one of them, or see where things stand with \`status\`.`;
}
