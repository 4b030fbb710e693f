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
  constructor(readonly problems: ConfigProblem[]) {
    const first = problems[0]!;
    const lines = problems.map((p) => `  ${p.where}  ${p.path ? `${p.path}: ` : ""}${p.message}${p.hint ? `\n      hint: ${p.hint}` : ""}`);
    super(first.code, `${problems.length === 1 ? "There is a problem" : `There are ${problems.length} problems`} in ${first.where.replace(/:\d+:\d+$/, "")}:\n${lines.join("\n")}`, {
      details: { problems },
    });
    this.name = "ConfigError";
  }
}
