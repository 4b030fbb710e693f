import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `pnpm release` minus its build (the test command builds first): every published package packed,
// then each tarball opened to check it holds what a user needs and nothing else.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PUBLISHED = ["packages", "apps"]
  .flatMap((parent) => readdirSync(join(REPO, parent)).map((name) => join(REPO, parent, name)))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; private?: boolean } }))
  .filter(({ pkg }) => !pkg.private);
const work = mkdtempSync(join(tmpdir(), "botyard-release-"));
const out = join(work, "tarballs");

/** Every file of a directory, relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

interface Unpacked {
  name: string;
  root: string;
  files: string[];
  manifest: Record<string, any>;
}
const unpacked: Unpacked[] = [];

beforeAll(() => {
  const log = execFileSync(process.execPath, [join(REPO, "scripts/release.mjs"), "--out", out], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  expect(log).toContain(`tarballs in ${out}`);
  for (const tarball of readdirSync(out)) {
    const root = join(work, "unpacked", tarball);
    mkdirSync(root, { recursive: true });
    execFileSync("tar", ["-xzf", join(out, tarball), "-C", root]);
    const manifest = JSON.parse(readFileSync(join(root, "package/package.json"), "utf8")) as Record<string, any>;
    unpacked.push({ name: manifest.name as string, root: join(root, "package"), files: walk(join(root, "package")).sort(), manifest });
  }
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("pnpm release", () => {
  it("packs every published package, at its version, with workspace: ranges made real", () => {
    expect(unpacked.map((u) => `${u.name}@${u.manifest.version}`).sort()).toEqual(PUBLISHED.map(({ pkg }) => `${pkg.name}@${pkg.version}`).sort());
    for (const u of unpacked) {
      const ranges = ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((k) => Object.values((u.manifest[k] ?? {}) as Record<string, string>));
      expect(ranges.filter((r) => r.startsWith("workspace:")), u.name).toEqual([]);
    }
  });

  it("ships only what users need: code, types, README, LICENSE (and the emulators' API descriptions and Slack's recorded payloads)", () => {
    for (const u of unpacked) {
      const allowed = (f: string) =>
        ["package.json", "README.md", "LICENSE"].includes(f) ||
        (f.startsWith("dist/") && (f.endsWith(".js") || f.endsWith(".d.ts"))) ||
        // The licenses of the third-party code bundled into dist (scripts/bundle.mjs).
        /^dist\/(vendor\/)?[\w-]+\.LICENSES\.txt$/.test(f) ||
        (u.name === "@botyard/testing" && /^specs\/[\w.-]+\.(json|md)$/.test(f)) ||
        // Slack's recorded payloads the structural check compares with, with their source and licence.
        (u.name === "@botyard/testing" && /^specs\/slack-samples\/(((api|events|app-backend)\/)?[\w.-]+\.json|SOURCE\.md|LICENSE)$/.test(f)) ||
        // The Redis store's Lua scripts, read at run time (scripts/copy-assets.mjs puts them in dist).
        (u.name === "@botyard/store-redis" && /^dist\/scripts\/[\w-]+\.lua$/.test(f));
      expect(u.files.filter((f) => !allowed(f)), u.name).toEqual([]);
      // Nothing a user does not run: tests, their helpers and fixtures, build state, source maps.
      // (`specs/slack-samples/api/auth.test.json` is Slack's `auth.test` method, not a test.)
      expect(u.files.filter((f) => !f.startsWith("specs/slack-samples/api/") && /\.test\.|(^|\/)(test-support|fixtures|e2e|fidelity)\/|\.tsbuildinfo$|\.map$/.test(f)), u.name).toEqual([]);
      expect(u.files, u.name).toEqual(expect.arrayContaining(["README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]));
      // Only the host's private vendor modules are bundles of third-party code, each with those
      // packages' licenses, and each package inside is a host dependency at the bundled version, so
      // that npm ls and npm audit see what runs. Libraries (core first) ship their own modules only.
      const bundles = u.files.filter((f) => /^dist\/vendor\/[\w-]+\.js$/.test(f));
      expect(u.files.filter((f) => f.endsWith(".LICENSES.txt")), u.name).toEqual(bundles.map((f) => f.replace(/\.js$/, ".LICENSES.txt")));
      const dependencies = (JSON.parse(readFileSync(join(u.root, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
      for (const bundle of bundles) {
        const inside = [...readFileSync(join(u.root, bundle.replace(/\.js$/, ".LICENSES.txt")), "utf8").matchAll(/^(@?[\w./-]+)@(\d+\.\d+\.\d+[\w.-]*) \(/gm)];
        expect(inside.length, bundle).toBeGreaterThan(0);
        for (const [, name, version] of inside) expect(dependencies[name!], `${u.name} ${bundle}: ${name}`).toBe(version);
      }
      // Core's dependencies are imported from their packages, not copied into it.
      if (u.name === "@botyard/core") expect(readFileSync(join(u.root, "dist/index.js"), "utf8")).toMatch(/from "typebox"/);
    }
  });

  it("every file a shipped module imports by relative path is shipped, and none points at a source map or src/", () => {
    for (const u of unpacked) {
      const missing: string[] = [];
      for (const f of u.files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
        const text = readFileSync(join(u.root, f), "utf8");
        if (/sourceMappingURL/.test(text)) missing.push(`${f}: sourceMappingURL`);
        // TypeScript's own scan: imports and exports, not look-alikes inside strings (the scaffold's templates).
        for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles.filter((i) => i.fileName.startsWith("."))) {
          if (!existsSync(resolve(dirname(join(u.root, f)), spec))) missing.push(`${f} imports ${spec}`);
        }
      }
      expect(missing, u.name).toEqual([]);
      // What package.json points users at is there.
      const targets = (v: unknown): string[] => (typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(targets) : []);
      const entries = [u.manifest.main, u.manifest.types, ...targets(u.manifest.bin), ...targets(u.manifest.exports)].filter(Boolean) as string[];
      expect(entries.length, u.name).toBeGreaterThan(1);
      expect(entries.filter((e) => !existsSync(join(u.root, e))), u.name).toEqual([]);
    }
  });

  it("each package's README says how to install it and shows a minimal bots.yaml", () => {
    for (const u of unpacked) {
      const readme = readFileSync(join(u.root, "README.md"), "utf8");
      expect(readme, u.name).toMatch(new RegExp(`npm install (--save-(dev|peer) )?${u.name.replace("/", "\\/")}`));
      // The yaml blocks themselves are validated by tools/docs' docs-examples test.
      expect(readme, `${u.name}: a bots.yaml block`).toMatch(/```yaml\n(?:[^`]*\n)?bots:\n/);
    }
  });
});
