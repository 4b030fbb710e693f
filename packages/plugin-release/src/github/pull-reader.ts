import type { ReleaseRun } from "../release-run.js";
import type { RepoTarget } from "../release/repo-target.js";
import { getIfChanged } from "./conditional.js";

/** What the bot reads of a pull request. */
export interface PullView {
  number: number;
  title: string;
  body: string | null;
  html_url: string;
  state: "open" | "closed";
  merged: boolean;
  merged_by: { login: string } | null;
  draft: boolean;
  user: { login: string } | null;
  requested_reviewers: Array<{ login: string }>;
  requested_teams: Array<{ slug: string }>;
}

interface Stored {
  etag: string | undefined;
  pull: PullView;
}

const TTL_MS = 30 * 24 * 3600_000;
const key = (repo: string, number: number) => `pull/${repo}/${number}`;

/**
 * A pull request as GitHub has it now, read at most once per run, and conditionally: with the ETag
 * of the last read, GitHub answers 304 (free) while nobody touched the PR, and the copy kept in the
 * store is used.
 */
export function readPull(run: ReleaseRun, target: RepoTarget, number: number): Promise<PullView> {
  const id = `${target.fullName}#${number}`;
  let read = run.pulls.get(id);
  if (!read) {
    read = fetchPull(run, target, number);
    run.pulls.set(id, read);
    read.catch(() => run.pulls.delete(id));
  }
  return read;
}

/** After the bot's own write: this run sees what it wrote; the next run reads the PR again (it changed). */
export async function rememberPull(run: ReleaseRun, target: RepoTarget, pull: PullView): Promise<void> {
  const view = trim(pull);
  run.pulls.set(`${target.fullName}#${view.number}`, Promise.resolve(view));
  await run.ctx.store.set(key(target.fullName, view.number), { etag: undefined, pull: view } satisfies Stored, { ttlMs: TTL_MS });
}

async function fetchPull(run: ReleaseRun, target: RepoTarget, number: number): Promise<PullView> {
  const { ctx, gh } = run;
  const stored = await ctx.store.get<Stored>(key(target.fullName, number));
  const answer = await getIfChanged(stored?.etag, (headers) => gh.pulls.get({ owner: target.owner, repo: target.name, pull_number: number, headers }));
  if (!answer.changed) return stored!.pull;
  const pull = trim(answer.data as unknown as PullView);
  await ctx.store.set(key(target.fullName, number), { etag: answer.etag, pull } satisfies Stored, { ttlMs: TTL_MS });
  return pull;
}

function trim(p: PullView): PullView {
  return {
    number: p.number,
    title: p.title,
    body: p.body ?? null,
    html_url: p.html_url,
    state: p.state,
    merged: p.merged === true,
    merged_by: p.merged_by ? { login: p.merged_by.login } : null,
    draft: p.draft === true,
    user: p.user ? { login: p.user.login } : null,
    requested_reviewers: (p.requested_reviewers ?? []).map((u) => ({ login: u.login })),
    requested_teams: (p.requested_teams ?? []).map((t) => ({ slug: t.slug })),
  };
}
