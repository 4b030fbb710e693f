import type { BenchResult } from "../bench-result.js";
import { median } from "../bench-result.js";
import { slopePerHour } from "./host-samples.js";
import type { PhaseResult } from "./soak-phase.js";

/** A heap slope is judged only over at least this long after warm-up: shorter, a GC cycle outweighs any leak. */
const JUDGED_WINDOW_MS = 5 * 60_000;
/** < 1 MB per 10 minutes. */
const HEAP_SLOPE_TARGET_MB_PER_H = 6;
/** Full GCs needed to take the slope from the heap they leave; fewer, it is taken from the sampled heap. */
const MIN_GC_POINTS = 4;
/** How much a count (handles, listeners) may end above where it started: what is in flight varies from one moment to the next. */
const COUNT_SLACK = (start: number) => Math.max(5, Math.ceil(start * 0.1));

/** The figures of one variant as bench rows; every row with a target is gated (a miss fails `pnpm soak`). */
export function phaseRows(phase: PhaseResult): BenchResult[] {
  const suite = "soak";
  const minutes = (phase.durationMs / 60_000).toFixed(phase.durationMs % 60_000 ? 1 : 0);
  const workload = `${phase.variant === "sqlite" ? "one host, SQLite" : "two replicas, Redis"}, ${minutes} min of mixed load and faults`;
  const rows: BenchResult[] = [];
  const row = (r: Omit<BenchResult, "suite" | "workload">) => rows.push({ suite, workload, ...r, ...(r.target ? { gate: true } : {}) });

  let sent = 0;
  let handled = 0;
  let duplicated = 0;
  let crashWindow = 0;
  let lost = 0;
  for (const t of phase.tallies) {
    const events = t.kind.startsWith("schedule");
    if (!events) (sent += t.sent), (handled += t.handled), (lost += t.lost);
    duplicated += t.duplicated;
    crashWindow += t.crashWindow;
    const note = [t.crashWindow ? `${t.crashWindow} more in the documented crash window` : "", ...t.examples].filter(Boolean).join("; ");
    row({ metric: `${t.kind}: sent / handled / duplicated / lost`, value: t.duplicated + t.lost, unit: `${t.sent} / ${t.handled} / ${t.duplicated} / ${t.lost}`, target: "0 duplicated, 0 lost", met: t.duplicated === 0 && t.lost === 0, ...(note ? { note } : {}) });
  }
  row({ metric: "events sent", value: sent, unit: "events", note: "Slack messages and mentions delivered, webhooks acknowledged with a 2xx (retries not counted), Datadog recoveries acknowledged" });
  row({ metric: "events handled", value: handled, unit: "events", note: `drained ${(phase.drainMs / 1000).toFixed(1)} s after the load stopped; each count of the emulators' posts took at most ${Math.round(phase.countMs)} ms` });
  row({ metric: "events duplicated", value: duplicated, unit: "events", target: "0", met: duplicated === 0, note: `outside the documented crash window; ${crashWindow} within it` });
  row({ metric: "events lost", value: lost, unit: "events", target: "0", met: lost === 0 });
  const refused = Object.entries(phase.webhookStatuses).filter(([s]) => Number(s) >= 300).map(([s, n]) => `${n}×${s}`).join(", ");
  row({ metric: "webhook answers of 500", value: phase.webhookStatuses["500"] ?? 0, unit: "answers", target: "0", met: !phase.webhookStatuses["500"], note: `retried answers: ${refused || "none"}; ${phase.webhookUnanswered} attempts unanswered (host down)` });

  for (const f of phase.finals) processRows(phase, f.replica, f.pid, row);
  row({ metric: "graceful stop (SIGTERM)", value: phase.finals.filter((f) => f.exit.code === 0).length, unit: `of ${phase.finals.length} exited 0`, target: "all", met: phase.finals.every((f) => f.exit.code === 0) });
  row({ metric: "Node warnings (MaxListenersExceededWarning and others)", value: phase.nodeWarnings.length, unit: "warnings", target: "0", met: phase.nodeWarnings.length === 0, ...(phase.nodeWarnings[0] ? { note: phase.nodeWarnings[0].slice(0, 200) } : {}) });
  row({ metric: "error-level log lines", value: phase.errorLines.length, unit: "lines", ...(phase.errorLines.length ? { note: byMessage(phase.errorLines) } : {}) });
  row({ metric: "open release PRs for acme/web at the end", value: phase.openReleasePrs, unit: "PRs", target: "1", met: phase.openReleasePrs === 1, note: "release's schedule ran every second throughout: a PR is never opened twice" });
  row({ metric: "@oncall-sre holds PagerDuty's on-call at the end", value: phase.oncallHoldsAlice ? 1 : 0, unit: "yes=1", target: "1", met: phase.oncallHoldsAlice, note: "oncall's sync ran every second throughout" });
  if (phase.sqliteIntegrity !== undefined) row({ metric: "SQLite PRAGMA integrity_check", value: phase.sqliteIntegrity === "ok" ? 1 : 0, unit: phase.sqliteIntegrity, target: "ok", met: phase.sqliteIntegrity === "ok" });
  for (const f of phase.faults) row({ metric: `fault at ${f.atS} s: ${f.fault}`, value: f.atS, unit: "s into the run", ...(f.recovery ? { note: f.recovery } : {}) });
  return rows;
}

/** Memory, event loop, handles and listeners of one process that ran to the end, over the window after warm-up. */
function processRows(phase: PhaseResult, replica: number, pid: number, row: (r: Omit<BenchResult, "suite" | "workload">) => void): void {
  const inWindow = (at: number) => at >= phase.window.from && at <= phase.window.to;
  const samples = phase.samples.filter((s) => s.pid === pid && inWindow(s.at));
  const who = `replica ${replica} (pid ${pid})`;
  if (samples.length < 3) {
    row({ metric: `${who}: samples after warm-up`, value: samples.length, unit: "samples", target: ">= 3", met: false, note: "the host's /metrics did not answer often enough to measure it" });
    return;
  }
  const spanMs = phase.window.to - phase.window.from;
  const judged = spanMs >= JUDGED_WINDOW_MS;
  const gc = phase.gc.filter((g) => g.pid === pid && inWindow(g.at));
  const fromGc = gc.length >= MIN_GC_POINTS;
  const mb = (bytes: number) => bytes / 1024 / 1024;
  // The judged figure: the data the host keeps, i.e. the heap a full GC leaves less compiled code (see fixtures/gc-probed-host.ts).
  const dataSlope = fromGc ? slopePerHour(gc.map((g) => ({ at: g.at, value: mb(g.heapUsed - g.code) }))) : slopePerHour(samples.map((s) => ({ at: s.at, value: s.heapUsedMb })));
  const span = `linear regression over ${Math.round(spanMs / 1000)} s after warm-up`;
  const dataNote = fromGc
    ? `heap left by each of ${gc.length} full GCs (forced at a steady pace) less compiled code, ${span}; ${(dataSlope / 6).toFixed(2)} MB per 10 min; ${mb(gc[0]!.heapUsed - gc[0]!.code).toFixed(1)} MB → ${mb(gc.at(-1)!.heapUsed - gc.at(-1)!.code).toFixed(1)} MB`
    : `heap sampled every few seconds (${gc.length} full GCs, too few), ${span}; ${(dataSlope / 6).toFixed(2)} MB per 10 min`;
  if (judged) row({ metric: `${who}: heap slope (data)`, value: dataSlope, unit: "MB/h", target: `< ${HEAP_SLOPE_TARGET_MB_PER_H} MB/h (1 MB per 10 min)`, met: dataSlope < HEAP_SLOPE_TARGET_MB_PER_H, note: dataNote });
  else row({ metric: `${who}: heap slope (data)`, value: dataSlope, unit: "MB/h", note: `${dataNote}; not judged: under ${JUDGED_WINDOW_MS / 60_000} min after warm-up` });
  if (fromGc) {
    const total = slopePerHour(gc.map((g) => ({ at: g.at, value: mb(g.heapUsed) })));
    const code = slopePerHour(gc.map((g) => ({ at: g.at, value: mb(g.code) })));
    row({
      metric: `${who}: heap slope (all, compiled code included)`,
      value: total,
      unit: "MB/h",
      note: `${(total / 6).toFixed(2)} MB per 10 min, of which compiled code ${(code / 6).toFixed(2)} MB (V8 compiling and re-optimizing: ${mb(gc[0]!.code).toFixed(1)} MB → ${mb(gc.at(-1)!.code).toFixed(1)} MB)`,
    });
  }
  row({ metric: `${who}: RSS slope`, value: slopePerHour(samples.map((s) => ({ at: s.at, value: s.rssMb }))), unit: "MB/h", note: `RSS ${samples[0]!.rssMb.toFixed(0)} MB after warm-up, ${samples.at(-1)!.rssMb.toFixed(0)} MB at the end` });
  const lag = samples.map((s) => s.eventLoopP99Ms).filter(Number.isFinite);
  row({ metric: `${who}: event-loop delay p99`, value: median(lag), unit: "ms", note: `median of each ${samples.length > 1 ? Math.round((samples[1]!.at - samples[0]!.at) / 1000) : "?"} s interval's p99; worst interval ${Math.max(...lag).toFixed(1)} ms (prom-client's monitor, 10 ms resolution)` });
  countRow(row, who, "active handles", samples.map((s) => s.activeHandles));
  const signal = samples.map((s) => s.signalListeners).filter((v): v is number => v !== undefined);
  const proc = samples.map((s) => s.processListeners).filter((v): v is number => v !== undefined);
  if (signal.length >= 3) countRow(row, who, "listeners on the host's shutdown signal", signal);
  if (proc.length >= 3) countRow(row, who, "listeners on process", proc);
}

/** `3× store unreachable…; 1× handler failed…`: the distinct messages, most frequent first. */
function byMessage(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const key = line.replace(/^\d+ /, "").split("\n")[0]!.slice(0, 90);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n}× ${m}`).join("; ");
}

/** The rows as a plain report: each figure with its target and note, then what was missed. */
export function summary(rows: BenchResult[]): string {
  const out: string[] = [];
  let workload = "";
  for (const r of rows) {
    if (r.workload !== workload) out.push("", `== soak: ${(workload = r.workload)}`);
    if (r.metric.startsWith("fault at ")) {
      out.push(`  ${r.metric}${r.note ? `: ${r.note}` : ""}`);
      continue;
    }
    const value = r.metric.includes("sent / handled") ? r.unit : `${Number.isInteger(r.value) ? r.value : r.value.toFixed(2)} ${r.unit}`;
    const verdict = r.target ? ` [target ${r.target}: ${r.met ? "met" : "MISSED"}]` : "";
    out.push(`  ${r.metric}: ${value}${verdict}${r.note ? `\n      ${r.note}` : ""}`);
  }
  const missed = rows.filter((r) => r.gate && r.met === false);
  out.push("", missed.length ? `soak: ${missed.length} target(s) MISSED: ${missed.map((r) => `${r.workload}: ${r.metric}`).join("; ")}` : "soak: every target met", "");
  return out.join("\n");
}

/** Start and end of a count (the median of the first and of the last three samples): it must not grow. */
function countRow(row: (r: Omit<BenchResult, "suite" | "workload">) => void, who: string, what: string, values: number[]): void {
  const start = median(values.slice(0, 3));
  const end = median(values.slice(-3));
  row({ metric: `${who}: ${what}, start → end`, value: end, unit: `(start ${start})`, target: `<= start + ${COUNT_SLACK(start)}`, met: end <= start + COUNT_SLACK(start), note: `min ${Math.min(...values)}, max ${Math.max(...values)} over ${values.length} samples after warm-up` });
}
