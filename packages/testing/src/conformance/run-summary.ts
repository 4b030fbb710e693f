/**
 * The conformance figures of a whole test run: each test file's setup (vitest-setup.ts) writes
 * what its emulators validated and which violations failed its tests into a run directory; at the
 * end of the run the global setup (vitest-global-setup.ts) adds them up, prints them, writes them
 * to a (gitignored) file and fails the run when a violation got through.
 */
import type { ConformanceDirection, ConformanceProvider, RunCounts, ValidatedOperation } from "./registry.js";

/** The key under which the global setup provides the run directory to the test files (vitest's `provide`/`inject`). */
export const RUN_DIR_KEY = "botyardConformanceRunDir" as const;

/** A violation that failed a test (not one a test took on purpose with `takeViolations`). */
export interface FailedViolation {
  provider: ConformanceProvider;
  operation: string;
  direction: ConformanceDirection;
  status?: number;
  message: string;
  /** `path/to/file.test.ts > describe > test`, or the file alone for hooks. */
  test: string;
}

/** What one test file's setup writes. */
export interface FileRecord {
  file: string;
  /** Whether conformance mode was on for the file (BOTYARD_CONFORMANCE=0 turns it off). */
  enabled: boolean;
  counts: Record<ConformanceProvider, RunCounts>;
  failed: FailedViolation[];
}

export interface ProviderSummary {
  requests: number;
  responses: number;
  events: number;
  /** Violations that failed a test: must be 0. */
  violations: number;
  /** Violations tests provoked on purpose and took (the conformance checks' own tests). */
  deliberate: number;
  /** Operations with at least one validated request, answer or event. */
  operations: Record<string, ValidatedOperation>;
}

export interface RunSummary {
  files: number;
  /** Files that ran with conformance mode off. */
  filesWithoutConformance: number;
  providers: Record<ConformanceProvider, ProviderSummary>;
  violations: FailedViolation[];
}

const PROVIDERS: readonly ConformanceProvider[] = ["slack", "github", "pagerduty"];

export function summarize(records: readonly FileRecord[]): RunSummary {
  const providers = {} as Record<ConformanceProvider, ProviderSummary>;
  for (const provider of PROVIDERS) providers[provider] = { requests: 0, responses: 0, events: 0, violations: 0, deliberate: 0, operations: {} };
  const violations: FailedViolation[] = [];
  for (const record of records) {
    violations.push(...record.failed);
    for (const provider of PROVIDERS) {
      const counts = record.counts[provider];
      const sum = providers[provider];
      const failedHere = record.failed.filter((v) => v.provider === provider).length;
      sum.requests += counts.requests;
      sum.responses += counts.responses;
      sum.events += counts.events;
      sum.violations += failedHere;
      sum.deliberate += Math.max(0, counts.recorded - failedHere);
      for (const [operation, v] of Object.entries(counts.operations)) {
        const into = (sum.operations[operation] ??= { requests: 0, responses: {} });
        into.requests += v.requests;
        for (const [kind, n] of Object.entries(v.responses)) into.responses[kind] = (into.responses[kind] ?? 0) + n;
      }
    }
  }
  for (const provider of PROVIDERS) {
    const sorted = Object.entries(providers[provider].operations).sort(([a], [b]) => a.localeCompare(b));
    providers[provider].operations = Object.fromEntries(sorted);
  }
  return { files: records.length, filesWithoutConformance: records.filter((r) => !r.enabled).length, providers, violations };
}

/** The lines printed at the end of a run. `implemented` gives each emulator's operation count, when known. */
export function formatSummary(summary: RunSummary, where: string, implemented?: Partial<Record<ConformanceProvider, readonly string[]>>): string {
  const lines = [`Conformance: ${summary.files} test file(s)${summary.filesWithoutConformance ? `, ${summary.filesWithoutConformance} with conformance mode off` : ""}; figures in ${where}`];
  for (const provider of PROVIDERS) {
    const p = summary.providers[provider];
    const ops = implemented?.[provider];
    const exercised = ops ? `${ops.filter((op) => p.operations[op]).length}/${ops.length} implemented operations exercised` : `${Object.keys(p.operations).length} operations exercised`;
    const events = provider === "slack" ? `, ${p.events} events` : "";
    lines.push(
      `  ${provider.padEnd(9)} validated: ${p.requests} requests, ${p.responses} responses${events}; ${exercised}; violations: ${p.violations} (plus ${p.deliberate} provoked and taken on purpose by tests)`,
    );
  }
  if (summary.violations.length) {
    lines.push(`${summary.violations.length} conformance violation(s) failed tests (must be 0):`);
    for (const v of summary.violations) lines.push(`  - [${v.provider}] ${v.operation} ${v.direction}${v.status !== undefined ? ` (HTTP ${v.status})` : ""}: ${v.message} (${v.test})`);
  }
  return lines.join("\n");
}
