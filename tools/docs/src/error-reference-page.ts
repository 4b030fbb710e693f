import { errorReference } from "@botyard/core";

/** `docs/errors.md`, whole, from core's error reference (Fastify's Errors page is the model). */
export function errorReferencePage(): string {
  const entries = Object.entries(errorReference);
  return [
    "# Errors",
    "",
    "<!-- Generated from packages/core/src/errors/error-reference.ts by `pnpm run docs`; edit it there. -->",
    "",
    "Every error a user can hit carries a stable code: the CLI prints it under the message, a JSON log",
    "line has it in `err.code` (or `code`), and a thrown error in `error.code`. Compare codes, not",
    "messages: messages improve, codes stay.",
    "A plugin can test for one with `isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE)`.",
    "",
    ...entries.map(([code]) => `- [\`${code}\`](#${code.toLowerCase()})`),
    "",
    ...entries.flatMap(([code, { when, fix }]) => [`## ${code}`, "", `**When:** ${when}`, "", `**What to do:** ${fix}`, ""]),
  ].join("\n");
}
