import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TempProject } from "@botyard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "@botyard/core";
import { ConfigError } from "./config-error.js";
import { MAX_CONFIG_BYTES } from "./config-file.js";
import { interpolate } from "./interpolate.js";
import { loadConfig } from "./load-config.js";
import { MAX_YAML_DEPTH } from "./yaml-guards.js";
import { userProject } from "../test-support/temp-project.js";

const header = "slack: { appToken: xapp-1-a, botToken: xoxb-b }\nbots: []\n";

// A "billion laughs": nine lines that expand to 9^8 (43 million) values.
const aliasBomb = `${header}a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
`;

let project: TempProject;
afterEach(() => project?.remove());

/** The ConfigError loading `content` as bots.yaml throws; fails the test on anything else. */
function refusal(content: string | Buffer, name = "bots.yaml"): ConfigError {
  project = userProject();
  const file = join(project.dir, name);
  writeFileSync(file, content);
  let thrown: unknown;
  try {
    loadConfig(file, {});
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/** `line:col  message` of each problem, the file name left out. */
const located = (error: ConfigError) => error.problems.map((p) => `${p.where.replace(/^.*bots\.yaml:/, "")}  ${p.path ? `${p.path}: ` : ""}${p.message}`);

describe("a hostile or malformed bots.yaml", () => {
  it("refuses a YAML alias bomb at the alias that expands it past the limit, without expanding it", () => {
    const error = refusal(aliasBomb);
    expect(error.code).toBe(ErrorCodes.CONFIG_SYNTAX);
    expect(located(error)).toEqual([`9:8  holds more than 1,000,000 values once its aliases are expanded (a YAML "billion laughs" alias bomb?)`]);
    expect(error.problems[0]!.hint).toContain("fewer or smaller aliases");
  });

  it("accepts one anchor used by hundreds of bots (the YAML parser's own cap would refuse it)", () => {
    project = userProject();
    const bots = Array.from({ length: 300 }, (_, i) => `  - { id: bot-${i}, use: ./p.js, config: *shared }`).join("\n");
    const file = project.write("bots.yaml", `slack: { appToken: xapp-1-a, botToken: xoxb-b }\nbots:\n  - { id: first, use: ./p.js, config: &shared { channel: C1 } }\n${bots}\n`);
    const loaded = loadConfig(file, {});
    expect(loaded.config.bots).toHaveLength(301);
    expect(loaded.config.bots[300]!.config).toEqual({ channel: "C1" });
  });

  it("refuses an alias that refers to no anchor, or to the value it sits in", () => {
    expect(located(refusal(`${header}x: *nowhere\n`))).toEqual(["3:4  the alias *nowhere has no anchor &nowhere before it"]);
    expect(located(refusal(`${header}x: &loop [1, *loop]\n`))).toEqual(["3:14  the alias *loop is inside the value it refers to (a cycle)"]);
  });

  it.each([
    // The 64th bracket opens the 65th level: the document's own mapping is the first.
    ["flow collections", `${header}x: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, `3:${3 + MAX_YAML_DEPTH}`],
    // Counted from the tokens, the sequence at its key's indentation is not a level of its own.
    ["compact block sequences", `${header}x:\n${"- ".repeat(100_000)}v\n`, `4:${1 + 2 * MAX_YAML_DEPTH}`],
    ["indented mappings", `${header}x:\n${Array.from({ length: 200 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n")} v\n`, `${3 + MAX_YAML_DEPTH}:${MAX_YAML_DEPTH + 1}`],
  ])("refuses %s nested 100,000 levels deep where they pass the limit, before parsing them", (_kind, yaml, where) => {
    const error = refusal(yaml);
    expect(error.code).toBe(ErrorCodes.CONFIG_SYNTAX);
    expect(located(error)).toEqual([`${where}  is nested more than ${MAX_YAML_DEPTH} levels deep`]);
  });

  it("refuses nesting that only aliases make too deep", () => {
    const deep = `${"[".repeat(40)}1${"]".repeat(40)}`;
    const error = refusal(`${header}a: &deep ${deep}\nb: ${"[".repeat(30)}*deep${"]".repeat(30)}\n`);
    expect(located(error)).toEqual([`4:34  is nested more than ${MAX_YAML_DEPTH} levels deep`]);
  });

  it("refuses __proto__ and constructor keys at any depth, where they are", () => {
    const error = refusal(`${header}http:\n  __proto__: { port: 1 }\nlog:\n  constructor: x\n`);
    expect(error.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(located(error)).toEqual([`4:3  "__proto__" is not allowed as a key`, `6:3  "constructor" is not allowed as a key`]);
  });

  it("keeps a __proto__ field a field when interpolating a parsed value that has one", () => {
    const parsed = JSON.parse('{"http": {"__proto__": {"port": 1}}}') as { http: Record<string, unknown> };
    const { value } = interpolate(parsed, {}, () => {});
    const http = (value as { http: Record<string, unknown> }).http;
    expect(Object.getPrototypeOf(http)).toBe(Object.prototype);
    expect(http.port).toBeUndefined();
    expect(Object.keys(http)).toEqual(["__proto__"]);
  });

  it("refuses a key that is a list or a mapping (JavaScript would turn it into a string)", () => {
    expect(located(refusal(`${header}? [a, b]\n: 1\n`))).toEqual(["3:3  a key must be a plain value, not a list, a mapping or an alias"]);
  });

  it("refuses a file that is not UTF-8, at the first byte that is not", () => {
    const latin1 = Buffer.concat([Buffer.from(`${header}# caf`), Buffer.from([0xe9]), Buffer.from("\n")]);
    expect(located(refusal(latin1))).toEqual(["3:6  is not valid UTF-8 (byte 0xE9)"]);
    expect(located(refusal(Buffer.from(`\ufeff${header}`, "utf16le")))).toEqual(["1:1  is UTF-16 encoded; bots.yaml must be UTF-8"]);
    expect(located(refusal(`${header}x: a\u0000b\n`))).toEqual(["3:5  contains a NUL byte: is it a binary file, or saved as UTF-16?"]);
  });

  it("accepts a UTF-8 byte order mark and non-ASCII text", () => {
    project = userProject();
    const file = project.write("bots.yaml", `\ufeff${header}log: { level: info }  # journalisé, 日本語\n`);
    expect(loadConfig(file, {}).config.log).toEqual({ level: "info" });
  });

  it("says an empty file, or one with only comments, is empty", () => {
    for (const empty of ["", "# nothing yet\n", "\n\n"]) {
      const error = refusal(empty);
      expect(located(error)).toEqual(["1:1  is empty"]);
      expect(error.problems[0]!.hint).toContain("slack: and bots:");
    }
  });

  it("refuses a directory, and a file too large to be a config without reading it whole", () => {
    project = userProject();
    mkdirSync(join(project.dir, "dir.yaml"));
    expect(() => loadConfig(join(project.dir, "dir.yaml"), {})).toThrow(/dir\.yaml:1:1 {2}is a directory, not a file/);
    const huge = project.write("huge.yaml", `${header}x: "${"y".repeat(MAX_CONFIG_BYTES)}"\n`);
    expect(() => loadConfig(huge, {})).toThrow(/huge\.yaml:1:1 {2}is 4\.0 MiB; a bots\.yaml may be at most 4\.0 MiB/);
  });

  it("stops reading an endless device at the size limit", () => {
    const error = (() => {
      try {
        loadConfig("/dev/zero", {});
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain("/dev/zero:1:1  is more than 4.0 MiB, the most a bots.yaml may be");
  });

  it("names duplicate keys, tabs, several documents and wrong types where they are", () => {
    expect(located(refusal(`${header}bots: []\n`))).toEqual(["3:1  YAML syntax error: Map keys must be unique"]);
    expect(located(refusal(`${header}log:\n\tlevel: info\n`))[0]).toMatch(/^4:1 {2}YAML syntax error: Tabs are not allowed as indentation/);
    expect(located(refusal(`${header}---\nbots: []\n`))[0]).toMatch(/^3:1 {2}YAML syntax error: Source contains multiple documents/);
    expect(located(refusal("slack: 5\nbots: yes\nhttp: { port: [80] }\n"))).toEqual(["1:8  slack: must be object", "2:7  bots: must be array", "3:15  http.port: must be integer"]);
  });

  it("lists the first 50 problems of a file full of them, and how many more there are", () => {
    const error = refusal(`${header}${Array.from({ length: 80 }, (_, i) => `k${i}: *a${i}`).join("\n")}\n`);
    expect(error.problems).toHaveLength(20);
    const lines = error.message.split("\n").filter((l) => /bots\.yaml:\d+:\d+/.test(l));
    expect(lines).toHaveLength(20);
    const many = new ConfigError(Array.from({ length: 70 }, (_, i) => ({ code: ErrorCodes.CONFIG_INVALID, where: `bots.yaml:${i + 1}:1`, path: "", message: "bad" })));
    expect(many.message.split("\n").filter((l) => l.includes("bad"))).toHaveLength(50);
    expect(many.message).toContain("(and 20 more)");
    expect(many.problems).toHaveLength(70);
  });
});
