import { readFileSync, writeFileSync } from "node:fs";
import { HostConfigSchema } from "../config/config-schema.js";
import { schemaReference, type JsonSchema } from "./schema-reference.js";

const START = "<!-- generated:reference:start -->";
const END = "<!-- generated:reference:end -->";

/** The reference section of docs/configuration.md, from the schema `botyard` validates with. */
export function configurationReference(): string {
  return schemaReference(JSON.parse(JSON.stringify(HostConfigSchema)) as JsonSchema);
}

/** Replaces what lies between the generated markers of a Markdown file; returns the new text. */
export function withReference(markdown: string, reference: string, file: string): string {
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no ${START} ... ${END} section to fill.`);
  return `${markdown.slice(0, a + START.length)}\n${reference}${markdown.slice(b)}`;
}

/** Rewrites a doc's generated section in place; true when it changed. */
export function updateDoc(file: string, reference: string): boolean {
  const before = readFileSync(file, "utf8");
  const after = withReference(before, reference, file);
  if (after !== before) writeFileSync(file, after);
  return after !== before;
}
