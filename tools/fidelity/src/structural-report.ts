import { readFileSync } from "node:fs";
import { OPTIONAL_KEYS, OTHER_TYPES, SAMPLES_DIR, sampledShapes } from "@botyard/testing/fidelity-sources";
import type { ExerciseResult } from "./exercise.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Every shape with a recorded sample that the tour compared and found faithful, and those it did not. */
export function structuralSummary(result: ExerciseResult): { shapes: string[]; faithful: string[]; notCompared: string[]; missing: number; otherTypes: number } {
  const shapes = Object.keys(sampledShapes()).sort();
  const faithful = shapes.filter((s) => {
    const t = result.shapes[s];
    return t && t.count > 0 && t.missing.size === 0 && t.typeDiffers.size === 0;
  });
  const notCompared = shapes.filter((s) => !result.shapes[s]?.count);
  const sum = (key: "missing" | "typeDiffers") => Object.values(result.shapes).reduce((n, t) => n + t[key].size, 0);
  return { shapes, faithful, notCompared, missing: sum("missing"), otherTypes: sum("typeDiffers") };
}

/** The report's section on Slack's recorded payloads (packages/testing/specs/slack-samples/). */
export function renderStructural(result: ExerciseResult): string[] {
  const source = readFileSync(`${SAMPLES_DIR}SOURCE.md`, "utf8");
  const commit = /commit `([0-9a-f]{40})`/.exec(source)?.[1] ?? "?";
  const summary = structuralSummary(result);
  const samples = sampledShapes();
  const lines = [
    "### Compared with Slack's recorded payloads",
    "",
    `Slack's descriptions are years old and incomplete, so each answer and payload is also compared, key by key, with what Slack really sends: the recorded samples of Slack's Java SDK team (\`packages/testing/specs/slack-samples/\`, from slackapi/java-slack-sdk at \`${commit.slice(0, 12)}\`, MIT; see its SOURCE.md). Only key paths and JSON types are compared (the samples' values are placeholders): a key the sample has and the emulator's answer lacks, or a value of another JSON type, is a violation, in the tour and in every test (\`packages/testing/src/conformance/sample-shapes.ts\`). Array elements are compared with the sample's element of the same \`type\` (blocks), or with the merge of its examples. Keys Slack sends only in some circumstances are declared optional below, one line each with the reason.`,
    "",
    `Shapes faithful: **${summary.faithful.length} of ${summary.shapes.length}** (every shape with a sample must be compared and faithful); key paths missing: **${summary.missing}**; other JSON types: **${summary.otherTypes}**.`,
    "",
    "| shape | sample | compared in the tour | key paths compared | missing | other types |",
    "|---|---|---|---|---|---|",
  ];
  for (const shape of summary.shapes) {
    const t = result.shapes[shape];
    const list = (set: Set<string> | undefined) => (set?.size ? [...set].map((p) => `\`${cell(p)}\``).join(", ") : "0");
    lines.push(`| \`${shape}\` | \`${samples[shape]}\` | ${t?.count ?? 0} | ${t?.compared.size ?? 0} | ${list(t?.missing)} | ${list(t?.typeDiffers)} |`);
  }
  lines.push("", `Optional keys (${OPTIONAL_KEYS.length}, in \`packages/testing/src/conformance/sample-optional.ts\`):`, "");
  for (const rule of OPTIONAL_KEYS) lines.push(`- \`${cell(rule.path)}\`${rule.shape ? ` (in \`${cell(rule.shape)}\`)` : ""}${rule.notIn ? ` (not in \`${cell(rule.notIn)}\`)` : ""}: ${cell(rule.why)}`);
  lines.push("", `Other JSON types allowed (${OTHER_TYPES.length}):`, "");
  for (const rule of OTHER_TYPES) lines.push(`- \`${cell(rule.path)}\`${rule.shape ? ` (in \`${cell(rule.shape)}\`)` : ""} may be \`${rule.type}\`: ${cell(rule.why)}`);
  lines.push("");
  return lines;
}
