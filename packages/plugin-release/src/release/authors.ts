import { escapeSlack } from "@botyard/core";
import { readFailure } from "../github/errors.js";
import { SlackPeople } from "../people/slack-users.js";
import type { ReleaseRun } from "../release-run.js";
import type { TrackedRelease } from "../slack/announcement.js";
import type { PrItem } from "./body.js";
import { githubWrite } from "./github-writes.js";
import type { RepoTarget } from "./repo-target.js";

/** Which authors of a release PR's listed PRs were already asked, assigned or mentioned (each once). */
interface Involved {
  requested: string[];
  assigned: string[];
  mentioned: string[];
}

const TTL_MS = 90 * 24 * 3600_000;
/** GitHub keeps at most 10 assignees on an issue or PR. */
const MAX_ASSIGNEES = 10;

/**
 * What git-pr-release calls `request-pr-author-review` and `assign-pr-author`, plus a Slack mention:
 * the authors of the PRs a release PR lists are asked to review it, assigned to it, or mentioned in
 * its Slack thread so they verify their change on staging. Per repository, each off by default;
 * each author once per release PR, as their PRs are added (the first list, then each update).
 */
export async function involveAuthors(
  run: ReleaseRun,
  target: RepoTarget,
  pr: { number: number; url: string; author: string | undefined },
  items: PrItem[],
  thread: TrackedRelease | undefined,
): Promise<void> {
  const { requestReviews, assign, mention } = target.authors;
  if (!requestReviews && !assign && !mention) return;
  const { ctx, gh } = run;
  const key = `authors/${target.fullName}/${pr.number}`;
  const involved = (await ctx.store.get<Involved>(key)) ?? { requested: [], assigned: [], mentioned: [] };
  const byAuthor = new Map<string, PrItem[]>();
  for (const item of items) {
    // GitHub refuses a review request to the PR's own author, and bots and deleted accounts ("ghost") cannot review.
    if (item.author === "ghost" || /\[bot\]$/i.test(item.author) || item.author.toLowerCase() === pr.author?.toLowerCase()) continue;
    const login = [...byAuthor.keys()].find((l) => l.toLowerCase() === item.author.toLowerCase()) ?? item.author;
    byAuthor.set(login, [...(byAuthor.get(login) ?? []), item]);
  }
  const newTo = (done: string[]) => [...byAuthor.keys()].filter((l) => !done.some((d) => d.toLowerCase() === l.toLowerCase()));
  const common = { owner: target.owner, repo: target.name };
  const write = async (name: string, logins: string[], perform: () => Promise<unknown>): Promise<boolean> => {
    try {
      return (await githubWrite(run, name, { repo: target.fullName, number: pr.number, logins }, perform)).done;
    } catch (error) {
      // Not a collaborator, or the like: said once, not retried every run.
      const f = readFailure(error);
      ctx.log.warn({ repo: target.fullName, pr: pr.number, action: name, logins, status: f.status, err: error }, `${name} failed: ${[f.message, ...f.details].join("; ")}`);
      return true;
    }
  };

  const toRequest = requestReviews ? newTo(involved.requested) : [];
  if (toRequest.length && (await write("github.pulls.requestReviewers", toRequest, () => gh.pulls.requestReviewers({ ...common, pull_number: pr.number, reviewers: toRequest })))) {
    involved.requested.push(...toRequest);
  }
  const toAssign = assign ? newTo(involved.assigned).slice(0, Math.max(0, MAX_ASSIGNEES - involved.assigned.length)) : [];
  if (toAssign.length && (await write("github.issues.addAssignees", toAssign, () => gh.issues.addAssignees({ ...common, issue_number: pr.number, assignees: toAssign })))) {
    involved.assigned.push(...toAssign);
  }
  const toMention = mention && thread ? newTo(involved.mentioned) : [];
  if (toMention.length && thread) {
    const people = new SlackPeople(run);
    const lines = [];
    for (const login of toMention) {
      const prs = byAuthor.get(login)!.map((item) => `<${item.url}|#${item.number}> ${escapeSlack(item.title)}`).join(", ");
      lines.push(`• ${await people.mention(login)}: ${prs}`);
    }
    await ctx.slack.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      text: [`:mag: Please verify your changes on staging before <${pr.url}|#${pr.number}> ships:`, ...lines].join("\n"),
      unfurl_links: false,
    });
    involved.mentioned.push(...toMention);
  }
  await ctx.store.set(key, involved, { ttlMs: TTL_MS });
}
