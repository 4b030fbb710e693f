import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { BotyardError, ErrorCodes } from "@botyard/core";

// The SQLite lock (locking_mode = EXCLUSIVE, see SqliteStore) is what keeps a second host out;
// everything here only serves to *name* the holder in the error a refused host prints.

/**
 * Tokens of the stores this process has open, to tell our own live owner record from a stale one
 * whose pid happens to be ours again (a container restarted as pid 1, say).
 */
const openHere = new Set<string>();

/** Who holds the database, written beside it so that a refused second host can say whom to stop. */
export interface OwnerRecord {
  pid: number;
  hostname: string;
  startedAt: string;
  token: string;
}

export function claimOwnerRecord(file: string): OwnerRecord {
  const owner: OwnerRecord = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  openHere.add(owner.token);
  try {
    writeFileSync(`${file}-owner`, `${JSON.stringify(owner)}\n`);
  } catch {
    // Advisory only (the SQLite lock is what excludes other hosts): without it, a refused host
    // just cannot name the process to stop.
  }
  return owner;
}

export function releaseOwnerRecord(file: string, owner: OwnerRecord): void {
  openHere.delete(owner.token);
  try {
    if (readOwnerRecord(file)?.token === owner.token) rmSync(`${file}-owner`, { force: true });
  } catch {
    // A leftover record is harmless: the next host overwrites it, and the lock decides.
  }
}

function readOwnerRecord(file: string): OwnerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(`${file}-owner`, "utf8")) as Partial<OwnerRecord>;
    return typeof record.pid === "number" && typeof record.hostname === "string" ? (record as OwnerRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function lockedError(file: string, cause: unknown): BotyardError {
  const owner = readOwnerRecord(file);
  const here = owner !== undefined && owner.hostname === hostname();
  const mine = here && owner.pid === process.pid;
  // The record is only a hint: believe it when it names a process that is running and, when that
  // is this process, a store it really has open.
  const ownerRunning = owner !== undefined && (mine ? openHere.has(owner.token) : !here || isProcessAlive(owner.pid));
  let holder: string;
  let hint: string;
  if (ownerRunning && mine) {
    holder = `this process (pid ${owner.pid}), which opened it at ${owner.startedAt}`;
    hint = "Open the store once and share it, or close() the first SqliteStore before opening the file again.";
  } else if (ownerRunning) {
    holder = `process ${owner.pid} on ${owner.hostname}, which opened it at ${owner.startedAt}`;
    hint = `Only one Botyard host can use a SQLite store. Stop the other host (pid ${owner.pid}) first, or give this one its own store.path; hosts that share state need the redis store.`;
  } else {
    holder = "another process (not a Botyard host that left its pid: perhaps a sqlite3 shell)";
    hint = "Close whatever has the file open, or give this host its own store.path.";
  }
  return new BotyardError(ErrorCodes.STORE_LOCKED, `The store database ${file} is in use by ${holder}.`, {
    cause,
    hint,
    details: { file, pid: ownerRunning ? owner.pid : undefined, hostname: ownerRunning ? owner.hostname : undefined },
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
