import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// Versioning as a release would do it: the workspace's manifests and changesets config in a
// scratch copy, a changeset written, `changeset version` run.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PUBLISHED = ["packages/core", "packages/testing", "packages/demo", "apps/host", "packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata"];
const PRIVATE = ["examples/hello-plugin", "examples/demo", "bench", "tools/docs", "tools/fidelity", "tools/test-support"];

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function workspaceCopy(changeset: string): string {
  dir = mkdtempSync(join(tmpdir(), "botyard-changesets-"));
  for (const f of ["package.json", "pnpm-workspace.yaml"]) cpSync(join(REPO, f), join(dir, f));
  mkdirSync(join(dir, ".changeset"));
  cpSync(join(REPO, ".changeset/config.json"), join(dir, ".changeset/config.json"));
  for (const pkg of [...PUBLISHED, ...PRIVATE]) {
    mkdirSync(join(dir, pkg), { recursive: true });
    cpSync(join(REPO, pkg, "package.json"), join(dir, pkg, "package.json"));
  }
  writeFileSync(join(dir, ".changeset/the-change.md"), changeset);
  execFileSync(process.execPath, [join(REPO, "node_modules/@changesets/cli/bin.js"), "version"], { cwd: dir, stdio: "pipe" });
  return dir;
}

const version = (pkg: string) => (JSON.parse(readFileSync(join(dir, pkg, "package.json"), "utf8")) as { version: string }).version;
const original = (pkg: string) => (JSON.parse(readFileSync(join(REPO, pkg, "package.json"), "utf8")) as { version: string }).version;

describe("changesets", () => {
  it("bumps core alone for a core fix: plugins whose peer range still holds are not released", () => {
    workspaceCopy(`---\n"@botyard/core": patch\n---\n\nFix the schedule's next run after a DST change.\n`);
    const [major, minor, patch] = original("packages/core").split(".").map(Number);
    expect(version("packages/core")).toBe(`${major}.${minor}.${patch! + 1}`);
    for (const plugin of ["packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata"]) expect(version(plugin)).toBe(original(plugin));
    const changelog = readFileSync(join(dir, "packages/core/CHANGELOG.md"), "utf8");
    expect(changelog).toContain("### Patch Changes");
    expect(changelog).toContain("Fix the schedule's next run after a DST change.");
  });

  it("releases a core feature as a core minor without bumping the plugins (their ^1 peer range still holds)", () => {
    workspaceCopy(`---\n"@botyard/core": minor\n---\n\nA new trigger kind.\n`);
    const [major, minor] = original("packages/core").split(".").map(Number);
    expect(major).toBeGreaterThanOrEqual(1);
    expect(version("packages/core")).toBe(`${major}.${minor! + 1}.0`);
    for (const pkg of ["packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata", "packages/testing"]) expect(version(pkg)).toBe(original(pkg));
  });

  it("bumps the plugins when a core major leaves their peer range", () => {
    workspaceCopy(`---\n"@botyard/core": major\n---\n\nThe Store contract changes.\n`);
    const [major] = original("packages/core").split(".").map(Number);
    expect(version("packages/core")).toBe(`${major! + 1}.0.0`);
    for (const plugin of ["packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata"]) expect(version(plugin)).not.toBe(original(plugin));
  });

  it("versions each package independently and never the private ones", () => {
    workspaceCopy(`---\n"@botyard/plugin-oncall": minor\n---\n\nAnnounce handoffs in threads.\n`);
    const [major, minor] = original("packages/plugin-oncall").split(".").map(Number);
    expect(version("packages/plugin-oncall")).toBe(`${major}.${minor! + 1}.0`);
    expect(version("packages/core")).toBe(original("packages/core"));
    expect(version("packages/plugin-release")).toBe(original("packages/plugin-release"));
    for (const pkg of PRIVATE) expect(readdirSync(join(dir, pkg))).toEqual(["package.json"]);
  });
});
