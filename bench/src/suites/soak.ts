import type { BenchOptions, BenchResult } from "../bench-result.js";
import { soakOptions } from "../soak/soak-options.js";
import { runPhase } from "../soak/soak-phase.js";
import { phaseRows, summary } from "../soak/soak-report.js";

/**
 * `pnpm soak` (issue 16, "A long run"): real `botyard start` processes with the three plugins and
 * a no-op plugin, under mixed load (Slack messages and mentions, durable webhooks, Datadog alerts
 * and recoveries, schedules every second) with faults on a timetable, for 10 minutes per variant
 * by default: one host on SQLite, then two replicas on Redis. Counts every event sent, handled,
 * duplicated and lost, and each surviving process's heap and RSS slope, event-loop delay, handles
 * and listeners after warm-up. A missed target fails the command.
 */
export default async function soakSuite(options: BenchOptions): Promise<BenchResult[]> {
  const { durationMs, variants } = soakOptions(options.args);
  const rows: BenchResult[] = [];
  for (const variant of variants) {
    const phase = phaseRows(await runPhase(variant, durationMs));
    // Printed as each variant ends: the figures a long run took are not held back until the next one.
    process.stdout.write(summary(phase));
    rows.push(...phase);
  }
  return rows;
}
