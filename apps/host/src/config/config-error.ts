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

/** How many problems a ConfigError lists (all of them stay in `problems`). */
const MAX_LISTED = 50;

/**
 * Everything wrong with a config, reported at once (fixing one problem per run is tedious). Its
 * code is the first problem's; the message lists each with file, line, column and path.
 */
export class ConfigError extends BotyardError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    // In file order, as an editor would show them.
    const sorted = [...problems].sort(byPosition);
    const first = sorted[0]!;
    // A file of garbage can have thousands: the first ones say what is wrong with it.
    const shown = sorted.slice(0, MAX_LISTED);
    const lines = shown.map((p) => `  ${p.where}  ${p.path ? `${p.path}: ` : ""}${p.message}${p.hint ? `\n      hint: ${p.hint}` : ""}`);
    if (sorted.length > shown.length) lines.push(`  (and ${sorted.length - shown.length} more)`);
    super(first.code, `${sorted.length === 1 ? "There is a problem" : `There are ${problems.length} problems`} in ${first.where.replace(/:\d+:\d+$/, "")}:\n${lines.join("\n")}`, {
      details: { problems: sorted },
    });
    this.name = "ConfigError";
    this.problems = sorted;
  }
}


function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  const [la, ca] = position(a.where);
  const [lb, cb] = position(b.where);
  return la - lb || ca - cb;
}

function position(where: string): [number, number] {
  const m = /:(\d+):(\d+)$/.exec(where);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}
