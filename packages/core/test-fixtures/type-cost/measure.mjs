// Type-checks one file the way a plugin author's `tsc --noEmit` does, and reads the compiler's
// own figures (--extendedDiagnostics). Shared by the core test (instantiations, deterministic)
// and the bench (time and memory, which depend on the machine).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * @param {string} file absolute path of the .ts file
 * @returns {{ instantiations: number, types: number, memoryKb: number, totalSeconds: number, checkSeconds: number, errors: string }}
 */
export function typeCheckCost(file) {
  const tsc = createRequire(file).resolve("typescript/bin/tsc");
  const dir = mkdtempSync(join(tmpdir(), "botyard-type-cost-"));
  try {
    const config = join(dir, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: [file],
      }),
    );
    let out;
    try {
      out = execFileSync(process.execPath, [tsc, "-p", config, "--extendedDiagnostics"], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      out = String(error.stdout ?? "");
    }
    const figure = (name) => Number((new RegExp(`^${name}:\\s+([\\d.]+)`, "m").exec(out) ?? [])[1]);
    return {
      instantiations: figure("Instantiations"),
      types: figure("Types"),
      memoryKb: figure("Memory used"),
      totalSeconds: figure("Total time"),
      checkSeconds: figure("Check time"),
      errors: out.split("\n").filter((l) => /error TS\d+/.test(l)).join("\n"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
