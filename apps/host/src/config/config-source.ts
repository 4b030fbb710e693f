import type { Document, Node } from "yaml";
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from "../vendor/yaml.js";
import { documentProblems, nestingProblem } from "./yaml-guards.js";

/** Something that keeps a text from being a YAML document Botyard can use, at its line and column. */
export interface SourceProblem {
  line: number;
  col: number;
  message: string;
  hint?: string;
  /** The text is YAML, but the value cannot be a config (a `__proto__:` key): not a syntax error. */
  invalid?: boolean;
}

/** A parsed YAML file that can say where any JSON pointer into it sits. */
export class ConfigSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses `text`, refusing first what would make the parser or anything after it run out of stack
   * or memory (see yaml-guards.ts): when `errors` is empty, `toJS` is safe to call.
   */
  static parse(file: string, text: string): { source: ConfigSource; errors: SourceProblem[] } {
    const lines = new LineCounter();
    const at = (offset: number) => lines.linePos(offset);
    const tooDeep = nestingProblem(text);
    if (tooDeep) {
      // Not parsed at all: the LineCounter learns line starts from the parser, so count them here.
      lines.addNewLine(0);
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
      const empty = parseDocument("", { lineCounter: new LineCounter() });
      return { source: new ConfigSource(file, empty, lines), errors: [{ ...at(tooDeep.offset), message: tooDeep.message, ...(tooDeep.hint ? { hint: tooDeep.hint } : {}) }] };
    }
    // `logLevel: "error"`: the parser prints nothing of its own to stderr; every problem is reported here.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
    const errors: SourceProblem[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? at(e.pos[0]);
      return { line: pos.line, col: pos.col, message: `YAML syntax error: ${e.message.split("\n")[0] ?? e.message}` };
    });
    if (errors.length === 0) {
      for (const p of documentProblems(doc)) {
        errors.push({ ...at(p.offset), message: p.message, ...(p.hint ? { hint: p.hint } : {}), ...(p.invalid ? { invalid: true } : {}) });
      }
    }
    return { source: new ConfigSource(file, doc, lines), errors };
  }

  /** Whether the document holds nothing (an empty file, or only comments). */
  get empty(): boolean {
    return this.doc.contents === null;
  }

  toJS(): unknown {
    // Aliases were counted, with their expansion, by `parse`: the parser's own cap (100 uses of
    // an anchor) would refuse a config that names one channel in a hundred bots.
    return this.doc.toJS({ maxAliasCount: -1 });
  }

  /**
   * Line and column of the value at `pointer` or, when it does not exist (a missing field), of
   * the nearest ancestor that does.
   */
  locate(pointer: string, target: "key" | "value" = "value"): { line: number; col: number } {
    const segments = pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    let node: unknown = this.doc.contents;
    let found: Node | undefined = this.doc.contents ?? undefined;
    for (const segment of segments) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
        const last = segment === segments[segments.length - 1];
        next = last && target === "key" ? pair?.key : (pair?.value ?? pair?.key);
      } else if (isSeq(node)) {
        next = node.items[Number(segment)];
      }
      if (!next || typeof next !== "object" || !("range" in (next as object))) break;
      node = next;
      found = next as Node;
    }
    const offset = found?.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }

  /** `bots.yaml:12:7` for a pointer. */
  where(pointer: string, target: "key" | "value" = "value"): string {
    const { line, col } = this.locate(pointer, target);
    return `${this.file}:${line}:${col}`;
  }
}

/** `/bots/1/config/channel` as `bots[1].config.channel`, the way people read paths. */
export function readablePath(pointer: string): string {
  if (!pointer) return "(top level)";
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
}
