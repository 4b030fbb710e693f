import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareShape, pathMatcher, type ShapeRules } from "./sample-shapes.js";
import { OPTIONAL_KEYS, OTHER_TYPES, sampleRules } from "./sample-optional.js";
import { SAMPLE_FILES, sampledShapes } from "./slack-samples.js";
import { SPECS_DIR } from "./specs.js";

const strict: ShapeRules = { optional: () => false, allowsType: () => false };

describe("structural comparison with a recorded sample", () => {
  it("reports a key the sample has and the answer lacks, at its full path, and ignores values", () => {
    const sample = { ok: true, channel: { id: "C0", last_read: "0", topic: { value: "" } } };
    const diff = compareShape(sample, { ok: false, channel: { id: "C123", topic: { value: "deploys" } } }, strict);
    expect([...diff.missing]).toEqual(["channel.last_read"]);
    expect(diff.typeDiffers.size).toBe(0);
    expect([...diff.compared]).toContain("channel.topic.value");
  });

  it("reports a value of another JSON type, and null only where a rule allows it", () => {
    const sample = { count: 1, deleted_by: "U0" };
    expect([...compareShape(sample, { count: "1", deleted_by: null }, strict).typeDiffers]).toEqual([
      "count: number in Slack's sample, string here",
      "deleted_by: string in Slack's sample, null here",
    ]);
    const lenient: ShapeRules = { optional: () => false, allowsType: (path, type) => path === "deleted_by" && type === "null" };
    expect([...compareShape(sample, { count: 2, deleted_by: null }, lenient).typeDiffers]).toEqual([]);
  });

  it("matches array elements by their type discriminator, and skips kinds the sample never recorded", () => {
    const sample = { blocks: [{ type: "section", block_id: "" }, { type: "actions", block_id: "", elements: [] }] };
    const diff = compareShape(sample, { blocks: [{ type: "actions", elements: [] }, { type: "rich_text", block_id: "x" }] }, strict);
    expect([...diff.missing]).toEqual(["blocks[].block_id"]);
  });

  it("compares every element of an untyped array with the sample's merged example", () => {
    const sample = { messages: [{ ts: "", text: "" }, { ts: "", reply_count: 1 }] };
    const diff = compareShape(sample, { messages: [{ ts: "1", text: "a", reply_count: 2 }, { ts: "2", text: "b" }] }, strict);
    expect([...diff.missing]).toEqual(["messages[].reply_count"]);
  });

  it("reads rule patterns: any prefix, any part of a key, alternatives, array elements", () => {
    expect(pathMatcher("**.bot_profile")("event.message.bot_profile")).toBe(true);
    expect(pathMatcher("**.bot_profile")("bot_profile")).toBe(true);
    expect(pathMatcher("**.bot_profile")("event.xbot_profile")).toBe(false);
    expect(pathMatcher("**.files[].{thumb_*,vtt}")("event.files[].thumb_64_w")).toBe(true);
    expect(pathMatcher("{error,needed}")("channel.error")).toBe(false);
  });
});

describe("the Slack samples and the optional list", () => {
  it("has every sample file in the repository, with its source listed in SOURCE.md", () => {
    const source = readFileSync(`${SPECS_DIR}slack-samples/SOURCE.md`, "utf8");
    for (const file of Object.keys(SAMPLE_FILES)) {
      expect(() => JSON.parse(readFileSync(`${SPECS_DIR}slack-samples/${file}`, "utf8")), file).not.toThrow();
      expect(source, file).toContain(`\`${file}\``);
    }
    expect(readFileSync(`${SPECS_DIR}slack-samples/LICENSE`, "utf8")).toContain("MIT License");
    expect(Object.values(sampledShapes()).every((file) => file in SAMPLE_FILES)).toBe(true);
  });

  it("gives each optional key and each allowed type a reason, once", () => {
    for (const rule of [...OPTIONAL_KEYS, ...OTHER_TYPES]) expect(rule.why.length, rule.path).toBeGreaterThan(20);
    const keys = [...OPTIONAL_KEYS, ...OTHER_TYPES].map((r) => `${r.shape ?? ""} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("requires the keys the emulator once left out: a thread_broadcast's root is not optional, a file_share's files neither", () => {
    expect(sampleRules("event message.thread_broadcast").optional("event.root")).toBe(false);
    expect(sampleRules("conversations.history").optional("messages[].root")).toBe(true);
    expect(sampleRules("event message.file_share").optional("event.files")).toBe(false);
    expect(sampleRules("event message").optional("event.files")).toBe(true);
    expect(sampleRules("conversations.info").optional("channel.last_read")).toBe(false);
  });
});
