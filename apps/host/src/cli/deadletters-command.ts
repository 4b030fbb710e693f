import { BotyardError, ErrorCodes, type DeadLetterView } from "@botyard/core";
import { adminTarget, callAdmin } from "./admin-client.js";
import type { CliIO } from "./run-cli.js";

export interface DeadLettersArgs {
  config: string;
  url?: string;
  bot?: string;
  all: boolean;
  json: boolean;
}

const USAGE = "botyard deadletters list [--bot ID] | show <id> | replay <id|--bot ID|--all> | drop <id|--bot ID|--all>";

/**
 * `botyard deadletters`: the durable jobs that failed for good, through a running host's admin
 * endpoint (SQLite is held by the host; with Redis, any replica's endpoint sees every letter).
 */
export async function deadLettersCommand(rest: string[], args: DeadLettersArgs, io: CliIO): Promise<number> {
  const [action, id, ...extra] = rest;
  const target = () => adminTarget(args.config, args.url, io.env);
  const usage = (why: string) => {
    io.stderr.write(`botyard deadletters: ${why}\nusage: ${USAGE}\n`);
    return 2;
  };
  if (extra.length > 0) return usage(`unexpected ${extra.join(" ")}`);
  switch (action) {
    case "list": {
      const { body } = await callAdmin(target(), "GET", `/admin/deadletters${args.bot ? `?bot=${encodeURIComponent(args.bot)}` : ""}`);
      const letters = body.letters as Array<Omit<DeadLetterView, "payload"> & { payloadBytes: number }>;
      if (args.json) return print(io, body);
      if (letters.length === 0) {
        io.stdout.write(`no dead letters${args.bot ? ` for bot ${args.bot}` : ""}\n`);
        return 0;
      }
      for (const l of letters) {
        io.stdout.write(`${l.id}\n    bot ${l.bot ?? "-"}  trigger ${l.trigger ?? "-"}  ${l.attempts} attempts  enqueued ${iso(l.enqueuedAt)}  last failed ${iso(l.failedAt)}  payload ${l.payloadBytes} bytes\n    error: ${l.error.split("\n")[0]}\n`);
      }
      io.stdout.write(`\n${letters.length} dead letter${letters.length === 1 ? "" : "s"}. botyard deadletters show <id> for the payload; replay <id> or drop <id>.\n`);
      return 0;
    }
    case "show": {
      if (!id) return usage("show needs a letter id (see botyard deadletters list)");
      const { status, body } = await callAdmin(target(), "GET", `/admin/deadletters/${encodeURIComponent(id)}`);
      if (status === 404) throw notFound(id);
      return print(io, body.letter);
    }
    case "replay":
    case "drop": {
      const chosen = [id !== undefined, args.bot !== undefined, args.all].filter(Boolean).length;
      if (chosen !== 1) return usage(`${action} needs exactly one of: a letter id, --bot ID, --all`);
      const t = target();
      const { status, body } =
        id !== undefined
          ? await callAdmin(t, action === "replay" ? "POST" : "DELETE", `/admin/deadletters/${encodeURIComponent(id)}${action === "replay" ? "/replay" : ""}`)
          : await callAdmin(t, "POST", `/admin/deadletters/${action}`, args.all ? { all: true } : { bot: args.bot });
      if (status === 404 && id !== undefined) throw notFound(id);
      if (status !== 200) throw new BotyardError(ErrorCodes.ADMIN_UNAVAILABLE, `The host answered ${status}: ${String(body.message ?? body.error)}`);
      if (args.json) return print(io, body);
      if (action === "drop") {
        const dropped = body.dropped as string[];
        io.stdout.write(`dropped ${dropped.length} dead letter${dropped.length === 1 ? "" : "s"}\n`);
      } else {
        const replayed = body.replayed as Array<{ id: string; job: string; duplicate: boolean }>;
        for (const r of replayed) io.stdout.write(`${r.id} → job ${r.job}${r.duplicate ? " (already replayed by another call: not enqueued again)" : ""}\n`);
        io.stdout.write(`replayed ${replayed.length} dead letter${replayed.length === 1 ? "" : "s"} as new jobs (attempts start again at 1)\n`);
      }
      return 0;
    }
    default:
      return usage(action ? `unknown action "${action}"` : "which action?");
  }
}

function notFound(id: string): BotyardError {
  return new BotyardError(ErrorCodes.DEAD_LETTER_NOT_FOUND, `No dead letter "${id}": it was replayed or dropped already, or is past its TTL.`, { hint: "botyard deadletters list shows the letters there are now." });
}

function print(io: CliIO, value: unknown): number {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
