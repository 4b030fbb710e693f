import { escapeSlack } from "@botyard/core";
import { readPull, type PullView } from "../github/pull-reader.js";
import { SlackPeople } from "../people/slack-users.js";
import type { ReleaseRun } from "../release-run.js";
import type { RepoTarget } from "../release/repo-target.js";
import { announce, getTracked, listTracked, saveTracked, skipped, type TrackedRelease } from "../slack/announcement.js";
import { releasedText } from "../slack/messages.js";
import { openReleasePulls, reviewState, type OpenPull } from "./review-state.js";

const REMINDER_KEY_TTL_MS = 3 * 24 * 3600_000;
const REMINDERS_KEPT = 10;

/**
 * Follows the release PRs the bot announced: once one is merged, says so in its thread with the
 * PRs it shipped (once) and marks the announcement released; a closed one is marked closed.
 * Returns those still open (read conditionally: an untouched PR costs nothing).
 */
export async function followTracked(run: ReleaseRun, target: RepoTarget): Promise<PullView[]> {
  const { ctx } = run;
  const open: PullView[] = [];
  for (const tracked of await listTracked(ctx.store, target.fullName)) {
    if (tracked.state !== "open") continue;
    const pr = await readPull(run, target, tracked.number);
    if (pr.state === "open") {
      open.push(pr);
      continue;
    }
    const state = pr.merged ? "merged" : "closed";
    if (pr.merged) {
      const summary = { ...tracked, state } as const;
      await ctx.once(`released/${target.fullName}/${tracked.number}`, () =>
        ctx.slack.chat.postMessage({ channel: tracked.channel, thread_ts: tracked.ts, text: releasedText(summary, pr.merged_by?.login), unfurl_links: false }),
      );
      ctx.log.info({ repo: target.fullName, pr: tracked.number, prs: tracked.items.length }, "release PR merged: released");
    } else {
      ctx.log.info({ repo: target.fullName, pr: tracked.number }, "release PR closed without merging");
    }
    const updated = await announce(run, tracked.channel, { ...tracked, state });
    await saveTracked(ctx.store, { ...(updated ?? tracked), state });
  }
  return open.sort((a, b) => a.number - b.number);
}

/**
 * Reminds the pending reviewers of every open release PR of a repository, in the PR's thread,
 * once per schedule tick (`tick`), until it is approved, merged or closed.
 */
export async function remindRepo(run: ReleaseRun, target: RepoTarget, tick: string): Promise<void> {
  const { ctx, gh } = run;
  await followTracked(run, target);
  for (const listed of await openReleasePulls(run, target)) {
    const pr: OpenPull = await readPull(run, target, listed.number);
    if (pr.draft) {
      ctx.log.debug({ repo: target.fullName, pr: pr.number }, "release PR is a draft: no reminder yet");
      continue;
    }
    const review = await reviewState(run, target, pr);
    if (review.approved) {
      ctx.log.debug({ repo: target.fullName, pr: pr.number, approvals: review.approvals }, "release PR approved: no reminder");
      continue;
    }
    const pending = [...review.pendingUsers, ...review.pendingTeams.map((t) => `${target.owner}/${t}`)];
    if (pending.length === 0) {
      ctx.log.info({ repo: target.fullName, pr: pr.number }, "release PR not approved, but nobody's review is requested: no one to remind");
      continue;
    }

    if (run.config.dryRun) {
      // A rehearsal pings nobody: names only, at the top level.
      await ctx.slack.chat.postMessage({
        channel: target.channel,
        text: `:test_tube: Dry run: would remind ${pending.map(escapeSlack).join(", ")} to review <${pr.html_url}|#${pr.number}> (${escapeSlack(target.fullName)}).`,
      });
      continue;
    }

    const tracked = (await getTracked(ctx.store, target.fullName, pr.number)) ?? (await announceHumanPr(run, target, pr));
    const mentions = await reviewerMentions(run, target, review, pr);
    const text = `:eyes: <${pr.html_url}|#${pr.number}> is waiting for review from ${mentions.join(", ")}.`;
    const done = await ctx.once(
      `remind/${target.fullName}/${pr.number}/${tick}`,
      () => ctx.slack.chat.postMessage({ channel: tracked?.channel ?? target.channel, ...(tracked ? { thread_ts: tracked.ts } : {}), text, unfurl_links: false }),
      { ttlMs: REMINDER_KEY_TTL_MS },
    );
    if (done.ran && tracked && !skipped(done.value)) {
      const latest = (await getTracked(ctx.store, target.fullName, pr.number)) ?? tracked;
      await saveTracked(ctx.store, { ...latest, reminders: [...latest.reminders, { tick, pending }].slice(-REMINDERS_KEPT) });
      ctx.log.info({ repo: target.fullName, pr: pr.number, tick, pending }, "reminded reviewers");
    }
  }
}

/** A release PR opened by a person (or before the bot's store existed): announced first, so reminders have a thread. */
async function announceHumanPr(run: ReleaseRun, target: RepoTarget, pr: OpenPull): Promise<TrackedRelease | undefined> {
  return announce(run, target.channel, {
    repo: target.fullName,
    head: target.head,
    base: target.base,
    number: pr.number,
    url: pr.html_url,
    title: pr.title,
    items: [],
    state: "open",
  });
}

/** Slack mentions for pending reviewers: users, then teams (a mapped user group, its members, or its name). */
async function reviewerMentions(run: ReleaseRun, target: RepoTarget, review: { pendingUsers: string[]; pendingTeams: string[]; approvals: string[] }, pr: OpenPull): Promise<string[]> {
  const { ctx, gh, config } = run;
  const people = new SlackPeople(run);
  const mentions = new Set<string>();
  for (const login of review.pendingUsers) mentions.add(await people.mention(login));
  const skip = new Set([...review.approvals, pr.user?.login ?? ""].map((l) => l.toLowerCase()));
  for (const slug of review.pendingTeams) {
    const group = Object.entries(config.slackGroups).find(([s]) => s.toLowerCase() === slug.toLowerCase())?.[1];
    if (group) {
      mentions.add(`<!subteam^${group}>`);
      continue;
    }
    if (config.expandTeams) {
      try {
        const members = await gh.paginate(gh.teams.listMembersInOrg, { org: target.owner, team_slug: slug, per_page: 100 });
        for (const m of members) if (!skip.has(m.login.toLowerCase())) mentions.add(await people.mention(m.login));
        continue;
      } catch (error) {
        if (await ctx.store.setIfAbsent(`warned/team/${target.owner}/${slug}`, { at: new Date().toISOString() })) {
          ctx.log.warn({ team: `${target.owner}/${slug}`, err: error }, `cannot list the members of team ${target.owner}/${slug} (the token needs read:org): naming the team instead`);
        }
      }
    }
    mentions.add(`the ${escapeSlack(`${target.owner}/${slug}`)} team`);
  }
  return [...mentions];
}
