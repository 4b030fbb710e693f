import { escapeSlack } from "@botyard/core";
import type { PrItem } from "../release/body.js";
import type { RepoTarget } from "../release/repo-target.js";

/** How many PRs a Slack message lists before pointing at the release PR for the rest. */
export const SLACK_LIST_LIMIT = 30;

export type ReleaseState = "open" | "merged" | "closed";

export interface ReleaseSummary {
  repo: string;
  head: string;
  base: string;
  number: number;
  url: string;
  title: string;
  items: PrItem[];
  state: ReleaseState;
}

const HEADLINE: Record<ReleaseState, string> = {
  open: ":rocket: Release PR",
  merged: ":white_check_mark: Released:",
  closed: ":no_entry_sign: Closed without merging:",
};

/** The one message per release PR in the announce channel (edited as the PR gains PRs or ships). */
export function announcementText(r: ReleaseSummary): string {
  const head = `${HEADLINE[r.state]} <${r.url}|#${r.number} ${escapeSlack(r.title)}> for *${escapeSlack(r.repo)}* (${escapeSlack(r.head)} → ${escapeSlack(r.base)}): ${count(r.items.length)}`;
  return [head, ...listLines(r.items, r.url)].join("\n");
}

/** Posted in the release PR's thread once it is merged. */
export function releasedText(r: ReleaseSummary, mergedBy: string | undefined): string {
  const by = mergedBy ? ` by ${escapeSlack(mergedBy)}` : "";
  return [`:white_check_mark: Released! <${r.url}|#${r.number}> was merged into ${escapeSlack(r.base)}${by}. It shipped ${count(r.items.length)}:`, ...listLines(r.items, r.url)].join("\n");
}

/** Posted under plugin dry-run instead of opening or updating anything. */
export function dryRunText(target: RepoTarget, items: PrItem[], existing: { number: number; url: string } | undefined, title: string): string {
  const what = existing ? `update <${existing.url}|#${existing.number}> to` : "open";
  return [
    `:test_tube: Dry run: would ${what} a release PR "${escapeSlack(title)}" for *${escapeSlack(target.fullName)}* (${escapeSlack(target.head)} → ${escapeSlack(target.base)}) with ${count(items.length)}:`,
    ...listLines(items, existing?.url),
  ].join("\n");
}

export function squashWarningText(target: RepoTarget, release: { number: number; url: string; commits: number }): string {
  return (
    `:warning: *${escapeSlack(target.fullName)}*: release PR <${release.url}|#${release.number}> was squash- or rebase-merged into ${escapeSlack(target.base)}, ` +
    `so ${escapeSlack(target.base)}...${escapeSlack(target.head)} still lists its ${release.commits} commit${release.commits === 1 ? "" : "s"} and never shrinks. ` +
    `Its PRs are left out of the next release PR. To fix it: merge release PRs with a merge commit (allow merge commits for ${escapeSlack(target.base)}), ` +
    `and bring ${escapeSlack(target.head)} back in line now by merging ${escapeSlack(target.base)} into it (or resetting it to ${escapeSlack(target.base)} when nothing else is pending).`
  );
}

function listLines(items: PrItem[], moreUrl: string | undefined): string[] {
  const lines = items.slice(0, SLACK_LIST_LIMIT).map((pr) => `• <${pr.url}|#${pr.number}> ${escapeSlack(pr.title)} (${escapeSlack(pr.author)})`);
  const more = items.length - SLACK_LIST_LIMIT;
  if (more > 0) lines.push(moreUrl ? `• … and <${moreUrl}|${more} more>` : `• … and ${more} more`);
  return lines;
}

export function count(n: number): string {
  return `${n} pull request${n === 1 ? "" : "s"}`;
}
