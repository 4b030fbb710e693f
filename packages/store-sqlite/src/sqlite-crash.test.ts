import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "./sqlite-store.js";

// Crash safety with real processes: a child writes as fast as it can and logs each write once the
// store has acknowledged it; we SIGKILL it at a random moment, reopen the file and check that
// every acknowledged write is there. The child runs the TypeScript source through tsx (see
// fixtures/store-child.mjs), so this needs no build.

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/store-child.mjs", import.meta.url));
const ROUNDS = 20;
const QUEUE = "jobs";

const dir = mkdtempSync(join(tmpdir(), "botyard-sqlite-crash-"));
const file = join(dir, "state.db");
const spawned: ChildProcessWithoutNullStreams[] = [];

afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A child in `write` mode, with its control lines ("loaded", "ready") and a way to wait for one. */
interface Writer {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves when the child prints `line`; rejects, with its stderr, if it exits first. */
  waitFor(line: string): Promise<void>;
  /** Resolves once the child has exited and all its output has been read. */
  closed: Promise<void>;
}

function spawnWriter(): Writer {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, "write", file], { cwd: PACKAGE_DIR });
  spawned.push(child);
  const lines: string[] = [];
  let stderr = "";
  const waiters = new Map<string, () => void>();
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    waiters.get(line)?.();
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    child,
    lines,
    closed,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (lines.includes(line)) return resolve();
        waiters.set(line, resolve);
        void closed.then(() => reject(new Error(`child exited before printing "${line}" (exit ${child.exitCode}, signal ${child.signalCode}):\n${stderr}`)));
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SqliteStore under SIGKILL", () => {
  it(`keeps every acknowledged write through ${ROUNDS} kills at random moments`, { timeout: 90_000 }, async () => {
    // Two children are always loading ahead: starting one (tsx, core) takes most of a second, and
    // nothing about the crash depends on when it was spawned, only on when it is told to go.
    const pool = [spawnWriter(), spawnWriter()];
    const allAcked = new Map<number, number>(); // i -> value acknowledged for k<i>
    const allEnqueued = new Map<number, string>(); // i -> job id
    let expectedQueueSize = 0;
    let next = 0;
    let writesChecked = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const writer = pool.shift()!;
      pool.push(spawnWriter());
      await writer.waitFor("loaded");
      const logFile = join(dir, `round-${round}.log`);
      writer.child.stdin.write(`go ${next} ${logFile}\n`);
      await writer.waitFor("ready");
      await sleep(20 + Math.random() * 180);
      writer.child.kill("SIGKILL");
      await writer.closed;
      expect(writer.child.signalCode).toBe("SIGKILL");

      // What the child logged before it died.
      const logged = readFileSync(logFile, "utf8").split("\n").filter(Boolean);
      const acked = new Map<number, number>();
      const grouped: Array<[number, number]> = [];
      const enqueued = new Map<number, string>();
      let doneCount = 0;
      for (const line of logged) {
        const [what, a, b] = line.split(" ");
        if (what === "ack") acked.set(Number(a), Number(a));
        else if (what === "grp") grouped.push([Number(a), Number(b)]);
        else if (what === "enq") enqueued.set(Number(a), b!);
        else if (what === "done") doneCount++;
      }
      const last = logged.filter((line) => !line.startsWith("grp ")).at(-1) ?? "";

      // Reopening must not be blocked by the dead child's lock.
      const store = await SqliteStore.open(file);
      try {
        const missing: string[] = [];
        for (const [i, value] of acked) {
          const got = await store.get(`k${i}`);
          if (got !== value) missing.push(`k${i}: expected ${value}, got ${JSON.stringify(got)}`);
        }
        // Writes committed as one group are all there, each the value acknowledged.
        for (const [i, j] of grouped) {
          const got = await store.get(`g${i}-${j}`);
          if (got !== j) missing.push(`g${i}-${j}: expected ${j}, got ${JSON.stringify(got)}`);
        }
        // Each acknowledged enqueue left its dedupe marker and job id behind.
        for (const [i, id] of enqueued) {
          const again = await store.enqueue(QUEUE, i, { dedupeKey: `job-${i}` });
          if (!again.duplicate || again.id !== id) missing.push(`job-${i}: expected duplicate of ${id}, got ${JSON.stringify(again)}`);
        }
        expect(missing, `round ${round}: acknowledged writes lost after SIGKILL`).toEqual([]);
        writesChecked += acked.size + grouped.length + enqueued.size + doneCount;

        // The write in flight when the child died may or may not have landed; account for it.
        let inFlightAck = false;
        const [lastWhat, lastA] = last.split(" ");
        if (lastWhat === "ack") {
          // Killed during enqueue i: finish it ourselves (the dedupe key makes this idempotent).
          const i = Number(lastA);
          enqueued.set(i, (await store.enqueue(QUEUE, i, { dedupeKey: `job-${i}` })).id);
        } else if (lastWhat === "enq" && Number(lastA) % 2 === 0) {
          inFlightAck = true; // killed during claim + ack
        }
        expectedQueueSize += enqueued.size - doneCount;
        const size = await store.queueSize(QUEUE);
        if (inFlightAck) expect([expectedQueueSize - 1, expectedQueueSize]).toContain(size);
        else expect(size, `round ${round}: queue size`).toBe(expectedQueueSize);
        expectedQueueSize = size;

        for (const [i, v] of acked) allAcked.set(i, v);
        for (const [i, id] of enqueued) allEnqueued.set(i, id);
        for (const i of [...acked.keys(), ...enqueued.keys()]) next = Math.max(next, i + 1);
      } finally {
        await store.close();
      }

      const db = new Database(file);
      try {
        expect(db.pragma("integrity_check", { simple: true }), `round ${round}: integrity_check`).toBe("ok");
      } finally {
        db.close();
      }
    }
    for (const writer of pool) writer.child.kill("SIGKILL");

    // Every round wrote something, and nothing acknowledged in an earlier round was lost later.
    expect(writesChecked).toBeGreaterThan(ROUNDS);
    const store = await SqliteStore.open(file);
    try {
      for (const [i, value] of allAcked) if ((await store.get(`k${i}`)) !== value) expect.fail(`k${i} lost in a later round`);
      expect(await store.queueSize(QUEUE)).toBe(expectedQueueSize);
    } finally {
      await store.close();
    }
  });
});
