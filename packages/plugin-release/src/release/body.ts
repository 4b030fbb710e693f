import { renderTemplate, truncate } from "@botyard/core";

/** GitHub refuses PR bodies longer than this (422 "body is too long"). */
export const PR_BODY_LIMIT = 65_536;

/** A pull request merged into head and not yet released. */
export interface PrItem {
  number: number;
  title: string;
  author: string;
  url: string;
  mergedAt: string;
}

/**
 * Escapes text (a PR title) for GitHub Markdown: punctuation that would format, link or inject HTML
 * is backslash-escaped, and `@` gets a zero-width space so a title such as "thanks @octocat" does
 * not notify anyone. `#123` is left alone: GitHub links it, which is what a reader wants.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/[\\`*_[\]<>|~&]/g, "\\$&")
    .replace(/@/g, "@\u200b");
}

export interface BodyInput {
  /** The body template (`{{{prs}}}`, `{{{compareUrl}}}`, `{{date}}`...). */
  template: string;
  /** The template of one line of the list. */
  prLine: string;
  /** Placeholders shared with the title: date, repo, head, base... */
  values: Record<string, string | number>;
  items: PrItem[];
  /** Commits pushed to head without a pull request. */
  directCommits: number;
  compareUrl: string;
  /** The body of the PR being updated, whose human edits are kept. */
  previous?: string | null;
  limit?: number;
}

/**
 * The release PR body: the template filled in, with the edits people made to the previous body
 * kept (see {@link preserveEdits}), and the list shortened (with a link to the full comparison)
 * when the whole would exceed GitHub's limit.
 */
export function renderReleaseBody(input: BodyInput): string {
  const limit = input.limit ?? PR_BODY_LIMIT;
  const build = (shown: number) => {
    const prs = renderPrList(input, shown);
    const fresh = renderTemplate(input.template, { ...input.values, count: input.items.length, prs, compareUrl: input.compareUrl }, { escape: escapeMarkdown });
    return input.previous ? preserveEdits(input.previous, fresh) : fresh;
  };
  const full = build(input.items.length);
  if (full.length <= limit) return full;
  // The body grows with the number of PRs shown: find the most that fit.
  let lo = 0;
  let hi = input.items.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (build(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  const body = build(lo);
  if (body.length <= limit) return body;
  // Even without the list it is too long (a huge kept section): cut, and say where the rest is.
  const tail = `\n\n… (truncated: see the [full comparison](${input.compareUrl}))`;
  return truncate(body, limit - tail.length, "") + tail;
}

function renderPrList(input: BodyInput, shown: number): string {
  const lines = input.items.slice(0, shown).map((pr) =>
    renderTemplate(input.prLine, { number: pr.number, title: pr.title, author: pr.author, url: pr.url, mergedAt: pr.mergedAt }, { escape: escapeMarkdown }),
  );
  const omitted = input.items.length - shown;
  if (omitted > 0) lines.push(`- … and ${omitted} more pull requests: see the [full comparison](${input.compareUrl})`);
  if (input.directCommits > 0) {
    lines.push(`- ${input.directCommits} commit${input.directCommits === 1 ? "" : "s"} pushed to ${escapeMarkdown(String(input.values.head ?? "head"))} without a pull request ([comparison](${input.compareUrl}))`);
  }
  return lines.length ? lines.join("\n") : "- (none)";
}

const KEEP = /(<!--\s*keep:\s*([\w-]+)\s*-->)([\s\S]*?)(<!--\s*\/keep:\s*\2\s*-->)/g;
const CHECKBOX = /^(\s*[-*+]\s+)\[([ xX])\](\s+.*)$/;

/**
 * Carries what people did to a release PR's body into its new version: the content of every
 * `<!-- keep: NAME -->...<!-- /keep: NAME -->` section of the new body is replaced by the same
 * section's content in the previous body, and every box ticked in the previous body is ticked in
 * the new one wherever a line with the same text appears (checklist items and listed PRs alike).
 */
export function preserveEdits(previous: string, fresh: string): string {
  const kept = new Map<string, string>();
  for (const m of previous.matchAll(KEEP)) kept.set(m[2]!, m[3]!);
  let body = fresh.replace(KEEP, (whole, open: string, name: string, _content: string, close: string) => {
    const content = kept.get(name);
    return content === undefined ? whole : `${open}${content}${close}`;
  });

  const ticked = new Set<string>();
  for (const line of previous.split("\n")) {
    const m = CHECKBOX.exec(line);
    if (m && m[2] !== " ") ticked.add(normalise(m[3]!));
  }
  if (ticked.size > 0) {
    body = body
      .split("\n")
      .map((line) => {
        const m = CHECKBOX.exec(line);
        return m && m[2] === " " && ticked.has(normalise(m[3]!)) ? `${m[1]}[x]${m[3]}` : line;
      })
      .join("\n");
  }
  return body;
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}
