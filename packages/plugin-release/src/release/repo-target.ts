import type { ReleaseConfig, RepositoryConfig } from "../config.js";

/** One configured repository, defaults applied and its name split. */
export interface RepoTarget {
  owner: string;
  /** The repository's own name (`web` in `acme/web`). */
  name: string;
  fullName: string;
  /** What people call it in Slack (`release web`). */
  alias: string;
  head: string;
  base: string;
  channel: string;
  reviewers: string[];
  teamReviewers: string[];
  labels: string[];
  assignees: string[];
  draft: boolean;
  /** What the release PR asks of the authors of the PRs it lists (all off by default). */
  authors: { requestReviews: boolean; assign: boolean; mention: boolean };
}

export function repoTargets(config: ReleaseConfig): RepoTarget[] {
  const targets = config.repositories.map((r: RepositoryConfig): RepoTarget => {
    const [owner, name] = r.repo.split("/") as [string, string];
    return {
      owner,
      name,
      fullName: r.repo,
      alias: r.name ?? name,
      head: r.head ?? "develop",
      base: r.base ?? "main",
      channel: r.channel ?? config.channel,
      reviewers: r.reviewers ?? [],
      teamReviewers: r.teamReviewers ?? [],
      labels: r.labels ?? [],
      assignees: r.assignees ?? [],
      draft: r.draft ?? false,
      authors: { requestReviews: r.requestAuthorReviews ?? false, assign: r.assignAuthors ?? false, mention: r.mentionAuthors ?? false },
    };
  });
  const seen = new Map<string, string>();
  for (const t of targets) {
    const key = t.alias.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(`repositories ${other} and ${t.fullName} are both called "${t.alias}" in Slack: give one of them a distinct \`name\`.`);
    }
    if (["status", "help", "all"].includes(key)) {
      throw new Error(`repository ${t.fullName} is called "${t.alias}", which is a command word: give it a distinct \`name\`.`);
    }
    if (t.head === t.base) throw new Error(`repository ${t.fullName} has head and base both "${t.head}".`);
    seen.set(key, t.fullName);
  }
  return targets;
}
