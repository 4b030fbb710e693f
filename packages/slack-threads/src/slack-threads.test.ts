import { MemoryStore } from "@botyard/core";
import { describe, expect, it } from "vitest";
import { ChannelPace, SLACK_LIMITS, fitBlocks, header, safeUrl, section, slackLink, updateEntry } from "./index.js";

describe("Block Kit limits", () => {
  it("cuts sections to 3,000 characters, headers to 150, and a message to 50 blocks saying how many were left out", () => {
    const long = section("x".repeat(5_000));
    expect(long.type === "section" && long.text.text.length).toBe(SLACK_LIMITS.sectionText);
    const h = header("y".repeat(400));
    expect(h.type === "header" && h.text.text.length).toBe(SLACK_LIMITS.headerText);
    const fitted = fitBlocks(Array.from({ length: 80 }, (_, i) => section(`alert ${i}`)));
    expect(fitted).toHaveLength(50);
    expect(JSON.stringify(fitted[49])).toContain("31 more");
  });
});

describe("links", () => {
  it("keeps a URL from breaking out of <url|label> and refuses what is not http(s)", () => {
    expect(safeUrl("https://a.example/x?a=1&b=<2>|3")).toBe("https://a.example/x?a=1&amp;b=%3C2%3E%7C3");
    expect(safeUrl("javascript:alert(1)")).toBeUndefined();
    expect(slackLink("https://a.example/", "Runbook|x")).toBe("<https://a.example/|Runbook x>");
  });
});

describe("updateEntry", () => {
  it("applies concurrent changes one after another, losing none", async () => {
    const store = new MemoryStore();
    await Promise.all(Array.from({ length: 20 }, () => updateEntry<number>(store, "n", (n) => (n ?? 0) + 1)));
    expect(await store.get("n")).toBe(20);
  });
});

describe("ChannelPace", () => {
  it("hands out one slot per interval per channel, shared by every caller of the store", async () => {
    const store = new MemoryStore();
    const now = () => 1_000_000;
    const a = new ChannelPace(store, 1_000, now);
    const b = new ChannelPace(store, 1_000, now);
    expect([await a.reserve("C1"), await b.reserve("C1"), await a.reserve("C1"), await a.reserve("C2")]).toEqual([1_000_000, 1_001_000, 1_002_000, 1_000_000]);
  });
});
