import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TempProject } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

// What a user sees when `botyard start` or `botyard validate` is given a hostile or broken
// bots.yaml: the real CLI process, its exit code and everything it printed.

const header = "slack: { appToken: xapp-1-not-used, botToken: xoxb-not-used }\nbots: []\n";
const files: Record<string, string | Buffer> = {
  "bomb.yaml": `${header}${["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h"].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`)].join("\n")}\n`,
  "deep.yaml": `${header}x:\n${"- ".repeat(100_000)}v\n`,
  "latin1.yaml": Buffer.concat([Buffer.from(`${header}# caf`), Buffer.from([0xe9]), Buffer.from("\n")]),
  "proto.yaml": `${header}http:\n  __proto__: { port: 1 }\n`,
};
const expected: Record<string, RegExp> = {
  "bomb.yaml": /bomb\.yaml:9:8 {2}holds more than 1,000,000 values once its aliases are expanded/,
  "deep.yaml": /deep\.yaml:4:129 {2}is nested more than 64 levels deep/,
  "latin1.yaml": /latin1\.yaml:3:6 {2}is not valid UTF-8 \(byte 0xE9\)/,
  "proto.yaml": /proto\.yaml:4:3 {2}"__proto__" is not allowed as a key/,
};

describe("botyard start and validate on a hostile bots.yaml", () => {
  let project: TempProject;
  beforeAll(() => {
    project = userProject();
    for (const [name, content] of Object.entries(files)) writeFileSync(join(project.dir, name), content);
  });
  afterAll(() => project.remove());

  for (const command of ["start", "validate"]) {
    it(`botyard ${command}: exits 1 with the located, coded error and no stack trace`, async () => {
      // The four files in parallel: each is a process start.
      const runs = await Promise.all(
        Object.keys(files).map(async (name) => {
          const host = botyard({ args: [command, "--config", name], cwd: project.dir });
          const exit = await host.exited;
          return { name, exit, stderr: host.stderr.join(""), stdout: host.lines };
        }),
      );
      for (const { name, exit, stderr, stdout } of runs) {
        expect(exit.code, name).toBe(1);
        expect(stderr, name).toMatch(expected[name]!);
        expect(stderr, name).toMatch(/\(BOTYARD_ERR_CONFIG_(SYNTAX|INVALID)\)/);
        expect(stderr, name).not.toMatch(/\n\s+at .*:\d+:\d+/);
        expect(stderr, name).not.toMatch(/Error:|Warning:/);
        expect(stdout.some((l) => l.msg === "HTTP server listening"), name).toBe(false);
      }
    });
  }
});
