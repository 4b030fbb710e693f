import { renderTemplate } from "@botyard/core";
import { ALREADY_EXISTS, NO_COMMITS, ReleaseError, explain, isValidation, readFailure } from "../github/errors.js";
import { isoDate, type ReleaseRun } from "../release-run.js";
import { readPull, rememberPull, type PullView } from "../github/pull-reader.js";
import { followTracked } from "../reminders/remind.js";
import { openReleasePulls, type OpenPull } from "../reminders/review-state.js";
import { announce } from "../slack/announcement.js";
import { dryRunText, squashWarningText } from "../slack/messages.js";
import { renderReleaseBody } from "./body.js";
import { involveAuthors } from "./authors.js";
import { findChanges } from "./find-changes.js";
import { githubWrite } from "./github-writes.js";
import type { RepoTarget } from "./repo-target.js";

export type ReleaseOutcome =
  | { repo: string; kind: "nothing"; reason: string }
  | { repo: string; kind: "opened" | "updated" | "unchanged"; number: number; url: string; count: number }
  | { repo: string; kind: "dry-run"; count: number; number?: number }
  | { repo: string; kind: "busy" }
  | { repo: string; kind: "failed"; error: string };

const LEASE_MS = 15 * 60_000;

/** Opens or updates the release PR of every repository; a failing one is logged and the others go on. */
export async function releaseAll(run: ReleaseRun, targets = run.targets): Promise<ReleaseOutcome[]> {
  const outcomes: ReleaseOutcome[] = [];
  for (const target of targets) {
    try {
      outcomes.push(await releaseRepo(run, target));
    } catch (error) {
      const message = error instanceof ReleaseError ? error.message : explain(error, target.fullName);
      run.ctx.log.error({ repo: target.fullName, err: error }, `release failed: ${message}`);
      outcomes.push({ repo: target.fullName, kind: "failed", error: message });
    }
  }
  return outcomes;
}

/**
 * One repository: what base...head holds, then the release PR opened, or the open one updated
 * (never two), then announced. One run per repository at a time (a lease in the store), so a
 * schedule tick and a `/release` racing each other do not both post.
 */
export async function releaseRepo(run: ReleaseRun, target: RepoTarget): Promise<ReleaseOutcome> {
  const { ctx } = run;
  const lease = `running/${target.fullName}`;
  if (!(await ctx.store.acquireLease(lease, ctx.runId, LEASE_MS))) return { repo: target.fullName, kind: "busy" };
  try {
    return await release(run, target);
  } finally {
    await ctx.store.releaseLease(lease, ctx.runId).catch(() => false);
  }
}

async function release(run: ReleaseRun, target: RepoTarget): Promise<ReleaseOutcome> {
  const { ctx, gh, config } = run;
  const repo = target.fullName;
  const stillOpen = await followTracked(run, target);

  const changes = await findChanges(run, target);
  for (const squashed of changes.squashReleased) {
    if (await ctx.store.setIfAbsent(`warned/squash/${repo}/${squashed.number}`, { at: new Date().toISOString() })) {
      const text = squashWarningText(target, squashed);
      ctx.log.warn({ repo, pr: squashed.number, commits: squashed.commits }, text.replace(/<([^|>]+)\|([^>]+)>/g, "$2 ($1)"));
      await ctx.slack.chat.postMessage({ channel: target.channel, text, unfurl_links: false });
    }
  }
  if (changes.aheadBy === 0) {
    ctx.log.info({ repo, head: target.head, base: target.base }, `nothing to release: ${target.base}...${target.head} has no commits`);
    return { repo, kind: "nothing", reason: `${target.head} has nothing that ${target.base} lacks` };
  }
  if (changes.items.length === 0 && changes.directCommits === 0) {
    ctx.log.info({ repo, aheadBy: changes.aheadBy }, "nothing new to release: every commit ahead went out with an earlier release PR");
    return { repo, kind: "nothing", reason: "everything ahead was already released by a squash-merged release PR" };
  }

  const values = { date: isoDate(run.now, config.timezone), repo, head: target.head, base: target.base, count: changes.items.length };
  const title = renderTemplate(config.title, values, { escape: String });
  // GitHub keeps one open PR per head and base: a tracked one still open is it, no need to look.
  const [existing] = stillOpen.length ? stillOpen : await openReleasePulls(run, target);
  const body = (previous?: string | null) =>
    renderReleaseBody({ template: config.body, prLine: config.prLine, values, items: changes.items, directCommits: changes.directCommits, compareUrl: changes.compareUrl, previous });

  if (config.dryRun) {
    await ctx.slack.chat.postMessage({ channel: target.channel, text: dryRunText(target, changes.items, existing && { number: existing.number, url: existing.html_url }, title), unfurl_links: false });
    ctx.log.info({ repo, prs: changes.items.length, existing: existing?.number }, "dry run: release PR not opened or updated");
    return { repo, kind: "dry-run", count: changes.items.length, ...(existing ? { number: existing.number } : {}) };
  }

  let pr: { number: number; html_url: string; title: string; user?: { login: string } | null } | undefined;
  let kind: "opened" | "updated" | "unchanged";
  if (existing) {
    ({ pr, kind } = await update(run, target, existing, title, body));
  } else {
    const created = await githubWrite(run, "github.pulls.create", { repo, head: target.head, base: target.base, title, draft: target.draft }, () =>
      gh.pulls.create({ owner: target.owner, repo: target.name, head: target.head, base: target.base, title, body: body(), draft: target.draft }).then((r) => r.data),
    ).catch(async (error: unknown) => {
      if (isValidation(error, NO_COMMITS)) return "nothing" as const;
      // Someone (or another replica) opened it in the meantime: update that one instead of failing.
      if (isValidation(error, ALREADY_EXISTS)) return "exists" as const;
      throw error;
    });
    if (created === "nothing") {
      ctx.log.info({ repo }, `nothing to release: GitHub sees no commits between ${target.base} and ${target.head}`);
      return { repo, kind: "nothing", reason: "GitHub sees no commits between the branches" };
    }
    if (created === "exists") {
      const [raced] = await openReleasePulls(run, target);
      if (!raced) throw new ReleaseError(`${repo}: GitHub says a release PR already exists, but none is open from ${target.owner}:${target.head} into ${target.base}.`);
      ({ pr, kind } = await update(run, target, raced, title, body));
    } else if (!created.done) {
      ctx.log.info({ repo, prs: changes.items.length }, "dry run: release PR not opened");
      return { repo, kind: "dry-run", count: changes.items.length };
    } else {
      pr = created.value;
      kind = "opened";
      await rememberPull(run, target, created.value as unknown as PullView);
      ctx.log.info({ repo, pr: pr.number, prs: changes.items.length }, "release PR opened");
      await decorate(run, target, pr.number);
    }
  }

  const tracked = await announce(run, target.channel, { repo, head: target.head, base: target.base, number: pr.number, url: pr.html_url, title: pr.title, items: changes.items, state: "open" });
  await involveAuthors(run, target, { number: pr.number, url: pr.html_url, author: pr.user?.login }, changes.items, tracked);
  return { repo, kind, number: pr.number, url: pr.html_url, count: changes.items.length };
}

async function update(
  run: ReleaseRun,
  target: RepoTarget,
  existing: OpenPull,
  title: string,
  body: (previous?: string | null) => string,
): Promise<{ pr: { number: number; html_url: string; title: string; user: { login: string } | null }; kind: "updated" | "unchanged" }> {
  const { gh, ctx } = run;
  // Read the PR itself (a list's copy may be older): it is what people just edited. Conditional:
  // untouched since the last read, it costs nothing.
  const current = await readPull(run, target, existing.number);
  const next = body(current.body);
  if (current.title === title && (current.body ?? "") === next) return { pr: current, kind: "unchanged" };
  const updated = await githubWrite(run, "github.pulls.update", { repo: target.fullName, number: current.number, title }, () =>
    gh.pulls.update({ owner: target.owner, repo: target.name, pull_number: current.number, title, body: next }).then((r) => r.data),
  );
  if (updated.done) await rememberPull(run, target, updated.value as unknown as PullView);
  ctx.log.info({ repo: target.fullName, pr: current.number }, "release PR updated");
  return { pr: updated.done ? (updated.value as unknown as PullView) : { ...current, title }, kind: "updated" };
}

/** Reviewers, labels and assignees of a new release PR; a refusal (a reviewer who is the author...) is a warning, not a failure. */
async function decorate(run: ReleaseRun, target: RepoTarget, number: number): Promise<void> {
  const { gh, ctx } = run;
  const common = { owner: target.owner, repo: target.name };
  const steps: Array<[string, Record<string, unknown>, () => Promise<unknown>] | undefined> = [
    target.reviewers.length || target.teamReviewers.length
      ? [
          "github.pulls.requestReviewers",
          { repo: target.fullName, number, reviewers: target.reviewers, teamReviewers: target.teamReviewers },
          () => gh.pulls.requestReviewers({ ...common, pull_number: number, reviewers: target.reviewers, team_reviewers: target.teamReviewers }),
        ]
      : undefined,
    target.labels.length
      ? ["github.issues.addLabels", { repo: target.fullName, number, labels: target.labels }, () => gh.issues.addLabels({ ...common, issue_number: number, labels: target.labels })]
      : undefined,
    target.assignees.length
      ? ["github.issues.addAssignees", { repo: target.fullName, number, assignees: target.assignees }, () => gh.issues.addAssignees({ ...common, issue_number: number, assignees: target.assignees })]
      : undefined,
  ];
  for (const step of steps) {
    if (!step) continue;
    const [name, args, perform] = step;
    try {
      await githubWrite(run, name, args, perform);
    } catch (error) {
      const f = readFailure(error);
      ctx.log.warn({ repo: target.fullName, pr: number, action: name, status: f.status, err: error }, `${name} failed: ${[f.message, ...f.details].join("; ")}`);
    }
  }
}
