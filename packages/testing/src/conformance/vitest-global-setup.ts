/**
 * A vitest global setup that adds up the conformance figures of a whole run, beside the setup file
 * (vitest-setup.ts); Botyard's root vitest.config.ts runs both. Each test file hands over what its
 * emulators validated and which violations failed its tests; at the end of the run this prints,
 * per provider, the requests, responses and events validated and the violations (which must be
 * 0), writes them to `.botyard/conformance/last-run.json` under the project root (or to
 * `BOTYARD_CONFORMANCE_SUMMARY`), and fails the run when a violation got through, even one a hook
 * or a stray timer caused after its test had passed.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { type FileRecord, formatSummary, RUN_DIR_KEY, summarize } from "./run-summary.js";

/** Where the figures of the last run go, relative to the project root unless absolute. */
export const SUMMARY_ENV = "BOTYARD_CONFORMANCE_SUMMARY";
export const DEFAULT_SUMMARY_FILE = ".botyard/conformance/last-run.json";

export default function setup(project: TestProject): () => Promise<void> {
  const root = project.config.root;
  const runDir = mkdtempSync(join(tmpdir(), "botyard-conformance-"));
  project.provide(RUN_DIR_KEY, runDir);
  return async () => {
    try {
      const records = readdirSync(runDir)
        .filter((name) => name.endsWith(".json"))
        .map((name) => JSON.parse(readFileSync(join(runDir, name), "utf8")) as FileRecord)
        .map((record) => ({ ...record, file: relative(root, record.file), failed: record.failed.map((v) => ({ ...v, test: v.test.startsWith(`${root}/`) ? v.test.slice(root.length + 1) : v.test })) }))
        .sort((a, b) => a.file.localeCompare(b.file));
      if (!records.length) return;
      const summary = summarize(records);
      const file = resolve(root, process.env[SUMMARY_ENV] || DEFAULT_SUMMARY_FILE);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify({ finishedAt: new Date().toISOString(), ...summary, testFiles: records.map((r) => r.file) }, null, 2)}\n`);
      console.log(`\n${formatSummary(summary, relative(root, file) || file, await implementedOperations())}\n`);
      // Each of these already failed its test; this catches the ones no test reported (a hook's, a
      // late timer's) and makes the rule visible: a run with a violation does not pass.
      if (summary.violations.length) process.exitCode = 1;
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  };
}

/** Each emulator's operations, to show how many of them the run exercised (loaded only at the end of the run). */
async function implementedOperations(): Promise<Record<"slack" | "github" | "pagerduty", readonly string[]> | undefined> {
  try {
    const [{ SlackEmulator }, { GitHubEmulator }, { PagerDutyEmulator }] = await Promise.all([
      import("../slack/slack-emulator.js"),
      import("../github/github-emulator.js"),
      import("../pagerduty/pagerduty-emulator.js"),
    ]);
    return { slack: SlackEmulator.implementedMethods, github: GitHubEmulator.implementedOperations(), pagerduty: PagerDutyEmulator.implementedOperations() };
  } catch {
    return undefined;
  }
}
