/**
 * Re-creates packages/testing/specs/slack-samples/ from a checkout of slackapi/java-slack-sdk:
 *
 *   git clone https://github.com/slackapi/java-slack-sdk && git -C java-slack-sdk checkout <commit>
 *   node tools/fidelity/dist/import-slack-samples.js path/to/java-slack-sdk
 *
 * It copies the samples of the Web API methods the Slack emulator implements and of the payloads it
 * delivers, and prunes one thing, the same way in every file: Block Kit content. The samples merge
 * every block and element kind Slack's Java model knows into each `blocks` array (up to 0.8 MB per
 * file, 12 MB in all); what a block holds is what its poster sent, which Slack echoes, so only each
 * block's `type` and `block_id` (Slack adds one when the poster gave none) are kept, and files
 * nested inside attachments (file unfurls) are dropped. SOURCE.md lists what was taken from where.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SAMPLE_FILES } from "@botyard/testing/fidelity-sources";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const OUT = join(ROOT, "packages/testing/specs/slack-samples");
const UPSTREAM = "json-logs/samples";

/** Block Kit arrays: every key ending in `blocks` (`blocks`, `title_blocks`, `message_blocks`...). */
function isBlocksKey(key: string): boolean {
  return key.endsWith("blocks");
}

export function prune(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    if (isBlocksKey(key)) {
      return value.map((block) => {
        const b = (block ?? {}) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(b).filter(([k]) => k === "type" || k === "block_id"));
      });
    }
    return value.map((v) => prune(v));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (key === "[attachment]" && k === "files") continue;
      out[k] = k === "attachments" && Array.isArray(v) ? v.map((a) => prune(a, "[attachment]")) : prune(v, k);
    }
    return out;
  }
  return value;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const checkout = process.argv[2];
  if (!checkout) throw new Error("usage: import-slack-samples.js <path to a java-slack-sdk checkout>");
  const git = (...args: string[]) => execFileSync("git", ["-C", checkout, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const commit = git("rev-parse", "HEAD").trim();
  const rows: string[] = [];
  for (const [local, upstream] of Object.entries(SAMPLE_FILES)) {
    const raw = JSON.parse(git("show", `${commit}:${UPSTREAM}/${upstream}`)) as unknown;
    mkdirSync(join(OUT, local, ".."), { recursive: true });
    writeFileSync(join(OUT, local), `${JSON.stringify(prune(raw), null, 1)}\n`);
    rows.push(`| \`${local}\` | [\`${UPSTREAM}/${upstream}\`](https://github.com/slackapi/java-slack-sdk/blob/${commit}/${UPSTREAM}/${upstream}) |`);
  }
  writeFileSync(join(OUT, "LICENSE"), git("show", `${commit}:LICENSE`));
  writeFileSync(
    join(OUT, "SOURCE.md"),
    [
      "# Slack payload samples",
      "",
      "<!-- Written by tools/fidelity/src/import-slack-samples.ts; re-run it rather than editing these files. -->",
      "",
      `Recorded Slack Web API responses and event payloads from [slackapi/java-slack-sdk](https://github.com/slackapi/java-slack-sdk) at commit \`${commit}\`, directory \`${UPSTREAM}/\` (MIT License, copied in [LICENSE](LICENSE)). The Java SDK's team records real Slack traffic and merges it into one sample per method and event, with every value replaced by a placeholder (\`""\`, \`false\`, \`123\`, \`U00000000\`): only key paths and JSON types carry information, and that is all \`@botyard/testing\`'s structural conformance check compares (\`packages/testing/src/conformance/sample-shapes.ts\`).`,
      "",
      "Kept: the samples of the 29 Web API methods the Slack emulator implements, of the Events API payloads it delivers, and of the slash command and `block_actions` payloads. One change, made the same way in every file: Block Kit arrays (every key ending in `blocks`) keep only each block's `type` and `block_id`, and files nested in attachments are dropped (see the script for why).",
      "",
      "| file | taken from |",
      "|---|---|",
      ...rows,
      "",
    ].join("\n"),
  );
  console.log(`Wrote ${rows.length} samples to ${OUT} from ${commit}`);
}
