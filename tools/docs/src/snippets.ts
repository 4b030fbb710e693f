import { readFileSync } from "node:fs";

/** A fenced code block of a Markdown file. */
export interface Snippet {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** From a `<!-- snippet: name.ts -->` comment just above the fence: blocks of one doc that import each other. */
  name?: string;
}

export function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w+)?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    const named = /<!--\s*snippet:\s*([\w./-]+)\s*-->/.exec(lines[start - 1] ?? "") ?? /<!--\s*snippet:\s*([\w./-]+)\s*-->/.exec(lines[start - 2] ?? "");
    out.push({ file, line: start + 1, lang: open[2] ?? "", code: body.join("\n"), ...(named ? { name: named[1] } : {}) });
  }
  return out;
}
