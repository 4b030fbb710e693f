import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { withReference } from "@botyard/host";
import { REPO, docTargets, fileTargets } from "./doc-targets.js";

describe("generated docs", () => {
  for (const { file, reference } of docTargets()) {
    it(`${relative(REPO, file)} matches the schema (run \`pnpm run docs\` after changing a schema)`, () => {
      const committed = readFileSync(file, "utf8");
      expect(committed).toBe(withReference(committed, reference, file));
    });
  }
  for (const { file, content } of fileTargets()) {
    it(`${relative(REPO, file)} is current (run \`pnpm run docs\`)`, () => {
      expect(readFileSync(file, "utf8")).toBe(content);
    });
  }
});
