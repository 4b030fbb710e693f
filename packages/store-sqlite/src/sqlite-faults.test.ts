import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SmallDisk, failure, fingerprints } from "@botyard/test-support";
import { SqliteStore } from "./sqlite-store.js";

// What the SQLite store does when its disk or its file lets it down: at open, a coded error that
// names the file and says what happened, with the file left byte for byte as it was; while
// running, coded errors on the writes that fail, nothing acknowledged lost, and a ping that says
// so until the disk has room again. The disks are real (small tmpfs mounts: these tests need root).

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/store-child.mjs", import.meta.url));

const cleanups: Array<() => void> = [];
const opened: SqliteStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => {});
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "botyard-sqlite-faults-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function smallDisk(bytes: number): SmallDisk {
  const disk = SmallDisk.mount(bytes);
  cleanups.push(() => disk.unmount());
  return disk;
}

async function openStore(file: string): Promise<SqliteStore> {
  const store = await SqliteStore.open(file);
  opened.push(store);
  return store;
}

/** A store file as a host leaves it after a clean stop: `keys` keys of about 200 bytes each. */
async function storeWithData(file: string, keys = 400): Promise<void> {
  const store = await SqliteStore.open(file);
  await Promise.all(Array.from({ length: keys }, (_, i) => store.set(`bot/x/key-${String(i).padStart(4, "0")}`, "v".repeat(200))));
  await store.enqueue("q", { id: "delivery-1" });
  await store.close();
}

/** Overwrites page `page` (1-based, 4 KB pages) of `file` with random bytes. */
function damagePage(file: string, page: number): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, randomBytes(4096), 0, 4096, (page - 1) * 4096);
  } finally {
    closeSync(fd);
  }
}

/** A child process that opens the store, writes `held-by`, and is then killed: its WAL stays behind. */
async function killHolder(file: string): Promise<void> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, "hold", file], { cwd: PACKAGE_DIR });
  const ready = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
  expect(ready).toBe("ready");
  child.kill("SIGKILL");
  await new Promise((resolve) => child.on("close", resolve));
}

describe("SqliteStore refuses a file it cannot use, and leaves it untouched", () => {
  it("a truncated file (a copy cut short): damaged", async () => {
    const file = join(tempDir(), "state.db");
    await storeWithData(file);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const before = fingerprints(file, `${file}-wal`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(`The store database ${file} is damaged: SQLite reports`);
    expect(error.message).toContain("Botyard has left the file as it found it.");
    expect(error.message).toMatch(/hint: Stop the host and keep the file for recovery: move it aside/);
    expect(error.details).toMatchObject({ file, condition: "corrupt" });
    expect(fingerprints(file, `${file}-wal`)).toEqual(before);
  });

  it("a file of random bytes: not a database", async () => {
    const file = join(tempDir(), "state.db");
    writeFileSync(file, randomBytes(64 * 1024));
    const before = fingerprints(file, `${file}-wal`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(`The store database ${file} is not a usable SQLite database (file is not a database).`);
    expect(error.details).toMatchObject({ file, condition: "not-a-database", sqliteCode: "SQLITE_NOTADB" });
    expect(fingerprints(file, `${file}-wal`)).toEqual(before);
  });

  it("a valid header with damaged pages: found by quick_check before anything is written", async () => {
    const file = join(tempDir(), "state.db");
    await storeWithData(file);
    damagePage(file, 8);
    const before = fingerprints(file, `${file}-wal`, `${file}-shm`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toMatch(new RegExp(`The store database ${file} is damaged: SQLite reports \\*\\*\\* in database main \\*\\*\\*`));
    expect(fingerprints(file, `${file}-wal`, `${file}-shm`)).toEqual(before);
  });

  it("damaged pages and the WAL of a killed host: both left as they were (closing a writer would have checkpointed the WAL into the file)", async () => {
    const file = join(tempDir(), "state.db");
    await storeWithData(file);
    await killHolder(file);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    damagePage(file, 8);
    const before = fingerprints(file, `${file}-wal`, `${file}-shm`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain("is damaged");
    expect(fingerprints(file, `${file}-wal`, `${file}-shm`)).toEqual(before);
  });

  it("the WAL of a killed host on a sound file: opens, with what the killed host wrote", async () => {
    const file = join(tempDir(), "state.db");
    await storeWithData(file);
    await killHolder(file);
    const store = await openStore(file);
    expect(typeof (await store.get("held-by"))).toBe("number");
    expect(await store.get("bot/x/key-0399")).toBe("v".repeat(200));
  });

  it("another application's SQLite database: refused rather than converted to WAL and given Botyard's tables", async () => {
    const file = join(tempDir(), "app.db");
    const other = new Database(file);
    other.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5);");
    other.close();
    const before = fingerprints(file, `${file}-wal`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(`The file ${file} is a SQLite database, but not a Botyard store: it has the tables invoices.`);
    expect(fingerprints(file, `${file}-wal`)).toEqual(before);
  });

  it("a path under a file where a directory should be", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "state"), "a file, not a directory");
    const error = await failure(SqliteStore.open(join(dir, "state", "botyard.db")));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(`Cannot create the directory for the store database ${join(dir, "state", "botyard.db")}: ${join(dir, "state")} is a file, not a directory.`);
  });

  it("a directory the user running the host may not write to (the host run as nobody, since root ignores permission bits)", async () => {
    const dir = tempDir();
    const file = join(dir, "store", "state.db");
    mkdirSync(join(dir, "store"));
    await storeWithData(file);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "store"), 0o755);
    const before = fingerprints(file, `${file}-wal`);

    // store-child's "try" mode, as uid/gid 65534 (nobody): the file and its directory belong to root, mode 0644 and 0755.
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, "try", file], {
      cwd: PACKAGE_DIR,
      uid: 65534,
      gid: 65534,
      env: { PATH: process.env.PATH, HOME: "/tmp" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.on("close", () => reject(new Error(`the child printed nothing:\n${stderr}`)));
    });
    const result = JSON.parse(line) as { code?: string; message?: string };
    expect(result.code).toBe("BOTYARD_ERR_STORE");
    expect(result.message).toContain(`The store database ${file} cannot be written: the user running botyard (uid 65534) may not write to`);
    expect(result.message).toContain(`hint: Give that user write permission on ${join(dir, "store")}`);
    expect(fingerprints(file, `${file}-wal`)).toEqual(before);
  });

  it("a read-only filesystem (as root too)", async () => {
    const disk = smallDisk(1024 * 1024);
    const file = disk.path("state.db");
    await storeWithData(file);
    disk.readOnly();
    const before = fingerprints(file, `${file}-wal`);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toContain(`The store database ${file} cannot be written: ${disk.dir} is on a read-only filesystem`);
    expect(error.message).toContain("hint: Mount that filesystem read-write, or point store.path at a writable directory.");
    expect(error.details).toMatchObject({ condition: "read-only" });
    expect(fingerprints(file, `${file}-wal`)).toEqual(before);
  });

  it("a full disk", async () => {
    const disk = smallDisk(1024 * 1024);
    const file = disk.path("state.db");
    await storeWithData(file);
    disk.fill();
    const before = fingerprints(file);

    const error = await failure(SqliteStore.open(file));
    expect(error.code).toBe("BOTYARD_ERR_STORE");
    expect(error.message).toMatch(new RegExp(`^The disk holding the store database ${file} is full: SQLite could not write to it \\(SQLITE_[A-Z_]+\\)\\.`));
    expect(error.message).toContain(`hint: Free space on that disk (\`df -h ${disk.dir}\`), or point store.path at a disk with room.`);
    expect(error.details).toMatchObject({ condition: "disk-full" });
    expect(fingerprints(file)).toEqual(before);

    disk.free();
    const store = await openStore(file);
    expect(await store.get("bot/x/key-0000")).toBe("v".repeat(200));
  });

  it("a full disk, even when reading the file needs no room (its -shm index is there already): a write at open finds it, not the first delivery", async () => {
    const disk = smallDisk(1024 * 1024);
    const file = disk.path("state.db");
    await storeWithData(file);
    // A reader that leaves its -shm index (and an empty -wal) behind, as a sqlite3 shell might.
    const reader = new Database(file, { readonly: true });
    reader.prepare("SELECT count(*) FROM kv").get();
    reader.close();
    disk.fill();
    const before = fingerprints(file);

    const error = await failure(SqliteStore.open(file));
    expect(error.message).toContain(`The disk holding the store database ${file} is full: SQLite could not write to it (SQLITE_FULL).`);
    expect(fingerprints(file)).toEqual(before);
  });
});

describe("SqliteStore when the disk fills while it runs", () => {
  it("fails writes with a coded error naming the file, keeps everything acknowledged, and recovers once there is room", async () => {
    // Room for the store and the 1 MiB it wants free again before it calls itself healthy.
    const disk = smallDisk(4 * 1024 * 1024);
    const file = disk.path("state.db");
    const store = await openStore(file);
    const acked = Array.from({ length: 50 }, (_, i) => `before-${i}`);
    await Promise.all(acked.map((key) => store.set(key, { key })));
    const job = await store.enqueue("q", { id: "delivery-before" }, { dedupeKey: "delivery-before" });
    await expect(store.ping()).resolves.toBeUndefined();

    disk.fill();
    // Writes issued together fail together: none of them is stored.
    const group = await Promise.allSettled([store.set("during-a", 1), store.enqueue("q", { id: "delivery-during" }, { dedupeKey: "delivery-during" }), store.set("during-b", 2)]);
    expect(group.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    const error = (group[0] as PromiseRejectedResult).reason as Error & { code: string; details: Record<string, unknown> };
    // Mid-run, a full disk is an outage (the host pauses intake until a write goes through), not a refusal.
    expect(error.code).toBe("BOTYARD_ERR_STORE_UNAVAILABLE");
    expect(error.message).toContain(`The disk holding the store database ${file} is full`);
    expect(error.message).toContain("the host resumes by itself once there is room");
    expect(error.details).toMatchObject({ file, condition: "disk-full" });

    // Reads go on; a ping is a write now, and says why it fails until the disk has room again.
    expect(await store.get("before-49")).toEqual({ key: "before-49" });
    await expect(store.ping()).rejects.toMatchObject({ code: "BOTYARD_ERR_STORE_UNAVAILABLE", details: { condition: "disk-full" } });
    await expect(store.ping()).rejects.toMatchObject({ code: "BOTYARD_ERR_STORE_UNAVAILABLE" });

    disk.free();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.set("after", true);
    for (const key of acked) expect(await store.get(key)).toEqual({ key });
    expect([await store.get("during-a"), await store.get("during-b")]).toEqual([undefined, undefined]);
    expect(await store.enqueue("q", { id: "delivery-before" }, { dedupeKey: "delivery-before" })).toEqual({ id: job.id, duplicate: true });
    // The delivery refused while the disk was full can be sent again: it was not half-stored.
    expect((await store.enqueue("q", { id: "delivery-during" }, { dedupeKey: "delivery-during" })).duplicate).toBe(false);
    expect(await store.queueSize("q")).toBe(2);
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }
  });

  it("fails a whole group when one write in it meets the full disk, rather than committing the writes after it one by one", async () => {
    const disk = smallDisk(1024 * 1024);
    const file = disk.path("state.db");
    const store = await openStore(file);
    await store.set("warm-up", 0);
    // Leave room for a few pages only; a value of 16 MB overflows SQLite's page cache (2 MB) while
    // its statement runs, so the disk refuses that statement, not the commit, and SQLite rolls
    // the transaction back there and then.
    disk.fill();
    disk.free();
    const spare = disk.path("spare");
    writeFileSync(spare, Buffer.alloc(1024 * 1024 - 200 * 1024));
    const results = await Promise.allSettled([store.set("small-1", 1), store.set("huge", "x".repeat(16 * 1024 * 1024)), store.set("small-2", 2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(((results[1] as PromiseRejectedResult).reason as { code: string }).code).toBe("BOTYARD_ERR_STORE_UNAVAILABLE");
    rmSync(spare);
    expect([await store.get("small-1"), await store.get("huge"), await store.get("small-2")]).toEqual([undefined, undefined, undefined]);
    await store.set("after", 1);
    expect(await store.get("after")).toBe(1);
  });
});
