/**
 * Structural comparison of an emulator's answer (or event) with a recorded sample of what the
 * provider sends: key paths and JSON types only, values ignored (the samples' values are
 * placeholders). A key the sample has and the answer lacks is `missing`, unless a rule declares it
 * optional; a value of another JSON type is `typeDiffers` (unless a rule allows that type there).
 */

export type JsonType = "null" | "array" | "object" | "string" | "number" | "boolean";

export interface ShapeRules {
  /** Whether the key at this path may be absent (Slack sends it only in some circumstances). */
  optional(path: string): boolean;
  /** Whether the value at this path may have this JSON type where the sample shows another (`null` when unset...). */
  allowsType(path: string, type: JsonType): boolean;
}

export interface ShapeDiff {
  /** Key paths of the sample that were looked for in the answer. */
  compared: Set<string>;
  /** Key paths the sample has and the answer lacks (not declared optional). */
  missing: Set<string>;
  /** `path: sample type ≠ answer type`. */
  typeDiffers: Set<string>;
}

export function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

export function emptyDiff(): ShapeDiff {
  return { compared: new Set(), missing: new Set(), typeDiffers: new Set() };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return jsonType(value) === "object";
}

/**
 * The sample element an answer's array element is compared with. Samples fill an array with one
 * example per kind: elements with a `type` discriminator (blocks, block elements) are matched by
 * it, and an element of a kind the sample never recorded is not compared (`undefined`); untyped
 * samples are merged into one example.
 */
function sampleFor(samples: unknown[], actual: unknown): unknown {
  if (!isObject(actual)) return samples[0];
  let byType = merged.get(samples);
  if (!byType) {
    byType = new Map();
    merged.set(samples, byType);
  }
  const typed = samples.filter(isObject).some((s) => typeof s.type === "string" && s.type !== "");
  const key = typed && typeof actual.type === "string" ? actual.type : "";
  if (!byType.has(key)) {
    const objects = samples.filter(isObject);
    const same = key ? objects.filter((s) => s.type === key) : objects;
    byType.set(key, same.length ? Object.assign({}, ...same) : key ? undefined : samples[0]);
  }
  return byType.get(key);
}

/** Merged examples per sample array and element type: a history page compares hundreds of messages with the same one. */
const merged = new WeakMap<unknown[], Map<string, unknown>>();

/** Compare `actual` with `sample` under `path` (`""` for the root), adding to `diff`. */
export function compareShape(sample: unknown, actual: unknown, rules: ShapeRules, diff: ShapeDiff = emptyDiff(), path = ""): ShapeDiff {
  const expected = jsonType(sample);
  const got = jsonType(actual);
  if (expected !== got && expected !== "null") {
    if (!rules.allowsType(path, got)) diff.typeDiffers.add(`${path || "(root)"}: ${expected} in Slack's sample, ${got} here`);
    return diff;
  }
  if (expected === "object") {
    const s = sample as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(s)) {
      const child = path ? `${path}.${key}` : key;
      diff.compared.add(child);
      if (!(key in a)) {
        if (!rules.optional(child)) diff.missing.add(child);
        continue;
      }
      compareShape(value, a[key], rules, diff, child);
    }
  } else if (expected === "array") {
    const samples = sample as unknown[];
    if (samples.length === 0) return diff;
    for (const element of actual as unknown[]) {
      const match = sampleFor(samples, element);
      if (match !== undefined) compareShape(match, element, rules, diff, `${path}[]`);
    }
  }
  return diff;
}

/**
 * A rule's path pattern as a test: segments separated by `.`, `[]` for array elements, `*` for any
 * part of one key, `{a,b}` for alternatives, a leading `**.` for any prefix (`**.bot_profile`).
 */
export function pathMatcher(pattern: string): (path: string) => boolean {
  const literal = (text: string) => text.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/\*/g, "[^.\\[\\]]*");
  let source = "";
  for (const part of pattern.split(/(\*\*\.|\{[^}]*\})/)) {
    if (part === "**.") source += "(?:.*\\.)?";
    else if (part.startsWith("{")) source += `(?:${part.slice(1, -1).split(",").map(literal).join("|")})`;
    else source += literal(part);
  }
  const re = new RegExp(`^${source}$`);
  return (path) => re.test(path);
}
