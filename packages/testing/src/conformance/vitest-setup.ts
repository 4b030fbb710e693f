/**
 * A vitest setup file that runs a test suite in conformance mode: every Slack, GitHub and
 * PagerDuty emulator the tests start checks each request it receives and each answer it sends
 * against the provider's API description, and a test fails when anything it caused does not
 * conform. Add it to your vitest config:
 *
 * ```ts
 * export default defineConfig({ test: { setupFiles: ["@botyard/testing/vitest-setup"] } });
 * ```
 *
 * A test that sends a deliberately malformed request takes the violation it expects with
 * `takeViolations(...)` (from `@botyard/testing`), so only unexpected ones fail it.
 */
import { appendFileSync } from "node:fs";
import { afterAll, afterEach, expect } from "vitest";
import { conformanceEnabled, conformanceViolations, enableConformance, expectConformance } from "./registry.js";

// An explicit BOTYARD_CONFORMANCE=0 still turns it off.
if ((process.env.BOTYARD_CONFORMANCE ?? "").trim() === "") enableConformance(true);

/** `BOTYARD_CONFORMANCE_LOG=/path/file.jsonl` also appends every violation there, one JSON object a line (handy to survey a whole suite). */
function log(test: string | undefined): void {
  const file = process.env.BOTYARD_CONFORMANCE_LOG;
  if (!file) return;
  for (const v of conformanceViolations()) appendFileSync(file, `${JSON.stringify({ test: test ?? "(outside a test)", ...v })}\n`);
}

if (conformanceEnabled()) {
  afterEach(() => {
    log(expect.getState().testPath + " > " + expect.getState().currentTestName);
    expectConformance();
  });
  // Violations from beforeAll/afterAll hooks or from work still running after a file's last test.
  afterAll(() => {
    log(undefined);
    expectConformance();
  });
}
