import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL(".", import.meta.url));
const manifest = JSON.parse(readFileSync(join(SRC, "../package.json"), "utf8")) as { sideEffects: unknown };

// A module that acts when it is imported (a polyfill import, a global setting) must be declared in
// package.json's "sideEffects", or a bundler of a plugin
// or host may drop it: tsyringe then fails without reflect-metadata, and config errors stop at
// typebox's default of 8.
function sourcesWithSideEffects(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts") || entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    // A bare `import "x"`, or a call statement at the top level of the module.
    if (/^import\s+["']/m.test(text) || /^[A-Za-z_$][\w$.]*\(/m.test(text)) found.push(`./dist/${relative(SRC, file).replace(/\.ts$/, ".js")}`);
  }
  return found.sort();
}

describe("@botyard/core's package.json", () => {
  it("declares exactly the modules that act when imported side-effectful", () => {
    // Core ships tsc's modules one file each, so a bundler sees these very files.
    expect(manifest.sideEffects).toEqual(sourcesWithSideEffects());
    expect(manifest.sideEffects).toEqual(["./dist/config/validate.js", "./dist/di/container.js"]);
  });
});
