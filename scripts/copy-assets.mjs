// Part of `pnpm build`, after tsc: files a package reads at run time that tsc does not emit (the
// Redis store's Lua scripts) are copied from src/ to the same place under dist/, so that a module
// finds them beside itself (`new URL("./scripts/x.lua", import.meta.url)`) in src and dist alike.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ASSET = /\.lua$/;

let copied = 0;
for (const parent of ["packages", "apps"]) {
  for (const name of readdirSync(join(REPO, parent))) {
    const src = join(REPO, parent, name, "src");
    if (existsSync(src)) copied += copyAssets(src, join(REPO, parent, name, "dist"));
  }
}
process.stdout.write(`copied ${copied} asset file${copied === 1 ? "" : "s"} into dist/\n`);

function copyAssets(from, to) {
  let n = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) n += copyAssets(source, target);
    else if (ASSET.test(entry.name)) {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
      n++;
    }
  }
  return n;
}
