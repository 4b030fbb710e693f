import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { BotyardError, ErrorCodes, isBotyardError } from "@botyard/core";

/**
 * What went wrong with the disk or the file under a SQLite store, as an operator would put it.
 * `locked` is not here: another holder is BOTYARD_ERR_STORE_LOCKED, said by the store itself.
 */
export type SqliteCondition = "disk-full" | "read-only" | "no-permission" | "corrupt" | "not-a-database" | "io-error";

/**
 * Errors that come from the disk or the file rather than from one operation's arguments. SQLite
 * may have rolled back the whole transaction on any of them, so a group commit that meets one
 * fails as a whole instead of carrying on with the operations after it.
 */
export function isSqliteEnvironmentError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN|PERM|AUTH)/.test(code);
}

/** The condition `sqliteFailure` found, read back from the error it made. */
export function failureCondition(error: unknown): SqliteCondition | undefined {
  return (error as { details?: { condition?: SqliteCondition } } | null | undefined)?.details?.condition;
}

export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/**
 * Turns what SQLite threw about `file` into a coded error that says what happened
 * (disk full, read-only, damaged...), names the file and says what to do. SQLite's own words are
 * often beside the point ("disk I/O error" for a read-only mount, "unable to open database file"
 * for a directory the process may not write to), so for those the file and its directory are
 * looked at to say which. `atOpen`: the host is refusing to start (BOTYARD_ERR_STORE), not failing
 * mid-run (BOTYARD_ERR_STORE_UNAVAILABLE for the disk's conditions; a damaged file stays STORE).
 * Errors that are not SQLite's (a Botyard error, a bad value) come back unchanged.
 */
export function sqliteFailure(file: string, cause: unknown, atOpen: boolean): Error {
  if (isBotyardError(cause)) return cause;
  const code = sqliteCode(cause);
  if (code === undefined) return cause instanceof Error ? cause : new Error(String(cause));
  const said = (cause as Error).message;
  const condition = conditionOf(file, code);
  const details = { file, sqliteCode: code, condition };
  const dir = dirname(file);
  const untouched = atOpen ? " Botyard has left the file as it found it." : "";
  // Mid-run, a disk that is full or refuses writes is an outage like Redis going away: the host
  // pauses intake (503, Slack envelopes left unacked) until a write goes through again.
  const outage = atOpen ? ErrorCodes.STORE : ErrorCodes.STORE_UNAVAILABLE;
  switch (condition) {
    case "disk-full":
      return new BotyardError(outage, `The disk holding the store database ${file} is full: SQLite could not write to it (${code}).`, {
        cause,
        details,
        hint: atOpen
          ? `Free space on that disk (\`df -h ${dir}\`), or point store.path at a disk with room.`
          : `Free space on that disk (\`df -h ${dir}\`). Until then writes fail and nothing new is accepted; the host resumes by itself once there is room.`,
      });
    case "read-only":
      return new BotyardError(outage, `The store database ${file} cannot be written: ${dir} is on a read-only filesystem (${code}).`, {
        cause,
        details,
        hint: "Mount that filesystem read-write, or point store.path at a writable directory.",
      });
    case "no-permission": {
      const uid = typeof process.getuid === "function" ? ` (uid ${process.getuid()})` : "";
      return new BotyardError(outage, `The store database ${file} cannot be written: the user running botyard${uid} may not write to ${writableProblem(file) ?? dir} (${code}).`, {
        cause,
        details,
        hint: `Give that user write permission on ${dir} and on the file: SQLite also creates ${basename(file)}-wal beside it. Or point store.path somewhere writable.`,
      });
    }
    case "corrupt":
      return new BotyardError(ErrorCodes.STORE, `The store database ${file} is damaged: SQLite reports ${firstLines(said)} (${code}).${untouched}`, {
        cause,
        details,
        hint: `Stop the host and keep the file for recovery: move it aside together with ${basename(file)}-wal if there is one (the host then starts with an empty store), and recover what it held with \`sqlite3 <moved file> .recover\`, or restore a backup.`,
      });
    case "not-a-database":
      return new BotyardError(ErrorCodes.STORE, `The store database ${file} is not a usable SQLite database (${said}).${untouched}`, {
        cause,
        details,
        hint: "If store.path points at the wrong file, fix it in bots.yaml. If this is Botyard's database and it is damaged, move it aside: the host starts with an empty store.",
      });
    case "io-error":
      return new BotyardError(outage, `${atOpen ? "Cannot open" : "Cannot use"} the store database ${file}: ${said} (${code}).`, {
        cause,
        details,
        hint: "Check that store.path is a file on a local, healthy disk (the kernel log says more about I/O errors).",
      });
  }
}

function conditionOf(file: string, code: string): SqliteCondition {
  if (code.startsWith("SQLITE_FULL")) return "disk-full";
  if (code.startsWith("SQLITE_CORRUPT")) return "corrupt";
  if (code.startsWith("SQLITE_NOTADB")) return "not-a-database";
  // SQLite says "unable to open database file" or "disk I/O error" (a lock it could not take on a
  // read-only mount) as often as "readonly": ask the filesystem which it is.
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|AUTH|IOERR_LOCK)/.test(code)) {
    const why = writeError(file);
    if (why === "EROFS") return "read-only";
    if (why === "EACCES" || why === "EPERM") return "no-permission";
  }
  // A full disk also shows as an I/O error where SQLite sizes a file rather than writes it (the
  // -shm index of a read-only connection: SQLITE_IOERR_SHMSIZE).
  // Less than a few pages left: what a write would need.
  if (code.startsWith("SQLITE_IOERR") && freeBytes(dirname(file)) < 64 * 1024) return "disk-full";
  return "io-error";
}

/** Bytes this process may still write on the filesystem of `dir` (root may use the blocks reserved for it); Infinity when unknown. */
export function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return (process.getuid?.() === 0 ? fs.bfree : fs.bavail) * fs.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Why this process cannot write the file or create files beside it (EROFS, EACCES), or undefined when it can. */
function writeError(file: string): string | undefined {
  for (const path of existsSync(file) ? [file, dirname(file)] : [dirname(file)]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code;
    }
  }
  return undefined;
}

function writableProblem(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    accessSync(file, constants.W_OK);
    return undefined;
  } catch {
    return file;
  }
}

// quick_check lists up to a hundred problems, one a line: the first few say enough.
function firstLines(text: string): string {
  const lines = text.split("\n").filter(Boolean);
  return lines.length <= 3 ? lines.join("; ") : `${lines.slice(0, 3).join("; ")}; and ${lines.length - 3} more`;
}
