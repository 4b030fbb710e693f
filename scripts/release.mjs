#!/usr/bin/env node
// `pnpm release`: packs every published package into .release/ (what `npm publish` would upload,
// with workspace: ranges replaced by real versions). `pnpm release --publish` publishes the
// versions changesets produced (`pnpm changeset version` first) to the npm registry.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const out = join(repo, ".release");
const pnpm = ["-y", "pnpm@12.4.2"];

if (process.argv.includes("--publish")) {
  execFileSync("npx", [...pnpm, "changeset", "publish"], { cwd: repo, stdio: "inherit" });
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const parent of ["packages", "apps"]) {
  for (const name of readdirSync(join(repo, parent))) {
    const dir = join(repo, parent, name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (pkg.private) continue;
    execFileSync("npx", [...pnpm, "pack", "--pack-destination", out], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    console.log(`packed ${pkg.name}@${pkg.version}`);
  }
}
console.log(`tarballs in ${out}`);
