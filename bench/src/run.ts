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
  alertmanager: () => import("./suites/alertmanager.js"),
  release: () => import("./suites/release.js"),
  types: () => import("./suites/types.js"),
};
// Suites run only when named (`pnpm soak` is `bench soak`): too long for `pnpm bench`. Their
// figures go to results/<suite>-latest.json, and a missed gated target fails the command.
const ON_DEMAND: Record<string, () => Promise<{ default: BenchSuite }>> = {
  soak: () => import("./suites/soak.js"),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  // Suite names come first; flags (and their values) after them belong to the suites.
  const firstFlag = args.findIndex((a) => a.startsWith("--"));
  const only = (firstFlag < 0 ? args : args.slice(0, firstFlag)).filter((a) => a in SUITES || a in ON_DEMAND);
  const unknown = (firstFlag < 0 ? args : args.slice(0, firstFlag)).filter((a) => !(a in SUITES || a in ON_DEMAND));
  if (unknown.length) throw new Error(`bench: no suite named ${unknown.join(", ")}; the suites are ${[...Object.keys(SUITES), ...Object.keys(ON_DEMAND)].join(", ")}.`);
  const options = { quick, args: firstFlag < 0 ? [] : args.slice(firstFlag) };
  const here = dirname(fileURLToPath(import.meta.url));
  const run = async (name: string, load: () => Promise<{ default: BenchSuite }>) => {
    process.stderr.write(`bench: ${name}${quick ? " (quick)" : ""}...\n`);
    return (await load()).default(options);
  };

  const results: BenchResult[] = [];
  for (const [name, load] of Object.entries(SUITES)) if (!only.length || only.includes(name)) results.push(...(await run(name, load)));
  const all = [...results];
  if (results.length) write(join(here, "..", "results.json"), quick, results);
  for (const [name, load] of Object.entries(ON_DEMAND)) {
    if (!only.includes(name)) continue;
    const own = await run(name, load);
    write(join(here, "..", "results", `${name}-latest.json`), quick, own, options.args);
    all.push(...own);
  }
  printTable(all);
  const missed = all.filter((r) => r.met === false);
  if (missed.length) process.stderr.write(`bench: ${missed.length} target(s) not met on this machine (see table).\n`);
  const gated = missed.filter((r) => r.gate);
  for (const r of gated) process.stderr.write(`bench: TARGET MISSED: ${r.suite}, ${r.workload}: ${r.metric} is ${format(r.value)} ${r.unit}, target ${r.target}${r.note ? ` (${r.note})` : ""}\n`);
  if (gated.length) process.exitCode = 1;
}

function write(out: string, quick: boolean, results: BenchResult[], args: readonly string[] = []): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), quick, args, node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, results }, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${out}\n`);
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
