import { validatePluginConfig } from "@botyard/core";
import { createTestBot } from "@botyard/testing";
import { describe, expect, it } from "vitest";
import dogdata from "./index.js";

describe("configuration", () => {
  it("fills every default from the schema", () => {
    const checked = validatePluginConfig(dogdata, { channels: ["C0ALERTS"], secret: "0123456789abcdef" });
    expect(checked).toMatchObject({
      ok: true,
      value: {
        secretHeader: "X-Botyard-Secret",
        senders: { names: ["Datadog"], botIds: [], appIds: [] },
        index: { enabled: true, ttlHours: 168 },
        ownPosts: false,
        scan: { enabled: true, lookbackHours: 24, pageSize: 100, maxPages: 10 },
        notFound: { action: "standalone", afterSeconds: 120 },
        reaction: "white_check_mark",
        templates: { recovered: expect.stringContaining("{{duration}}") },
      },
    });
  });

  it("documents every field, for the generated reference", () => {
    const undocumented: string[] = [];
    const visit = (schema: { description?: string; properties?: Record<string, unknown>; items?: unknown }, path: string) => {
      for (const [name, child] of Object.entries(schema.properties ?? {})) {
        const c = child as typeof schema;
        if (!c.description) undocumented.push(`${path}${name}`);
        visit(c, `${path}${name}.`);
      }
    };
    visit(JSON.parse(JSON.stringify(dogdata.config)), "");
    expect(undocumented).toEqual([]);
  });

  it("names what is wrong in a bad config", async () => {
    const issues = validatePluginConfig(dogdata, { channels: ["alerts"], secret: "short", notFound: { action: "drop" }, chanel: "C1" });
    expect(issues.ok ? [] : issues.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["/channels/0", "/secret", "/notFound/action", "/chanel"]));
    await expect(createTestBot(dogdata, { channels: ["C0ALERTS"] })).rejects.toThrow(/needs `secret` or `basicAuth`/);
    await expect(createTestBot(dogdata, { channels: ["C0ALERTS"], secret: "0123456789abcdef", match: { monitorPattern: "monitors/(\\d+" } })).rejects.toThrow(/match\.monitorPattern is not a valid regular expression/);
    await expect(createTestBot(dogdata, { channels: ["C0ALERTS"], secret: "0123456789abcdef", match: { scopePattern: "group=\\w+" } })).rejects.toThrow(/match\.scopePattern needs a capturing group/);
    await expect(createTestBot(dogdata, { channels: ["C0ALERTS"], secret: "0123456789abcdef", templates: { update: "{{{title}}}{{{links}}}" } })).rejects.toThrow(
      /templates\.update uses \{\{\{title\}\}\}, which would put Datadog's text in unescaped/,
    );
    await expect(createTestBot(dogdata, { channels: ["C0ALERTS"], secret: "0123456789abcdef", templates: { update: "{{{title}}}{{{links}}}" } })).rejects.toThrow(/templates\.update uses \{\{\{title\}\}\}, which would put Datadog's text in unescaped/);
  });
});
