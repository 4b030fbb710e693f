import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { failure } from "@botyard/test-support";
import { SqliteStore } from "./sqlite-store.js";

const dirs: string[] = [];
const stores: SqliteStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "botyard-sqlite-backup-"));
  dirs.push(dir);
  return dir;
}

async function open(path: string): Promise<SqliteStore> {
  const store = await SqliteStore.open(path);
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A value big enough that a few thousand keys make a database of many backup steps (100 pages each). */
const filler = "x".repeat(300);

describe("SqliteStore.backup: an online copy while the store serves", () => {
  it("copies a store that keeps taking writes during the backup: the copy opens, passes integrity_check and holds every write acknowledged before it", async () => {
    const dir = tempDir();
    const store = await open(join(dir, "state.db"));
    await Promise.all(Array.from({ length: 4000 }, (_, i) => store.set(`before:${i}`, { i, filler })));
    await store.enqueue("jobs", { n: 1 });

    // Writes go on, one per event-loop turn, for as long as the backup runs.
    let writing = true;
    let during = 0;
    const writer = (async () => {
      while (writing) {
        await store.set(`during:${during}`, { during, filler });
        during++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const started = performance.now();
    const result = await store.backup(join(dir, "copy.db"));
    const ms = performance.now() - started;
    writing = false;
    await writer;

    // The database spans several steps, and writes really did interleave with them.
    expect(result.pages).toBeGreaterThan(300);
    expect(during).toBeGreaterThan(0);
    expect(result.bytes).toBe(result.pages * 4096);
    console.log(`backup: ${result.pages} pages, ${result.bytes} bytes in ${ms.toFixed(0)} ms with ${during} writes meanwhile`);

    // One self-contained file, and only it: no partial file, no -wal beside it.
    expect(readdirSync(dir).filter((f) => f.includes("copy"))).toEqual(["copy.db"]);
    const copy = new Database(join(dir, "copy.db"), { readonly: true });
    try {
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      const before = copy.prepare("SELECT COUNT(*) AS n FROM kv WHERE key LIKE 'before:%'").get() as { n: number };
      expect(before.n).toBe(4000);
      const row = copy.prepare("SELECT value FROM kv WHERE key = 'before:3999'").get() as { value: string };
      expect(JSON.parse(row.value)).toEqual({ i: 3999, filler });
      // Consistent: the writes made during the backup are a prefix of them (no gap, no torn write).
      const copied = (copy.prepare("SELECT key FROM kv WHERE key LIKE 'during:%'").all() as Array<{ key: string }>).map((r) => Number(r.key.split(":")[1])).sort((a, b) => a - b);
      expect(copied).toEqual(copied.map((_, i) => i));
      expect((copy.prepare("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n).toBe(1);
    } finally {
      copy.close();
    }

    // The copy is a Botyard store: a host opening it reads the data.
    const restored = await open(join(dir, "copy.db"));
    expect(await restored.get("before:17")).toEqual({ i: 17, filler });
    expect(await restored.queueSize("jobs")).toBe(1);
    // And the original carried on serving.
    await store.set("after", 1);
    expect(await store.get("after")).toBe(1);
  }, 30_000);

  it("replaces an existing file atomically: the destination holds the new copy, and the old file's -wal goes with it", async () => {
    const dir = tempDir();
    const store = await open(join(dir, "state.db"));
    writeFileSync(join(dir, "copy.db"), "yesterday's backup");
    writeFileSync(join(dir, "copy.db-wal"), "the old copy's WAL, which must not be replayed onto the new one");
    await store.set("k", "today");
    await store.backup(join(dir, "copy.db"));
    expect(existsSync(join(dir, "copy.db-wal"))).toBe(false);
    const copy = new Database(join(dir, "copy.db"), { readonly: true });
    expect((copy.prepare("SELECT value FROM kv WHERE key = 'k'").get() as { value: string }).value).toBe('"today"');
    copy.close();
  });

  it("refuses the store's own files (also through a symlinked directory), relative paths and missing directories with BOTYARD_ERR_BACKUP_PATH, leaving nothing behind", async () => {
    const dir = tempDir();
    const store = await open(join(dir, "state.db"));
    await store.set("k", 1);
    for (const own of ["state.db", "state.db-wal", "state.db-shm"]) {
      const error = await failure(store.backup(join(dir, own)));
      expect(error).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH" });
      expect((error as Error).message).toContain("the store's own file");
    }
    const links = tempDir();
    symlinkSync(dir, join(links, "link"));
    const linked = await failure(store.backup(join(links, "link", "state.db")));
    expect(linked).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("the store's own file") });
    expect(await failure(store.backup("copy.db"))).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("not an absolute path") });
    const missing = await failure(store.backup(join(dir, "no-such-dir", "copy.db")));
    expect(missing).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("does not exist") });
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
    // The store is untouched and serving.
    expect(await store.get("k")).toBe(1);
    expect(readdirSync(dir).filter((f) => !f.startsWith("state.db"))).toEqual([]);
  });

  it("a failed copy (destination not writable) is BOTYARD_ERR_BACKUP_FAILED and leaves no partial file", async () => {
    const dir = tempDir();
    const store = await open(join(dir, "state.db"));
    await store.set("k", 1);
    const error = await failure(store.backup("/proc/botyard-copy.db"));
    expect(error).toMatchObject({ code: "BOTYARD_ERR_BACKUP_FAILED" });
    expect(await store.get("k")).toBe(1);
  });

  it("a store closed mid-backup (the host stopping) fails the backup with BOTYARD_ERR_BACKUP_FAILED, leaving no file behind", async () => {
    const dir = tempDir();
    const store = await SqliteStore.open(join(dir, "state.db"));
    await Promise.all(Array.from({ length: 4000 }, (_, i) => store.set(`k:${i}`, { i, filler })));
    const backup = store.backup(join(dir, "copy.db"));
    await new Promise((r) => setImmediate(r));
    await store.close();
    const error = await failure(backup);
    expect(error).toMatchObject({ code: "BOTYARD_ERR_BACKUP_FAILED" });
    expect(readdirSync(dir).filter((f) => f.includes("copy"))).toEqual([]);
  });
});
