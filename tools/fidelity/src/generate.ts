/**
 * `pnpm fidelity`: run the conformance tour of the emulators, scan Botyard's sources for the
 * provider calls they make, and write docs/testing/emulator-fidelity.md. `--check` only compares.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findCallSites } from "./call-sites.js";
import { runExercise } from "./exercise.js";
import { renderReport } from "./report.js";

/** The repository root, from tools/fidelity/src or tools/fidelity/dist alike. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const REPORT_FILE = `${REPO_ROOT}docs/testing/emulator-fidelity.md`;

export async function generateReport(): Promise<string> {
  const result = await runExercise();
  return renderReport(result, findCallSites(REPO_ROOT));
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const report = await generateReport();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(REPORT_FILE, "utf8");
    } catch {
      // missing: stale
    }
    if (current !== report) {
      console.error("docs/testing/emulator-fidelity.md is stale: run `pnpm fidelity`.");
      process.exit(1);
    }
    console.log("docs/testing/emulator-fidelity.md is current.");
  } else {
    writeFileSync(REPORT_FILE, report);
    console.log(`Wrote ${REPORT_FILE}`);
  }
  if (/Violations in the tour: \*\*[1-9]/.test(report)) process.exit(1);
}
