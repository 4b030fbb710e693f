import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { TempProject } from "@botyard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "./config-error.js";
import { loadConfig } from "./load-config.js";
import { userProject } from "../test-support/temp-project.js";

// Property: whatever bots.yaml holds, loading it gives a config, or a ConfigError each of whose
// problems has a stable code, a message, and a line and column inside the file. Never another
// exception, never a stack trace in the message, never a warning printed by the YAML parser.

let project: TempProject;
let file: string;
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);
beforeAll(() => {
  project = userProject();
  file = join(project.dir, "bots.yaml");
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
  project.remove();
});

const env = { SLACK_APP_TOKEN: "xapp-1-property", SLACK_BOT_TOKEN: "xoxb-property" };

/** Loads `content` and checks the outcome is a config or a located, coded ConfigError. */
function loadsOrIsLocated(content: string | Uint8Array): void {
  writeFileSync(file, content);
  const text = typeof content === "string" ? content : Buffer.from(content).toString("utf8");
  const lines = text.split("\n").length;
  let error: unknown;
  try {
    const loaded = loadConfig(file, env);
    expect(Array.isArray(loaded.config.bots)).toBe(true);
    return;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ConfigError)) throw new Error(`not a ConfigError: ${String((error as Error)?.stack ?? error)}`);
  expect(error.code).toMatch(/^BOTYARD_ERR_CONFIG_|^BOTYARD_ERR_DUPLICATE_BOT_ID$/);
  expect(error.message).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(error.problems.length).toBeGreaterThan(0);
  for (const problem of error.problems) {
    const m = /^(.*):(\d+):(\d+)$/.exec(problem.where);
    expect(m?.[1]).toBe(file);
    expect(Number(m![2])).toBeGreaterThanOrEqual(1);
    expect(Number(m![2])).toBeLessThanOrEqual(lines);
    expect(Number(m![3])).toBeGreaterThanOrEqual(1);
    expect(problem.code).toMatch(/^BOTYARD_ERR_/);
    expect(problem.message.length).toBeGreaterThan(0);
  }
}

// Pieces of YAML syntax, so that random documents reach the parser's corners, not only scalars.
const yamlPiece = fc.constantFrom(
  "slack:", "bots:", "http:", "store:", "log:", "queue:", "id:", "use:", "config:", "port:", "type:",
  "- ", "  ", "    ", "\n", "\r\n", "\t", " ", "{", "}", "[", "]", ",", ": ", "? ", "---\n", "...\n",
  "|\n", ">-\n", '"', "'", "# c", "&a ", "*a", "&b ", "*b", "!!str ", "!!map ", "!!binary ", "!custom ", "%YAML 1.1\n",
  "__proto__: ", "constructor: ", "${SLACK_BOT_TOKEN}", "${UNSET}", "${1bad}", "$${", "~", "null", "true", "0x1F",
  "1e400", "-.inf", ".nan", "2026-01-01", "<<: *a", "\\u0000", "é", "\u{1F600}", "\u2028", "xapp-1-a", "xoxb-b",
);
const yamlText = fc.array(fc.oneof(yamlPiece, fc.string({ maxLength: 8 })), { maxLength: 60 }).map((parts) => parts.join(""));

// Any JSON-like value, with keys that mean something to the schema or to JavaScript.
const key = fc.oneof(fc.constantFrom("id", "use", "config", "enabled", "dryRun", "type", "url", "port", "__proto__", "constructor", "toString", "0", ""), fc.string({ maxLength: 6 }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4 },
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 4 }).map((entries) => {
      // Defined, not assigned: a "__proto__" entry stays a key, as a YAML mapping would hold it.
      const object: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
      return object;
    }),
  ),
}));
const slack = { appToken: "${SLACK_APP_TOKEN}", botToken: "${SLACK_BOT_TOKEN}" };

describe("loadConfig on random documents (property)", () => {
  it("random YAML-like text", () => {
    fc.assert(fc.property(yamlText, loadsOrIsLocated), { numRuns: 300 });
  });

  it("random values in every section of an otherwise valid config", () => {
    const config = fc.record(
      {
        slack: fc.oneof(fc.constant(slack), value),
        http: value,
        store: fc.oneof(fc.constantFrom({ type: "memory" }, { type: "sqlite", path: "x.db" }, { type: "redis" }), value),
        log: value,
        queue: value,
        bots: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.constantFrom("a", "b"), value), use: value, config: value }, { requiredKeys: [] }), { maxLength: 3 }), value),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(config, (c) => loadsOrIsLocated(stringify(c))), { numRuns: 200 });
  });

  it("random bytes, including invalid UTF-8 and NUL", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), loadsOrIsLocated), { numRuns: 200 });
  });

  it("a valid config with random bytes spliced into it", () => {
    const valid = Buffer.from(stringify({ slack, http: { port: 0 }, bots: [{ id: "a", use: "./a.js", config: { channel: "C1" } }] }));
    const spliced = fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, bytes]) => Buffer.concat([valid.subarray(0, at), bytes, valid.subarray(at)]));
    fc.assert(fc.property(spliced, loadsOrIsLocated), { numRuns: 200 });
  });

  it("printed no warning of its own", () => {
    expect(warnings).toEqual([]);
  });
});
