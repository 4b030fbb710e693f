import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SCRIPT_FILES, loadScripts } from "./scripts.js";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));

// The Lua scripts are files the store reads at run time, so a build or a package that leaves them
// out breaks every Redis deployment at start: these tests catch that before a release does.
describe("the Redis store's Lua scripts", () => {
  it("are all loaded, each command with its own script after the shared pieces", () => {
    const scripts = loadScripts();
    expect(Object.keys(scripts)).toContain("botyardEnqueue");
    expect(scripts.botyardSet.lua).toContain("local function now_ms()");
    expect(scripts.botyardSet.lua).toContain("local function write()");
    expect(scripts.botyardDelete.lua).not.toContain("now_ms");
  });

  it("are copied into dist/ by the build, which the published package holds", () => {
    for (const file of SCRIPT_FILES) {
      const built = `${PACKAGE_DIR}dist/scripts/${file}`;
      expect(existsSync(built), `${built} (run pnpm build)`).toBe(true);
      expect(readFileSync(built, "utf8")).toBe(readFileSync(`${PACKAGE_DIR}src/scripts/${file}`, "utf8"));
    }
    const manifest = JSON.parse(readFileSync(`${PACKAGE_DIR}package.json`, "utf8")) as { files: string[] };
    expect(manifest.files).toContain("dist");
    expect(manifest.files.filter((f) => f.startsWith("!")).some((f) => /\.lua|scripts/.test(f))).toBe(false);
  });
});
