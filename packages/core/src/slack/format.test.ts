import { describe, expect, it } from "vitest";
import { escapeSlack, renderTemplate, slackDate, truncate } from "./format.js";

describe("Slack formatting", () => {
  it("escapes the three control characters so user text cannot ping or link", () => {
    expect(escapeSlack("<!channel> & <@U123> > 90%")).toBe("&lt;!channel&gt; &amp; &lt;@U123&gt; &gt; 90%");
  });

  it("renders {{placeholders}} escaped, {{{raw}}} as is, and leaves unknown ones visible", () => {
    expect(renderTemplate("{{title}} by {{{who}}} ({{missing}})", { title: "<!here> fix", who: "<@U1>" })).toBe("&lt;!here&gt; fix by <@U1> ({{missing}})");
  });

  it("escapes for another target when given its escape function", () => {
    const markdown = (text: string) => text.replace(/[*_]/g, "\\$&");
    expect(renderTemplate("{{title}} & {{{raw}}}", { title: "a_b *c*", raw: "_x_" }, { escape: markdown })).toBe("a\\_b \\*c\\* & _x_");
    expect(renderTemplate("{{title}}", { title: "<!here> & co" }, { escape: String })).toBe("<!here> & co");
  });

  it("formats dates for each reader's timezone with a readable fallback", () => {
    expect(slackDate(new Date("2026-03-06T01:00:00.000Z"))).toBe("<!date^1772758800^{date_short_pretty} {time}|2026-03-06T01:00:00Z>");
  });

  it("truncates with a marker within the limit", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });
});
