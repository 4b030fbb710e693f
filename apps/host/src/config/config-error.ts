import { BotyardError, type ErrorCode } from "@botyard/core";

/** One thing wrong with bots.yaml, located in the file. */
export interface ConfigProblem {
  code: ErrorCode;
  /** `bots.yaml:12:7` */
  where: string;
  /** `bots[1].config.channel` (empty for file-level problems). */
  path: string;
  message: string;
  hint?: string;
}

/**
 * Everything wrong with a config, reported at once (fixing one problem per run is tedious). Its
 * code is the first problem's; the message lists each with file, line, column and path.
 */
export class ConfigError extends BotyardError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    // In file order, as an editor would show them.
    const sorted = [...problems].sort((a, b) => position(a.where) - position(b.where));
    const first = sorted[0]!;
    const lines = sorted.map((p) => `  ${p.where}  ${p.path ? `${p.path}: ` : ""}${p.message}${p.hint ? `\n      hint: ${p.hint}` : ""}`);
    super(first.code, `${sorted.length === 1 ? "There is a problem" : `There are ${problems.length} problems`} in ${first.where.replace(/:\d+:\d+$/, "")}:\n${lines.join("\n")}`, {
      details: { problems: sorted },
    });
    this.name = "ConfigError";
    this.problems = sorted;
  }
}

function position(where: string): number {
  const m = /:(\d+):(\d+)$/.exec(where);
  return m ? Number(m[1]) * 10_000 + Number(m[2]) : 0;
}
