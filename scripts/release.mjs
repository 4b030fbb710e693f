#!/usr/bin/env node
// `pnpm release`: packs every published package into .release/ (what `npm publish` would upload,
// with workspace: ranges replaced by real versions; `--out <dir>` packs elsewhere). `pnpm release
// --publish` publishes the versions changesets produced (`pnpm changeset version` first) to npm.
// `pnpm pack-all` is the same packing into dist-tarballs/: how a user installs Botyard from a clone
// until the packages are on npm (docs/getting-started.md).
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const repo = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { publish: { type: "boolean", default: false }, out: { type: "string" } } });
const out = values.out ? resolve(values.out) : join(repo, ".release");
const pnpm = ["-y", "pnpm@12.4.2"];

if (values.publish) {
  execFileSync("npx", [...pnpm, "changeset", "publish"], { cwd: repo, stdio: "inherit" });
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const published = ["packages", "apps"]
  .flatMap((parent) => readdirSync(join(repo, parent)).map((name) => join(repo, parent, name)))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => !pkg.private);
// Packed side by side: each pack is mostly waiting on its own npx start-up.
await Promise.all(
  published.map(async ({ dir, pkg }) => {
    await promisify(execFile)("npx", [...pnpm, "pack", "--pack-destination", out], { cwd: dir });
    console.log(`packed ${pkg.name}@${pkg.version}`);
  }),
);
console.log(`tarballs in ${out}`);
// The packages depend on one another at their published versions, which npm cannot find on the
// registry yet: installed in one command, each finds the others among the tarballs.
console.log(`install them together, e.g. in your project: npm install ${relative(process.cwd(), out) || "."}/*.tgz`);
