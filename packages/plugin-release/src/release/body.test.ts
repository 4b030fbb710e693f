import { describe, expect, it } from "vitest";
import { DEFAULT_BODY } from "../config.js";
import { PR_BODY_LIMIT, escapeMarkdown, preserveEdits, renderReleaseBody, type PrItem } from "./body.js";

const COMPARE = "https://github.com/acme/web/compare/main...develop";
const item = (number: number, title: string, author = "alice"): PrItem => ({ number, title, author, url: `https://github.com/acme/web/pull/${number}`, mergedAt: "2024-06-01T10:00:00Z" });
const render = (items: PrItem[], previous?: string, extra: Partial<Parameters<typeof renderReleaseBody>[0]> = {}) =>
  renderReleaseBody({
    template: DEFAULT_BODY,
    prLine: "- [ ] #{{number}} {{title}} (@{{author}})",
    values: { date: "2024-06-03", repo: "acme/web", head: "develop", base: "main" },
    items,
    directCommits: 0,
    compareUrl: COMPARE,
    previous,
    ...extra,
  });

describe("the release PR body", () => {
  it("lists each PR on a checklist line, with the count and the compare link", () => {
    const body = render([item(1, "Add login"), item(2, "Fix typo", "bob")]);
    expect(body).toContain("Release of **develop** into **main**: 2 pull requests.");
    expect(body).toContain("## Pull requests\n- [ ] #1 Add login (@alice)\n- [ ] #2 Fix typo (@bob)\n");
    expect(body).toContain(`[Full comparison main...develop](${COMPARE})`);
  });

  it("escapes Markdown in titles, so a title cannot format, inject HTML or notify anyone", () => {
    expect(escapeMarkdown("<img src=x> *bold* _it_ `code` [a](b) | ~x~ & thanks @octocat")).toBe(
      "\\<img src=x\\> \\*bold\\* \\_it\\_ \\`code\\` \\[a\\](b) \\| \\~x\\~ \\& thanks @\u200boctocat",
    );
    expect(escapeMarkdown("fixes #12\nand more")).toBe("fixes #12 and more");
    expect(render([item(1, "<!channel> *now*")])).toContain("- [ ] #1 \\<!channel\\> \\*now\\* (@alice)");
  });

  it("counts commits pushed without a pull request", () => {
    expect(render([], undefined, { directCommits: 2 })).toContain(`- 2 commits pushed to develop without a pull request ([comparison](${COMPARE}))`);
    expect(render([])).toContain("## Pull requests\n- (none)\n");
  });
});

describe("updating a body people have edited", () => {
  it("keeps ticked boxes wherever the same line appears, and the content of keep sections", () => {
    const first = render([item(1, "Add login"), item(2, "Fix typo", "bob")]);
    const edited = first
      .replace("- [ ] Verified on staging", "- [x] Verified on staging")
      .replace("- [ ] #2 Fix typo (@bob)", "- [X] #2 Fix typo (@bob)")
      .replace(/(<!-- keep: notes -->)[\s\S]*?(<!-- \/keep: notes -->)/, "$1\nShip after 18:00, **not before**.\n- [x] DB migration done\n$2")
      .concat("\n\nA remark outside any section.");
    const next = render([item(1, "Add login"), item(2, "Fix typo", "bob"), item(3, "Add search")], edited);
    expect(next).toContain("- [ ] #1 Add login (@alice)\n- [x] #2 Fix typo (@bob)\n- [ ] #3 Add search (@alice)");
    expect(next).toContain("- [x] Verified on staging\n- [ ] Release notes written");
    expect(next).toContain("<!-- keep: notes -->\nShip after 18:00, **not before**.\n- [x] DB migration done\n<!-- /keep: notes -->");
    expect(next).toContain("3 pull requests");
    // Outside the marked sections, the template wins.
    expect(next).not.toContain("A remark outside any section.");
  });

  it("leaves the new body alone when the old one had no sections and no ticks", () => {
    const fresh = render([item(1, "Add login")]);
    expect(preserveEdits("Hand-written description.", fresh)).toBe(fresh);
    // A section whose markers people broke is not carried over (there is nothing reliable to keep).
    expect(preserveEdits("<!-- keep: notes -->\nlost", fresh)).toBe(fresh);
  });
});

describe("GitHub's body limit", () => {
  it("shows as many PRs as fit and links the full comparison for the rest", () => {
    const items = Array.from({ length: 600 }, (_, i) => item(i + 1, `Change number ${i + 1} `.padEnd(150, "x")));
    const body = render(items);
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    const shown = body.split("\n").filter((l) => l.startsWith("- [ ] #")).length;
    expect(shown).toBeGreaterThan(300);
    expect(shown).toBeLessThan(600);
    expect(body).toContain(`- … and ${600 - shown} more pull requests: see the [full comparison](${COMPARE})`);
    // one more PR would not have fitted
    expect(render(items.slice(0, shown + 1)).length + 100).toBeGreaterThan(PR_BODY_LIMIT);
  });

  it("cuts a body whose kept notes alone are too long, ending with the compare link", () => {
    const previous = `<!-- keep: notes -->${"n".repeat(70_000)}<!-- /keep: notes -->`;
    const body = render([item(1, "Add login")], previous);
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(body.endsWith(`… (truncated: see the [full comparison](${COMPARE}))`)).toBe(true);
  });
});
