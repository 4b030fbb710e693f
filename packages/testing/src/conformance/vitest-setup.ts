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
 *
 * With the global setup beside it (vitest-global-setup.ts), each test file also hands over what it
 * validated, so the run ends with the figures for the whole suite.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, expect, inject } from "vitest";
import { type ConformanceViolation, ConformanceError, conformanceEnabled, enableConformance, takeRunCounts, takeViolations } from "./registry.js";
import { type FailedViolation, type FileRecord, RUN_DIR_KEY } from "./run-summary.js";

// An explicit BOTYARD_CONFORMANCE=0 still turns it off.
if ((process.env.BOTYARD_CONFORMANCE ?? "").trim() === "") enableConformance(true);

const failed: FailedViolation[] = [];

const testPath = (): string => expect.getState().testPath ?? "(unknown file)";

/** `BOTYARD_CONFORMANCE_LOG=/path/file.jsonl` also appends every violation there, one JSON object a line (handy to survey a whole suite). */
function log(test: string, violations: readonly ConformanceViolation[]): void {
  const file = process.env.BOTYARD_CONFORMANCE_LOG;
  if (!file) return;
  for (const v of violations) appendFileSync(file, `${JSON.stringify({ test, ...v })}\n`);
}

/** Fail the current test (or hook) with every violation recorded since the last check. */
function check(test: string): void {
  const violations = takeViolations();
  log(test, violations);
  if (!violations.length) return;
  for (const v of violations) failed.push({ provider: v.provider, operation: v.operation, direction: v.direction, ...(v.status !== undefined ? { status: v.status } : {}), message: v.message, test });
  throw new ConformanceError(violations);
}

function handOver(): void {
  const dir = inject(RUN_DIR_KEY);
  if (!dir) return;
  const record: FileRecord = { file: testPath(), enabled: conformanceEnabled(), counts: takeRunCounts(), failed };
  writeFileSync(join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(record));
}

if (conformanceEnabled()) {
  afterEach(() => check(`${testPath()} > ${expect.getState().currentTestName ?? "?"}`));
}
// Registered first, so it runs last: after the file's own afterAll hooks have closed its emulators.
afterAll(() => {
  try {
    // Violations from beforeAll/afterAll hooks or from work still running after a file's last test.
    if (conformanceEnabled()) check(testPath());
  } finally {
    handOver();
  }
});

declare module "vitest" {
  export interface ProvidedContext {
    [RUN_DIR_KEY]?: string;
  }
}
