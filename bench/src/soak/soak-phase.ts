import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO } from "../host-process.js";
import { runFaults, type InjectedFault } from "./fault-timetable.js";
import { sampleHost, type HostSample } from "./host-samples.js";
import { tally, type Kill, type Tally } from "./soak-ledger.js";
import { SoakLoad } from "./soak-load.js";
import { CHANNELS, SoakWorld } from "./soak-world.js";

/** Everything one variant's run measured. */
export interface PhaseResult {
  variant: "sqlite" | "redis";
  durationMs: number;
  /** Start of the measured window (after warm-up) and end of the load, ms since the epoch. */
  window: { from: number; to: number };
  tallies: Tally[];
  faults: InjectedFault[];
  kills: Kill[];
  samples: HostSample[];
  /** Heap left by each full GC (forced at a steady pace), and how much of it is compiled code, by process. */
  gc: Array<{ at: number; pid: number; heapUsed: number; code: number }>;
  /** The processes alive at the end, by replica: their pid and how each stopped on SIGTERM. */
  finals: Array<{ replica: number; pid: number; exit: { code: number | null; signal: NodeJS.Signals | null } }>;
  nodeWarnings: string[];
  errorLines: string[];
  drainMs: number;
  /** The longest a count of the emulators' posts took (it blocks them meanwhile). */
  countMs: number;
  webhookStatuses: Record<string, number>;
  webhookUnanswered: number;
  sqliteIntegrity?: string;
  openReleasePrs: number;
  oncallHoldsAlice: boolean;
}

/** Warm-up: the first 30% of the run (the SIGKILL at 10% included: the restarted process warms up for 20%). */
const WARM_UP = 0.3;
const DRAIN_TIMEOUT_MS = 120_000;

/** One variant: its world, the load and the fault timetable for `durationMs`, then the drain and the count. */
export async function runPhase(variant: "sqlite" | "redis", durationMs: number): Promise<PhaseResult> {
  // About 14 heap readings after full GCs over a 10-minute run's measured window; 8 over a minute's.
  const world = await SoakWorld.start(variant, durationMs >= 5 * 60_000 ? 30_000 : 5_000);
  try {
    await world.startReplicas(variant === "redis" ? 2 : 1);
    const samples: HostSample[] = [];
    const sampleMs = durationMs >= 5 * 60_000 ? 5_000 : 2_000;
    const sampler = setInterval(() => {
      for (const r of world.replicas) void sampleHost(r.url, r.index, r.process.pid).then((s) => s && samples.push(s));
    }, sampleMs);

    const load = new SoakLoad(world);
    const kills: Kill[] = [];
    const startedAt = Date.now();
    load.start();
    process.stderr.write(`soak: ${variant}: load running for ${Math.round(durationMs / 1000)} s\n`);
    const [faults] = await Promise.all([runFaults(world, startedAt, durationMs, kills), new Promise((r) => setTimeout(r, durationMs))]);
    const loadEnd = Date.now();
    await load.stop();

    // Drain: everything sent is handled, or the deadline passes (then what is missing is lost).
    // Counting shares the event loop with the emulators: it must stay short, or the hosts' Slack calls time out.
    let countMs = 0;
    const count = () => {
      const started = performance.now();
      const tallies = tally(world.slack, load.sent, kills, world.journal);
      countMs = Math.max(countMs, performance.now() - started);
      return tallies;
    };
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (count().some((t) => t.lost > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1_000));
    const drainMs = Date.now() - loadEnd;
    // A little longer, so that a late second answer would show.
    await new Promise((r) => setTimeout(r, 3_000));
    clearInterval(sampler);
    const tallies = count();

    const finals = world.replicas.map((r) => ({ replica: r.index, pid: r.process.pid }));
    const exits = await world.stopReplicas();
    const all = world.replicas.flatMap((r) => r.processes);
    const result: PhaseResult = {
      variant,
      durationMs,
      window: { from: startedAt + WARM_UP * durationMs, to: loadEnd },
      tallies,
      faults,
      kills,
      samples,
      gc: readGcLog(world.gcLog),
      finals: finals.map((f, i) => ({ ...f, exit: exits[i]! })),
      nodeWarnings: all.flatMap((p) => p.nodeWarnings()),
      errorLines: all.flatMap((p) => p.lines.filter((l) => typeof l.level === "number" && l.level >= 50).map((l) => `${l.level} ${String(l.msg)}`)),
      drainMs,
      countMs,
      webhookStatuses: Object.fromEntries([...load.sent.statuses].sort(([a], [b]) => a - b)),
      webhookUnanswered: load.sent.unanswered,
      openReleasePrs: world.github.repo("acme/web").pulls().filter((p) => p.state === "open" && p.base === "main").length,
      oncallHoldsAlice: world.slack.usergroup("oncall-sre")?.users.includes("U0ALICE") ?? false,
    };
    if (variant === "sqlite") result.sqliteIntegrity = integrity(join(world.project.dir, "state/botyard.db"));
    process.stderr.write(`soak: ${variant}: done; ${world.slack.messages(CHANNELS.out).length} posts counted\n`);
    return result;
  } finally {
    await world.close();
  }
}

function readGcLog(file: string): PhaseResult["gc"] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PhaseResult["gc"][number]);
}

/** `PRAGMA integrity_check` of the stopped host's SQLite file. */
function integrity(file: string): string {
  // better-sqlite3 is the host's dependency; the benchmark borrows it rather than declaring its own.
  const Database = createRequire(join(REPO, "apps/host/package.json"))("better-sqlite3") as new (f: string, o: object) => { pragma(sql: string, o: object): unknown; close(): void };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma("integrity_check", { simple: true }));
  } finally {
    db.close();
  }
}
