import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { BotyardError, ErrorCodes, isBotyardError, type BackupResult } from "@botyard/core";
import type Database from "better-sqlite3";

/**
 * Copies the open database `db` (the file `file`) to `toFile` while the store keeps serving.
 *
 * SQLite's online backup API (better-sqlite3's `db.backup`) copies the pages a step at a time
 * (100 pages, then the event loop runs again), through the store's own connection: its exclusive
 * lock is no obstacle, and nothing else ever opens the database file (which would drop that lock,
 * see SqliteStore). A write the store commits meanwhile goes through that same connection, and
 * SQLite then updates the copy itself, so the copy is consistent: exactly the database as of the
 * last commit before the final step, never half a transaction.
 *
 * The copy is written beside `toFile` under a temporary name, flushed to disk, then renamed over
 * `toFile`: the destination holds a complete copy or nothing (a failure removes the partial one),
 * and a cron job's previous backup stays whole until the new one replaces it (its stale `-wal`,
 * if any, removed).
 */
export async function backupDatabase(db: Database.Database, file: string, toFile: string): Promise<BackupResult> {
  if (!isAbsolute(toFile)) {
    throw new BotyardError(ErrorCodes.BACKUP_PATH, `The backup destination "${toFile}" is not an absolute path.`, {
      hint: "Give the backup an absolute path on the host's machine.",
    });
  }
  const target = resolve(toFile);
  // Compared through symlinked directories too: renaming over the live file would destroy it.
  const own = [file, `${file}-wal`, `${file}-shm`, `${file}-journal`, `${file}-owner`];
  if (own.includes(target) || own.map(throughLinks).includes(throughLinks(target))) {
    throw new BotyardError(ErrorCodes.BACKUP_PATH, `The backup destination ${target} is the store's own file: writing there would destroy the database.`, {
      details: { file },
      hint: "Back up to another file, such as /var/backups/botyard/state-$(date +%F).db.",
    });
  }
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const { totalPages } = await db.backup(partial, { progress: beforeFinalStep(partial) });
    flush(partial);
    // A -wal left beside a file being replaced (a host once ran on an older copy and was killed)
    // would be replayed onto the new copy when it is opened: it belongs to the old file, so it goes.
    for (const stale of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(stale, { force: true });
    renameSync(partial, target);
    flushDirectory(dirname(target));
    return { bytes: statSync(target).size, pages: totalPages };
  } catch (cause) {
    rmSync(partial, { force: true });
    if (isBotyardError(cause)) throw cause;
    const reason = (cause as Error).message;
    if (/directory does not exist/.test(reason)) {
      throw new BotyardError(ErrorCodes.BACKUP_PATH, `Cannot back up to ${target}: the directory ${dirname(target)} does not exist.`, {
        cause,
        hint: "Create the directory first, or choose one that exists.",
      });
    }
    throw new BotyardError(ErrorCodes.BACKUP_FAILED, `The backup of ${file} to ${target} failed: ${reason}. Nothing was left at ${target}; the store is untouched.`, {
      cause,
      details: { file },
      hint: "Check the free space and permissions at the destination (the copy is about as large as the database file), then try again.",
    });
  }
}

/** `path` with its directory's symbolic links resolved (the file itself is never opened); itself when the directory does not exist. */
function throughLinks(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

/** Pages copied per step (better-sqlite3's default): a step blocks the event loop for well under a millisecond per page. */
const PAGES_PER_STEP = 100;

/**
 * The last step commits the copy, and that commit fsyncs the whole file: on a database of a few
 * hundred MB, a second with the event loop blocked (measured: 1 s for 222 MiB). So before it, the
 * copy's pages (written to the file as the steps go) are flushed by an fsync in libuv's thread pool,
 * with the steps paused (0 pages each) meanwhile; the commit's own fsync then has almost nothing
 * left to write. Writes committed during the pause still reach the copy (SQLite carries them over).
 * Opening and closing the partial file here drops the backup connection's POSIX locks on it; no
 * other process knows its random name, so no one else could take them.
 */
function beforeFinalStep(partial: string): (progress: { totalPages: number; remainingPages: number }) => number {
  let flushing: Promise<void> | undefined;
  let flushed = false;
  return ({ remainingPages }) => {
    if (flushed || remainingPages > PAGES_PER_STEP) return PAGES_PER_STEP;
    flushing ??= open(partial, "r+")
      .then(async (handle) => {
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      })
      .catch(() => undefined) // the commit's own fsync still runs: this one only moves the wait off the event loop
      .finally(() => (flushed = true));
    return 0;
  };
}

/** The copy's bytes on disk before it takes the destination's name: a crash then leaves a whole copy or the old one. */
function flush(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The rename itself on disk. Some filesystems refuse to fsync a directory: the copy is complete either way. */
function flushDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The rename happened; only its durability across a power loss is then up to the filesystem.
  }
}
