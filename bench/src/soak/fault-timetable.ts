import type { Kill } from "./soak-ledger.js";
import type { SoakWorld } from "./soak-world.js";

/** A fault the soak injected, when, and what it took to recover where that is measured. */
export interface InjectedFault {
  /** Seconds into the run. */
  atS: number;
  fault: string;
  recovery?: string;
}

interface Entry {
  /** Fraction of the duration at which the fault starts. */
  at: number;
  fault: string;
  only?: "redis";
  inject: (world: SoakWorld, kills: Kill[]) => Promise<string | undefined>;
}

const STORM_MS = 8_000;
const REDIS_PAUSE_MS = 4_000;

/**
 * The faults, at fixed points of the run: a SIGKILL and restart early (the restarted process then
 * warms up before memory is measured), then Slack 429 storms, dropped sockets, a `disconnect`, and
 * in the two-replica variant Redis that stops answering for 4 s. Every fault is over well before
 * the load stops, so the drain shows whether all of them were recovered from.
 */
const TIMETABLE: Entry[] = [
  {
    at: 0.1,
    fault: "SIGKILL of replica 0, restarted at once",
    inject: async (world, kills) => {
      const kill = await world.killAndRestart(world.replicas[0]!);
      kills.push(kill);
      return `pid ${kill.pid} killed; the new process was ready ${(kill.readyMs / 1000).toFixed(1)} s later`;
    },
  },
  {
    at: 0.35,
    fault: `Slack 429 storm on chat.postMessage for ${STORM_MS / 1000} s (Retry-After: 1)`,
    inject: async (world) => void world.slack.rateLimitFor("chat.postMessage", { durationMs: STORM_MS, retryAfterSec: 1 }),
  },
  { at: 0.45, fault: "Socket Mode connections dropped (no goodbye)", inject: async (world) => reconnected(world, () => world.slack.dropConnections()) },
  {
    at: 0.55,
    fault: `Redis stops answering for ${REDIS_PAUSE_MS / 1000} s (held at a TCP proxy, as CLIENT PAUSE)`,
    only: "redis",
    inject: async (world) => {
      world.proxy?.hold(true);
      await new Promise((r) => setTimeout(r, REDIS_PAUSE_MS));
      world.proxy?.hold(false);
      const resumed = Date.now();
      await Promise.all(world.replicas.map((r) => readyAgain(r.url)));
      return `every replica ready again ${((Date.now() - resumed) / 1000).toFixed(1)} s after Redis answered`;
    },
  },
  { at: 0.65, fault: "Slack disconnect (refresh_requested)", inject: async (world) => reconnected(world, () => world.slack.disconnectAll("refresh_requested")) },
  {
    at: 0.75,
    fault: `Slack 429 storm on every Web API method for ${STORM_MS / 1000} s (Retry-After: 2)`,
    inject: async (world) => void world.slack.rateLimitFor("*", { durationMs: STORM_MS, retryAfterSec: 2 }),
  },
  { at: 0.85, fault: "Socket Mode connections dropped (no goodbye)", inject: async (world) => reconnected(world, () => world.slack.dropConnections()) },
];

/** Runs the timetable over `durationMs` from `startedAt`; resolves with what was injected once the last fault is over. */
export async function runFaults(world: SoakWorld, startedAt: number, durationMs: number, kills: Kill[]): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = [];
  for (const entry of TIMETABLE) {
    if (entry.only && entry.only !== world.store) continue;
    const due = startedAt + entry.at * durationMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    const atS = Math.round((Date.now() - startedAt) / 1000);
    process.stderr.write(`soak: ${atS} s: ${entry.fault}\n`);
    const recovery = await entry.inject(world, kills);
    if (recovery) process.stderr.write(`soak: ${Math.round((Date.now() - startedAt) / 1000)} s: ${recovery}\n`);
    injected.push({ atS, fault: entry.fault, ...(recovery ? { recovery } : {}) });
  }
  return injected;
}

/** Injects a socket fault and measures how long until every replica is connected again. */
async function reconnected(world: SoakWorld, fault: () => void): Promise<string> {
  const before = Date.now();
  fault();
  await world.slack.waitForConnection(world.replicas.length, 60_000);
  return `every replica reconnected within ${((Date.now() - before) / 1000).toFixed(1)} s`;
}

/** Polls a replica's /readyz until it answers 200 (or a minute has passed). */
async function readyAgain(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
