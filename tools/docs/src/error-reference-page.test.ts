import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCodes, errorReference } from "@botyard/core";
import { REPO } from "./doc-targets.js";

/** Every non-test TypeScript source of the published packages and the host. */
function sources(): Array<{ file: string; text: string }> {
  const roots = ["packages", "apps"].flatMap((d) => readdirSync(join(REPO, d)).map((p) => join(REPO, d, p, "src")));
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.ts$/.test(e.name) && !/\.test\.ts$|\.d\.ts$/.test(e.name)) out.push({ file: path.slice(REPO.length), text: readFileSync(path, "utf8") });
    }
  };
  roots.forEach(walk);
  return out;
}

describe("the error reference (docs/errors.md)", () => {
  const files = sources();

  it("lists every code the code base can raise: no code is spelled out where ErrorCodes does not know it", () => {
    const known = new Set<string>(Object.values(ErrorCodes));
    const unknown = files.flatMap(({ file, text }) => [...text.matchAll(/BOTYARD_ERR_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0]).filter((c) => !known.has(c)).map((c) => `${file}: ${c}`));
    expect(unknown).toEqual([]);
  });

  it("documents no code that nothing raises", () => {
    const outside = files.filter(({ file }) => !file.includes("/errors/")).map((f) => f.text).join("\n");
    const unused = Object.entries(ErrorCodes).filter(([name, code]) => !outside.includes(`ErrorCodes.${name}`) && !outside.includes(code));
    expect(unused).toEqual([]);
  });

  it("says, for every code, when it happens and what to do, in sentences", () => {
    for (const [code, { when, fix }] of Object.entries(errorReference)) {
      expect({ code, when: /^[A-Z`].{20,}\.$/s.test(when), fix: /^[A-Z`].{10,}\.$/s.test(fix) }).toEqual({ code, when: true, fix: true });
    }
  });
});
