import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "botyard-warnings-meta-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the process-warnings setup in a test run", () => {
  it("fails the test during which Node warned of a listener leak, and only that test", async () => {
    const args = [join(REPO, "node_modules/vitest/vitest.mjs"), "run", "--root", FIXTURES, "--config", join(FIXTURES, "vitest.config.ts"), "--reporter=json", `--outputFile=${join(out, "report.json")}`];
    const code = await new Promise<number>((resolve) => execFile(process.execPath, args, { cwd: FIXTURES, timeout: 25_000 }, (error) => resolve(error ? 1 : 0)));
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.map((r) => [r.title, r.status])).toEqual([
      ["passes a signal to many requests at once", "failed"],
      ["gives each request a signal of its own", "passed"],
    ]);
    expect(results[0]!.failureMessages.join("\n")).toContain("Node warned of a listener leak during this test:\nthis process: Possible EventTarget memory leak detected. 11 abort listeners added to [AbortSignal]");
    expect(code).toBe(1);
  });
});
