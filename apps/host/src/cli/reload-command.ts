import type { ReloadReport } from "../reload/reload-config.js";
import { adminTarget, callAdmin } from "./admin-client.js";
import type { CliIO } from "./run-cli.js";

/** `botyard reload`: asks the running host to re-read bots.yaml (as SIGHUP does) and prints what changed. */
export async function reloadCommand(args: { config: string; url?: string; json: boolean }, io: CliIO): Promise<number> {
  const { body } = await callAdmin(adminTarget(args.config, args.url, io.env), "POST", "/admin/reload");
  const report = body as unknown as ReloadReport;
  if (args.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.outcome === "applied" ? 0 : 1;
  }
  if (report.outcome === "refused") {
    // The same lines `botyard validate` prints, and the code, as any refused command.
    io.stderr.write(`botyard reload: refused; the running bots carry on unchanged.\n${report.message ?? ""}\n  (BOTYARD_ERR_RELOAD_REFUSED)\n`);
    return 1;
  }
  if (report.outcome === "failed") {
    io.stderr.write(`botyard reload: failed while applying: ${report.message ?? "unknown error"}\nbotyard list shows each bot's state.\n`);
    return 1;
  }
  const line = (label: string, ids: string[]) => (ids.length ? io.stdout.write(`${label}: ${ids.join(", ")}\n`) : undefined);
  io.stdout.write(`reloaded: ${report.added.length} added, ${report.removed.length} removed, ${report.restarted.length} restarted, ${report.unchanged.length} unchanged (${report.durationMs} ms)\n`);
  line("added", report.added);
  line("removed", report.removed);
  line("restarted", report.restarted);
  for (const f of report.failed) io.stdout.write(`failed to start: ${f.id}: ${f.reason}\n`);
  for (const n of report.needsRestart) io.stdout.write(`needs restart: ${n}\n`);
  return report.failed.length > 0 ? 1 : 0;
}
