import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult, BenchSuite } from "./bench-result.js";

// Every suite, in the order the table prints them. A suite is a module whose default export is a BenchSuite.
const SUITES: Record<string, () => Promise<{ default: BenchSuite }>> = {
  store: () => import("./suites/store.js"),
  dispatch: () => import("./suites/dispatch.js"),
  host: () => import("./suites/host.js"),
  redis: () => import("./suites/redis.js"),
  dogdata: () => import("./suites/dogdata.js"),
  release: () => import("./suites/release.js"),
  types: () => import("./suites/types.js"),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const only = args.filter((a) => !a.startsWith("--"));
  const results: BenchResult[] = [];
  for (const [name, load] of Object.entries(SUITES)) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}${quick ? " (quick)" : ""}...\n`);
    const suite = (await load()).default;
    results.push(...(await suite({ quick })));
  }
  printTable(results);
  const out = join(dirname(fileURLToPath(import.meta.url)), "..", "results.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), quick, node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, results }, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${out}\n`);
  const missed = results.filter((r) => r.met === false);
  if (missed.length) process.stderr.write(`bench: ${missed.length} target(s) not met on this machine (see table).\n`);
}

function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => [r.suite, r.workload, r.metric, format(r.value), r.unit, r.target ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO"]);
  const head = ["suite", "workload", "metric", "value", "unit", "target", "met"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

await main();
