import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GitHubEmulator, PagerDutyEmulator, SlackEmulator } from "@botyard/testing";
import { findCallSites, templateCovers } from "./call-sites.js";
import { runExercise } from "./exercise.js";
import { REPO_ROOT, REPORT_FILE } from "./generate.js";
import { renderReport } from "./report.js";
import { structuralSummary } from "./structural-report.js";

describe("emulator coverage of Botyard's own calls", () => {
  const sites = findCallSites(REPO_ROOT);

  it("finds the provider calls in the packages, the host and the examples", () => {
    const found = new Set(sites.map((s) => `${s.provider} ${s.operation}`));
    // If the scanner stopped seeing these, it would silently check nothing.
    for (const expected of ["slack chat.postMessage", "slack apps.connections.open", "slack usergroups.users.update", "github POST /repos/{owner}/{repo}/pulls", "github GET /repos/{owner}/{repo}/compare/{basehead}", "pagerduty GET /oncalls"]) {
      expect(found, expected).toContain(expected);
    }
  });

  it("every Slack method, GitHub endpoint and PagerDuty path Botyard calls is implemented by its emulator", () => {
    const slack = new Set(SlackEmulator.implementedMethods);
    const github = GitHubEmulator.implementedOperations();
    const pagerduty = PagerDutyEmulator.implementedOperations();
    const missing = sites.filter((s) => {
      if (s.provider === "slack") return !slack.has(s.operation);
      const implemented = s.provider === "github" ? github : pagerduty;
      return !implemented.some((op) => templateCovers(op, s.operation));
    });
    expect(missing.map((s) => `${s.file}:${s.line} ${s.written} -> ${s.provider} ${s.operation}`)).toEqual([]);
  });
});

describe("the fidelity report", () => {
  it("validates every implemented operation's request and answers with no violation, and docs/testing/emulator-fidelity.md is current (pnpm fidelity)", async () => {
    const result = await runExercise();
    expect(result.violations).toEqual([]);
    const implemented = {
      slack: SlackEmulator.implementedMethods,
      github: GitHubEmulator.implementedOperations(),
      pagerduty: PagerDutyEmulator.implementedOperations(),
    };
    const unvalidated = Object.entries(implemented).flatMap(([provider, ops]) =>
      ops.filter((op) => {
        const v = result.validated[provider as keyof typeof implemented][op];
        return !v || v.requests === 0 || Object.keys(v.responses).length === 0;
      }).map((op) => `${provider} ${op}`),
    );
    expect(unvalidated).toEqual([]);
    // Every Slack answer and payload shape with a recorded sample is sent in the tour and carries every key Slack's does.
    const structural = structuralSummary(result);
    expect(SlackEmulator.implementedMethods.filter((m) => !structural.shapes.includes(m))).toEqual([]);
    expect(structural.notCompared).toEqual([]);
    expect(structural.shapes.filter((s) => !structural.faithful.includes(s))).toEqual([]);
    const report = renderReport(result, findCallSites(REPO_ROOT));
    let committed = "";
    try {
      committed = readFileSync(REPORT_FILE, "utf8");
    } catch {
      // reported as a mismatch below
    }
    expect(committed === report, "docs/testing/emulator-fidelity.md is stale: run `pnpm fidelity` and commit the result").toBe(true);
  });
});
