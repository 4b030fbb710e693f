import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { RunSummary } from "./run-summary.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "botyard-conformance-meta-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

/** Run the fixture suite in a child vitest, with the setup file and global setup as Botyard's own config has them. */
function runFixtures(): Promise<{ code: number; stdout: string; report: JsonReport; summary: RunSummary }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BOTYARD_CONFORMANCE: "1", BOTYARD_CONFORMANCE_SUMMARY: join(out, "summary.json") };
  delete env.BOTYARD_CONFORMANCE_LOG;
  const args = [join(REPO, "node_modules/vitest/vitest.mjs"), "run", "--root", FIXTURES, "--config", join(FIXTURES, "vitest.config.ts"), "--reporter=json", `--outputFile=${join(out, "report.json")}`];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: FIXTURES, env, timeout: 25_000 }, (error, stdout) => {
      resolve({
        code: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
        stdout,
        report: JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as JsonReport,
        summary: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummary,
      });
    });
  });
}

describe("the conformance setup in a test run", () => {
  it("fails the test that caused a violation, with the violation, and only that test; the run fails and counts it", async () => {
    const { code, stdout, report, summary } = await runFixtures();

    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.map((r) => [r.title, r.status])).toEqual([
      ["posts a message", "passed"],
      ["posts with an argument chat.postMessage does not take", "failed"],
      ["posts again afterwards", "passed"],
    ]);
    const failure = results[1]!.failureMessages.join("\n");
    expect(failure).toContain("ConformanceError");
    expect(failure).toContain("[slack] chat.postMessage request: the call to chat.postMessage does not match the method's arguments");
    expect(failure).toContain('argument "colour" is not a parameter of chat.postMessage');

    expect(code).toBe(1);
    expect(summary.providers.slack).toMatchObject({ requests: 2, responses: 3, violations: 1, deliberate: 0 });
    expect(summary.violations).toEqual([expect.objectContaining({ provider: "slack", operation: "chat.postMessage", direction: "request", test: expect.stringMatching(/one-violation\.fixture\.ts > posts with an argument chat\.postMessage does not take$/) })]);
    expect(stdout).toContain("1 conformance violation(s) failed tests (must be 0):");
  });
});
