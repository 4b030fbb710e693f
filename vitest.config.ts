import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "examples/*/src/**/*.test.ts", "tools/*/src/**/*.test.ts", "bench/src/**/*.test.ts", "test/**/*.test.ts", "monitoring/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Two test files at a time on the 2-core machines CI runs on (the default is one fewer than the
    // cores): most of the suite's time is e2e tests waiting on real processes, emulators and Redis,
    // so the whole run takes ~10 min instead of ~15 (measured on a fresh clone, all green).
    maxWorkers: 2,
    // Conformance mode (issue 10): every Slack, GitHub and PagerDuty emulator checks what it receives
    // and sends against the providers' API descriptions; a test fails when anything it caused does
    // not conform (see packages/testing/src/conformance and docs/testing/emulator-fidelity.md). The
    // global setup adds up what the whole run validated, prints it, writes it to
    // .botyard/conformance/last-run.json and fails the run if any violation got through.
    env: { BOTYARD_CONFORMANCE: "1" },
    setupFiles: ["packages/testing/src/conformance/vitest-setup.ts", "test/setup/process-warnings.ts"],
    globalSetup: ["packages/testing/src/conformance/vitest-global-setup.ts"],
  },
});
