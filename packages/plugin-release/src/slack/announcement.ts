import type { Store } from "@botyard/core";
import type { ReleaseRun } from "../release-run.js";
import { announcementText, type ReleaseSummary } from "./messages.js";

/** A release PR the bot announced: where its Slack message is, what it said, whom it reminded. */
export interface TrackedRelease extends ReleaseSummary {
  channel: string;
  ts: string;
  /** The message's current text (edited only when it changes). */
  text: string;
  /** The last reminders: which tick, and the GitHub logins (and teams) still pending then. */
  reminders: Array<{ tick: string; pending: string[] }>;
}

const prefix = (repo: string) => `tracked/${repo}/`;

export function getTracked(store: Store, repo: string, number: number): Promise<TrackedRelease | undefined> {
  return store.get<TrackedRelease>(`${prefix(repo)}${number}`);
}

export async function listTracked(store: Store, repo: string): Promise<TrackedRelease[]> {
  return (await store.list<TrackedRelease>(prefix(repo))).map((e) => e.value);
}

export function saveTracked(store: Store, tracked: TrackedRelease): Promise<void> {
  return store.set(`${prefix(tracked.repo)}${tracked.number}`, tracked);
}

/** Whether a Slack write was skipped by a dry run (the engine answers those itself). */
export function skipped(result: unknown): boolean {
  return (result as { dry_run?: boolean } | undefined)?.dry_run === true;
}

/**
 * Posts the release PR's announcement, or edits it when it already exists and says something new
 * (the PR gained PRs, or shipped): one message per release PR, never re-posted. A message someone
 * deleted is posted again. Returns the record, or undefined when a dry run skipped the post.
 */
export async function announce(run: ReleaseRun, channel: string, summary: ReleaseSummary): Promise<TrackedRelease | undefined> {
  const { ctx } = run;
  const existing = await getTracked(ctx.store, summary.repo, summary.number);
  const text = announcementText(summary);
  if (existing && existing.text === text) return existing;
  if (existing) {
    try {
      const result = await ctx.slack.chat.update({ channel: existing.channel, ts: existing.ts, text });
      if (skipped(result)) return existing;
      const updated: TrackedRelease = { ...existing, ...summary, text };
      await saveTracked(ctx.store, updated);
      return updated;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error !== "message_not_found") throw error;
      ctx.log.info({ repo: summary.repo, pr: summary.number }, "the announcement was deleted: posting it again");
    }
  }
  const result = await ctx.slack.chat.postMessage({ channel, text, unfurl_links: false, unfurl_media: false });
  if (skipped(result)) return undefined;
  const tracked: TrackedRelease = { ...summary, channel: (result.channel as string | undefined) ?? channel, ts: result.ts as string, text, reminders: existing?.reminders ?? [] };
  await saveTracked(ctx.store, tracked);
  return tracked;
}
