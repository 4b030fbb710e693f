import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeStoreContract } from "@botyard/testing/store-contract";
import { failure } from "@botyard/test-support";
import { SqliteStore, prefixUpperBound } from "./sqlite-store.js";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/store-child.mjs", import.meta.url));

const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "botyard-sqlite-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract("sqlite", async () => SqliteStore.open(join(tempDir(), "state.db")));

/** Runs store-child.mjs (TypeScript source through tsx) in `mode` on `file`. */
function runChild(mode: "hold" | "try", file: string) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, mode, file], { cwd: PACKAGE_DIR });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  /** The child's first line of output; rejects with its stderr if it exits without one. */
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    void closed.then(() => reject(new Error(`child exited without output (exit ${child.exitCode}):\n${stderr}`)));
  });
  return { child, firstLine, closed };
}

async function tryOpenInChild(file: string): Promise<{ opened?: true; code?: string; message?: string }> {
  return JSON.parse(await runChild("try", file).firstLine) as { opened?: true; code?: string; message?: string };
}

describe("SqliteStore", () => {
  let file: string;
  const open: SqliteStore[] = [];

  beforeEach(() => {
    file = join(tempDir(), "nested", "dir", "state.db");
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  async function openStore(path = file): Promise<SqliteStore> {
    const store = await SqliteStore.open(path);
    open.push(store);
    return store;
  }

  it("creates the parent directory, and keeps data across close and reopen", async () => {
    const first = await SqliteStore.open(file);
    await first.set("k", { kept: true });
    await first.enqueue("q", "job", { dedupeKey: "d" });
    expect(await first.acquireLease("leader", "A", 60_000)).toBe(true);
    await first.close();
    await first.close(); // idempotent

    const second = await openStore();
    expect(await second.get("k")).toEqual({ kept: true });
    expect(await second.queueSize("q")).toBe(1);
    expect((await second.enqueue("q", "again", { dedupeKey: "d" })).duplicate).toBe(true);
    expect(await second.acquireLease("leader", "B", 60_000)).toBe(false);
    expect(await second.claim("q", { claimMs: 60_000 })).toMatchObject({ payload: "job", attempt: 1 });
  });

  it("is in WAL mode with a versioned schema", async () => {
    const store = await SqliteStore.open(file);
    await store.close();
    const db = new Database(file);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("user_version", { simple: true })).toBe(2);
    } finally {
      db.close();
    }
  });

  it("migrates a version 1 file: its jobs, ids and dedupe markers are kept", async () => {
    // Version 1's queue tables, as 0.x hosts wrote them.
    mkdirSync(dirname(file), { recursive: true });
    const v1 = new Database(file);
    v1.exec(`
      CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, payload TEXT NOT NULL, enqueued_at INTEGER NOT NULL,
        ready_at INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, claim TEXT);
      CREATE INDEX jobs_ready ON jobs (queue, ready_at, id);
      CREATE TABLE dedupe (queue TEXT NOT NULL, dedupe_key TEXT NOT NULL, job_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (queue, dedupe_key)) WITHOUT ROWID;
      CREATE INDEX dedupe_expiry ON dedupe (expires_at);
      INSERT INTO jobs (id, queue, payload, enqueued_at, ready_at) VALUES (41, 'q', '"acked later"', 1, 1), (42, 'q', '"waiting"', 2, 2);
      DELETE FROM jobs WHERE id = 42;
      INSERT INTO jobs (queue, payload, enqueued_at, ready_at) VALUES ('q', '"waiting"', 3, 3);
      INSERT INTO dedupe VALUES ('q', 'evt-1', '43', ${Date.now() + 60_000});
      PRAGMA user_version = 1;
    `);
    v1.close();

    const store = await openStore();
    expect(await store.claim("q", { claimMs: 60_000 })).toMatchObject({ id: "41" });
    expect(await store.claim("q", { claimMs: 60_000 })).toMatchObject({ id: "43", payload: "waiting" });
    expect(await store.enqueue("q", "again", { dedupeKey: "evt-1" })).toEqual({ id: "43", duplicate: true });
    const fresh = await store.enqueue("q", "new", { dedupeKey: "evt-2" });
    expect(Number(fresh.id)).toBeGreaterThan(43);
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(2);
      const objects = db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE name IN ('jobs', 'jobs_v1', 'dedupe_expiry', 'jobs_ready')").all();
      expect(objects.map((o) => o.name).sort()).toEqual(["jobs", "jobs_ready"]);
      expect(objects.find((o) => o.name === "jobs")!.sql).not.toMatch(/AUTOINCREMENT/i);
    } finally {
      db.close();
    }
  });

  it("never reuses a job id, even after a restart with every job acked", async () => {
    const first = await openStore();
    await first.enqueue("q", 1);
    const job = (await first.claim("q", { claimMs: 60_000 }))!;
    expect(await first.ack(job)).toBe(true);
    expect(await first.queueSize("q")).toBe(0);
    await first.close();

    const second = await openStore();
    const next = await second.enqueue("q", 2);
    expect(Number(next.id)).toBeGreaterThan(Number(job.id));
  });

  it("refuses a database written by a newer schema", async () => {
    await (await SqliteStore.open(file)).close();
    const db = new Database(file);
    db.pragma("user_version = 99");
    db.close();
    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/schema version 99.*newer Botyard/);
  });

  it("gives a clear error naming the file when it is not a database", async () => {
    const dir = tempDir();
    const bogus = join(dir, "bots.yaml");
    writeFileSync(bogus, "bots:\n  - id: not-a-database\n".repeat(200));
    const error = await failure(SqliteStore.open(bogus));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(bogus);
    expect(error.message).toMatch(/not a usable SQLite database/);
    expect(error.message).toMatch(/hint: .*store\.path/);
  });

  it("gives a clear error when the path is a directory", async () => {
    const dir = tempDir();
    const error = await failure(SqliteStore.open(dir));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(dir);
  });

  it("ignores expired keys on read and sweeps them from the file", async () => {
    const store = await openStore();
    await store.set("short", 1, { ttlMs: 50 });
    await store.set("kept", 2);
    await store.enqueue("q", 1, { dedupeKey: "d", dedupeTtlMs: 50 });
    await store.acquireLease("lease", "A", 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.get("short")).toBeUndefined();
    store.sweep();
    await store.close();
    const db = new Database(file);
    try {
      expect(db.prepare("SELECT key FROM kv").all()).toEqual([{ key: "kept" }]);
      expect(db.prepare("SELECT count(*) AS n FROM dedupe").get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM leases").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it("sweeps dedupe markers on its timer a slice at a time, keeping the live ones", async () => {
    const store = await SqliteStore.open(file, { sweepIntervalMs: 20 });
    // Several slices' worth (a slice is 1,000), expired markers interleaved with live ones in key order.
    await Promise.all(Array.from({ length: 2_500 }, (_, i) => store.enqueue("q", i, { dedupeKey: `k-${String(i).padStart(5, "0")}`, dedupeTtlMs: i % 100 === 0 ? 60_000 : 30 })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.enqueue("q", "retry", { dedupeKey: "k-00100" })).duplicate).toBe(true);
    expect((await store.enqueue("q", "retry", { dedupeKey: "k-00101" })).duplicate).toBe(false);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM dedupe").get()).toEqual({ n: 26 });
    } finally {
      db.close();
    }
  });

  it("sweeps on its own timer", async () => {
    const store = await SqliteStore.open(file, { sweepIntervalMs: 20 });
    await store.set("short", 1, { ttlMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await store.close();
    const db = new Database(file);
    try {
      expect(db.prepare("SELECT count(*) AS n FROM kv").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it("answers ping until closed", async () => {
    const store = await SqliteStore.open(file);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: "BOTYARD_ERR_STORE" });
  });

  it("accepts synchronous: full", async () => {
    const store = await SqliteStore.open(file, { synchronous: "full" });
    await store.set("k", 1);
    expect(await store.get("k")).toBe(1);
    await store.close();
  });

  describe("group commit", () => {
    const walBytes = () => statSync(`${file}-wal`).size;

    it("commits writes issued together as one group, and each only once that commit is done", async () => {
      const store = await openStore();
      await store.set("warm-up", 0);
      const beforeOneByOne = walBytes();
      for (let i = 0; i < 50; i++) await store.set(`one-${i}`, i);
      const oneByOne = walBytes() - beforeOneByOne;

      const beforeGroup = walBytes();
      const writes = Array.from({ length: 50 }, (_, i) => store.set(`group-${i}`, i));
      // Nothing is on disk before the commit: the WAL has not grown.
      expect(walBytes()).toBe(beforeGroup);
      await Promise.all(writes);
      const grouped = walBytes() - beforeGroup;

      // Each commit appends at least one page to the WAL: 50 commits, then one.
      expect(oneByOne).toBeGreaterThanOrEqual(50 * 4096);
      expect(grouped).toBeLessThan(oneByOne / 10);
      for (let i = 0; i < 50; i++) expect(await store.get(`group-${i}`)).toBe(i);
    });

    it("lets queue intake from separate callbacks of one event-loop turn share a commit (webhooks on many connections)", async () => {
      const store = await openStore();
      await store.set("warm-up", 0);
      const beforeOneByOne = walBytes();
      for (let i = 0; i < 20; i++) await store.enqueue("one-by-one", i);
      const oneByOne = walBytes() - beforeOneByOne;

      const before = walBytes();
      // Twenty callbacks in one timers phase, as twenty requests' bodies arrive in one poll phase.
      const enqueued = await Promise.all(
        Array.from({ length: 20 }, (_, i) => new Promise<unknown>((resolve) => setTimeout(() => resolve(store.enqueue("intake", i)), 0))),
      );
      expect(enqueued).toHaveLength(20);
      expect(await store.queueSize("intake")).toBe(20);
      // One commit (two, if a busy machine splits the timers): twenty would append twenty times the pages.
      expect(walBytes() - before).toBeLessThan(oneByOne / 4);
    });

    it("commits other writes as soon as their code yields, before the next event-loop callback", async () => {
      const store = await openStore();
      await store.set("warm-up", 0);
      const before = walBytes();
      void store.set("k", 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(walBytes()).toBeGreaterThan(before);
    });

    it("fails an operation alone: the rest of its group is committed", async () => {
      const store = await openStore();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const [a, bad, job, c] = await Promise.allSettled([
        store.set("a", 1),
        store.set("b", circular),
        store.enqueue("q", "kept"),
        store.set("c", 3),
      ]);
      expect([a.status, job.status, c.status]).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      expect(bad.status).toBe("rejected");
      expect((bad as PromiseRejectedResult).reason.code).toBe("BOTYARD_ERR_STORE_VALUE");
      expect([await store.get("a"), await store.get("b"), await store.get("c"), await store.queueSize("q")]).toEqual([1, undefined, 3, 1]);
    });

    it("reads what was written before, in program order, even when the write was not awaited", async () => {
      const store = await openStore();
      void store.set("k", "first");
      const read = store.get("k");
      void store.set("k", "second");
      expect(await read).toBe("first");
      expect(await store.get("k")).toBe("second");
    });

    it("commits what was issued before close, and refuses what comes after", async () => {
      const store = await SqliteStore.open(file);
      const pending = store.set("late", true);
      await store.close();
      await pending;
      expect((await failure(store.set("after", true))).code).toBe("BOTYARD_ERR_STORE");
      expect(await (await openStore()).get("late")).toBe(true);
    });
  });

  describe("single owner", () => {
    it("refuses a second store on the same file in the same process, until the first closes", async () => {
      const first = await SqliteStore.open(file);
      const error = await failure(SqliteStore.open(file));
      expect(error.code).toBe("BOTYARD_ERR_STORE_LOCKED");
      expect(error.message).toContain(file);
      expect(error.message).toContain(`this process (pid ${process.pid})`);
      expect(error.message).toMatch(/hint: /);
      expect(error.details).toMatchObject({ file, pid: process.pid });
      // The refused attempt must not have dropped the first store's lock (closing a file
      // descriptor drops all of a process's POSIX locks on that file, unless SQLite guards it).
      expect(await tryOpenInChild(file)).toMatchObject({ code: "BOTYARD_ERR_STORE_LOCKED" });
      await first.set("still", "works");
      await first.close();
      const second = await openStore();
      expect(await second.get("still")).toBe("works");
    });

    it("refuses a store held by another process, naming its pid", async () => {
      const holder = runChild("hold", file);
      expect(await holder.firstLine).toBe("ready");
      const pid = holder.child.pid!;
      const error = await failure(SqliteStore.open(file));
      expect(error.code).toBe("BOTYARD_ERR_STORE_LOCKED");
      expect(error.message).toContain(file);
      expect(error.message).toContain(`process ${pid}`);
      expect(error.message).toContain(`Stop the other host (pid ${pid})`);
      expect(error.details).toMatchObject({ file, pid });
    });

    it("refuses another process while this one holds the store", async () => {
      const store = await openStore();
      const result = await tryOpenInChild(file);
      expect(result.code).toBe("BOTYARD_ERR_STORE_LOCKED");
      expect(result.message).toContain(file);
      expect(result.message).toContain(`process ${process.pid}`);
      await store.close();
      expect(await tryOpenInChild(file)).toEqual({ opened: true });
    });

    it("is not blocked by a holder killed with SIGKILL, and keeps what it wrote", async () => {
      const holder = runChild("hold", file);
      expect(await holder.firstLine).toBe("ready");
      const pid = holder.child.pid!;
      holder.child.kill("SIGKILL");
      await holder.closed;
      // Its owner record is still there: the next host must not be fooled by it.
      expect(existsSync(`${file}-owner`)).toBe(true);
      const store = await openStore();
      expect(await store.get("held-by")).toBe(pid);
    });

    it("removes its owner record on close", async () => {
      const store = await SqliteStore.open(file);
      expect(existsSync(`${file}-owner`)).toBe(true);
      await store.close();
      expect(readdirSync(join(file, "..")).filter((name) => name.endsWith("-owner"))).toEqual([]);
    });

    it("does not believe a stale owner record that names this process", async () => {
      // A process that was killed while holding the store, whose pid this process now has (as
      // when a container restarts as pid 1), while something else holds the file.
      await (await SqliteStore.open(file)).close();
      const other = new Database(file);
      other.pragma("locking_mode = EXCLUSIVE");
      other.exec("BEGIN EXCLUSIVE; COMMIT");
      writeFileSync(`${file}-owner`, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: "then", token: "old" }));
      try {
        const error = await failure(SqliteStore.open(file));
        expect(error.code).toBe("BOTYARD_ERR_STORE_LOCKED");
        expect(error.message).toContain("another process");
        expect(error.message).not.toContain("this process");
      } finally {
        other.close();
      }
    });
  });
});

describe("prefixUpperBound", () => {
  it("increments the last code point", () => {
    expect(prefixUpperBound("a/")).toBe("a0");
    expect(prefixUpperBound("é")).toBe("ê");
    expect(prefixUpperBound("\uffff")).toBe("\u{10000}");
    expect(prefixUpperBound("a\u{1F600}")).toBe("a\u{1F601}");
    expect(prefixUpperBound("\ud7ff")).toBe("\ue000");
  });

  it("carries past U+10FFFF and has no bound for the empty prefix", () => {
    expect(prefixUpperBound("a\u{10FFFF}")).toBe("b");
    expect(prefixUpperBound("\u{10FFFF}")).toBeUndefined();
    expect(prefixUpperBound("")).toBeUndefined();
  });
});
