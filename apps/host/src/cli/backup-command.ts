import { resolve } from "node:path";
import { BotyardError, ErrorCodes, type ErrorCode } from "@botyard/core";
import { adminTarget, callAdmin } from "./admin-client.js";
import type { CliIO } from "./run-cli.js";

export interface BackupArgs {
  config: string;
  url?: string;
  out?: string;
  overwrite: boolean;
  json: boolean;
}

/** A large database copies at disk speed: give it far longer than the other admin calls. */
const BACKUP_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * `botyard backup --out <file>`: an online, consistent copy of the running host's store (SQLite,
 * whose file the host holds exclusively), written by the host through its admin endpoint, as
 * `botyard reload` is. `--out` is made absolute from where the command runs: the host writes it on
 * its machine, which is this one for the loopback endpoint.
 */
export async function backupCommand(args: BackupArgs, io: CliIO): Promise<number> {
  if (!args.out) {
    io.stderr.write("botyard backup: give the file to write with --out <file> (a new file; --overwrite replaces one).\nusage: botyard backup --out <file> [--overwrite] [--url <admin url>] [--json]\n");
    return 2;
  }
  const to = resolve(args.out);
  const { status, body } = await callAdmin(adminTarget(args.config, args.url, io.env), "POST", "/admin/backup", { to, ...(args.overwrite ? { overwrite: true } : {}) }, BACKUP_TIMEOUT_MS);
  if (status !== 200 || body.ok !== true) {
    const code = typeof body.code === "string" ? (body.code as ErrorCode) : ErrorCodes.BACKUP_FAILED;
    throw new BotyardError(code, `${String(body.message ?? `the host answered ${status}`)}`);
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`backed up the store to ${String(body.to)}: ${formatBytes(Number(body.bytes))} (${String(body.pages)} pages) in ${String(body.durationMs)} ms\n`);
  return 0;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
