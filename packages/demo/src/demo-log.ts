import { Writable } from "node:stream";

/**
 * The host's log as the demo keeps it: every line to the log file, and each warning or error also
 * summed up on screen (`onProblem`), so that a failing bot or an unreachable service shows where
 * the person is looking rather than only in `.botyard/demo.log`.
 */
export function demoLog(file: NodeJS.WritableStream, onProblem: (summary: string) => void): Writable {
  let partial = "";
  return new Writable({
    write(chunk, _encoding, done) {
      file.write(chunk);
      const lines = (partial + String(chunk)).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const summary = problemOf(line);
        if (summary) onProblem(summary);
      }
      done();
    },
    final(done) {
      file.end(() => done());
    },
  });
}

/** One log line's warning or error in a sentence (`undefined` for anything quieter). */
export function problemOf(line: string): string | undefined {
  let entry: { level?: unknown; msg?: unknown; bot?: unknown; err?: { message?: unknown; code?: unknown } };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return undefined;
  }
  if (typeof entry.level !== "number" || entry.level < 40) return undefined;
  const what = entry.level >= 50 ? "error" : "warning";
  const who = typeof entry.bot === "string" ? ` (bot ${entry.bot})` : "";
  const cause = typeof entry.err?.message === "string" && !String(entry.msg ?? "").includes(entry.err.message) ? `: ${entry.err.message}` : "";
  const code = typeof entry.err?.code === "string" && entry.err.code.startsWith("BOTYARD_ERR_") ? ` [${entry.err.code}]` : "";
  return `${what}${who}: ${String(entry.msg ?? "")}${cause}${code}`;
}
