import type { Document, Node } from "yaml";
import { CST, Lexer, isAlias, isMap, isPair, isScalar, isSeq } from "../vendor/yaml.js";

/**
 * How deep bots.yaml may nest. A real config is about ten levels deep (bots, a bot, its config, a
 * list in it...); the YAML parser recurses once per level and, fed a hundred thousand levels,
 * exhausts the stack or the heap, which no `try` can catch.
 */
export const MAX_YAML_DEPTH = 64;

/**
 * How many values the document may hold with every alias (`*name`) expanded. A config that shares
 * one channel id between a thousand bots holds a few thousand; a "billion laughs" alias bomb, a
 * few lines long, holds billions, and everything that walks the parsed config would walk them all.
 */
export const MAX_YAML_VALUES = 1_000_000;

/**
 * Keys that do not set a field on a JavaScript object but change what it inherits: a
 * `__proto__:` mapping would hide its values from validation and hand them to the host anyway.
 * No Botyard or plugin setting has these names.
 */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor"]);

/** Past this many, the rest of a document's problems are not looked for: the first ones say enough. */
const MAX_PROBLEMS = 20;

export interface YamlProblem {
  /** Offset in the text. */
  offset: number;
  message: string;
  hint?: string;
  /** A value that parses but cannot be a config (`__proto__:`) rather than text that cannot be read. */
  invalid?: boolean;
}

const TOO_DEEP: Omit<YamlProblem, "offset"> = {
  message: `is nested more than ${MAX_YAML_DEPTH} levels deep`,
  hint: "bots.yaml needs about ten levels; check the indentation, or the brackets of a flow collection ([ ], { }).",
};

/**
 * Checks, from the lexer's tokens alone, that the text does not nest so deep that parsing it would
 * overflow the stack: open block indentations, the `-`, `?` and `:` indicators on a line after its
 * first, and open flow brackets. That estimate errs low only for a sequence written at its key's
 * indentation (at most twice as deep as counted, which the parser takes in its stride), and the
 * parsed document is then checked exactly by `documentProblems`. The lexer itself keeps no stack.
 */
export function nestingProblem(text: string): YamlProblem | undefined {
  let offset = 0;
  let flow = 0;
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  let onLine = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    // Markers the lexer adds: they take no room in the text.
    if (type === "doc-mode" || type === "flow-error-end") continue;
    if (type === "scalar") {
      scalarNext = true;
      continue;
    }
    const at = offset;
    offset += token.length;
    if (scalarNext) {
      // A scalar's text (a block scalar's spans lines and may start with spaces): a leaf.
      scalarNext = false;
      if (lineStart && flow === 0) enterLine(indents, indent);
      const depth = indents.length + Math.max(0, onLine - 1) + flow;
      lineStart = token.endsWith("\n");
      if (lineStart) (indent = 0), (onLine = 0);
      if (depth > MAX_YAML_DEPTH) return { offset: at, ...TOO_DEEP };
      continue;
    }
    switch (type) {
      case "newline":
        lineStart = true;
        indent = 0;
        onLine = 0;
        continue;
      case "space":
        if (lineStart) indent = token.length;
        continue;
      case "comment":
      case "byte-order-mark":
      case "directive-line":
        continue;
      case "doc-start":
      case "doc-end":
        indents.length = 0;
        flow = 0;
        continue;
    }
    if (lineStart) {
      if (flow === 0) enterLine(indents, indent);
      lineStart = false;
    }
    if (type === "flow-seq-start" || type === "flow-map-start") flow++;
    else if (type === "flow-seq-end" || type === "flow-map-end") flow = Math.max(0, flow - 1);
    else if (flow === 0 && (type === "seq-item-ind" || type === "explicit-key-ind" || type === "map-value-ind")) onLine++;
    // The line's first indicator belongs to the collection its indentation opened; each further
    // one (`- - x`, `- key: x`) opens another.
    if (indents.length + Math.max(0, onLine - 1) + flow > MAX_YAML_DEPTH) return { offset: at, ...TOO_DEEP };
  }
  return undefined;
}

/** A line's first token at `indent`: the block levels it closes end, and it opens its own. */
function enterLine(indents: number[], indent: number): void {
  while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
  indents.push(indent);
}

/**
 * What makes a parsed document unsafe to turn into JavaScript values, each at its offset: nesting
 * deeper than `MAX_YAML_DEPTH` (aliases expanded), more than `MAX_YAML_VALUES` values once aliases
 * are expanded, an alias with no anchor before it or inside its own anchor (a cycle), a key that
 * is a list or a mapping, and `__proto__` or `constructor` keys.
 */
export function documentProblems(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const anchors = new Map<string, Node>();
  // An anchored node's height and size with its aliases expanded; absent while it is being walked.
  const measured = new Map<Node, { height: number; size: number }>();
  let total = 0;
  const report = (node: { range?: [number, number, number] | null } | null | undefined, problem: Omit<YamlProblem, "offset">) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ offset: node?.range?.[0] ?? 0, ...problem });
  };

  // Counts `n` more values; the one that takes the total past the limit is where it is reported.
  const count = (n: number, node: Node, alias: boolean) => {
    if (total > MAX_YAML_VALUES || (total += n) <= MAX_YAML_VALUES) return;
    report(node, {
      message: `holds more than ${MAX_YAML_VALUES.toLocaleString("en-US")} values${alias ? ` once its aliases are expanded (a YAML "billion laughs" alias bomb?)` : ""}`,
      hint: alias ? "Use fewer or smaller aliases (*name)." : "Is it the right file?",
    });
  };

  // Height and size of `node` with aliases expanded; `depth` is how deep it sits.
  const walk = (node: unknown, depth: number): { height: number; size: number } => {
    if (problems.length >= MAX_PROBLEMS) return { height: 0, size: 0 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const size = target ? measured.get(target) : undefined;
      if (!target) report(node, { message: `the alias *${node.source} has no anchor &${node.source} before it` });
      else if (!size) report(node, { message: `the alias *${node.source} is inside the value it refers to (a cycle)` });
      else {
        // Counted at each use: each is a copy for whatever walks the config.
        count(size.size, node, true);
        if (depth + size.height > MAX_YAML_DEPTH) report(node, TOO_DEEP);
        return size;
      }
      return { height: 0, size: 1 };
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, node as Node);
    count(1, node as Node, false);
    let result = { height: 0, size: 1 };
    if (isMap(node) || isSeq(node)) {
      if (depth + 1 > MAX_YAML_DEPTH) {
        report(node, TOO_DEEP);
        return result;
      }
      let height = 0;
      let size = 1;
      for (const item of node.items) {
        if (isPair(item)) {
          const key = item.key;
          if (key !== null && !isScalar(key)) report(key as Node, { message: "a key must be a plain value, not a list, a mapping or an alias", invalid: true });
          else if (isScalar(key) && FORBIDDEN_KEYS.has(String(key.value))) {
            report(key, {
              message: `"${String(key.value)}" is not allowed as a key`,
              hint: "It would change what the object inherits rather than set a field; no Botyard or plugin setting has this name.",
              invalid: true,
            });
          }
          count(1, (key ?? item.value) as Node, false);
          const child = walk(item.value, depth + 1);
          height = Math.max(height, child.height);
          size += 1 + child.size;
        } else {
          const child = walk(item, depth + 1);
          height = Math.max(height, child.height);
          size += child.size;
        }
      }
      result = { height: height + 1, size };
    }
    if (anchor) measured.set(node as Node, result);
    return result;
  };
  walk(doc.contents, 0);
  return problems;
}
