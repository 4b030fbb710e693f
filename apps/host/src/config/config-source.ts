import type { Document, Node } from "yaml";
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from "../vendor/yaml.js";

/** A parsed YAML file that can say where any JSON pointer into it sits. */
export class ConfigSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: ConfigSource; errors: Array<{ line: number; col: number; message: string }> } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const errors = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      return { line: pos.line, col: pos.col, message: e.message.split("\n")[0] ?? e.message };
    });
    return { source: new ConfigSource(file, doc, lines), errors };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
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
