/** A JSON Patch operation (RFC 6902). */
export type PatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/** Decode a JSON Pointer (RFC 6901) into its tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The value at `pointer`, or `undefined` when there is none. */
export function getPointer(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

function parentOf(doc: unknown, pointer: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new Error("cannot patch the document root");
  const key = tokens.pop()!;
  let node = doc;
  for (const token of tokens) {
    if (node === null || typeof node !== "object" || !(token in (node as object))) {
      throw new Error(`path ${pointer} does not exist (no "${token}")`);
    }
    node = (node as Record<string, unknown>)[token];
  }
  if (node === null || typeof node !== "object") throw new Error(`path ${pointer}: parent is not an object or array`);
  return { parent: node as Record<string, unknown> | unknown[], key };
}

function arrayIndex(array: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === "-") return array.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new Error(`"${key}" is not an array index`);
  const index = Number(key);
  if (index > array.length || (!forAdd && index === array.length)) throw new Error(`array index ${index} is out of bounds`);
  return index;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * Apply a JSON Patch in place. Every operation must apply cleanly (RFC 6902: a missing path, a
 * failed `test`, or removing what is not there is an error), so that an erratum whose target moved
 * in a newer description is noticed instead of silently doing nothing.
 */
export function applyPatch(doc: unknown, operations: readonly PatchOperation[]): void {
  operations.forEach((operation, i) => {
    try {
      applyOne(doc, operation);
    } catch (error) {
      throw new Error(`operation ${i} (${operation.op} ${operation.path}): ${(error as Error).message}`);
    }
  });
}

function applyOne(doc: unknown, operation: PatchOperation): void {
  switch (operation.op) {
    case "add": {
      const { parent, key } = parentOf(doc, operation.path);
      const value = structuredClone(operation.value);
      if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
      else parent[key] = value;
      return;
    }
    case "remove": {
      const { parent, key } = parentOf(doc, operation.path);
      if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
      else {
        if (!(key in parent)) throw new Error("nothing to remove");
        delete parent[key];
      }
      return;
    }
    case "replace": {
      const { parent, key } = parentOf(doc, operation.path);
      const value = structuredClone(operation.value);
      if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = value;
      else {
        if (!(key in parent)) throw new Error("nothing to replace");
        parent[key] = value;
      }
      return;
    }
    case "test": {
      const actual = getPointer(doc, operation.path);
      if (!deepEqual(actual, operation.value)) {
        throw new Error(`test failed: found ${JSON.stringify(actual)?.slice(0, 200)}, expected ${JSON.stringify(operation.value).slice(0, 200)}`);
      }
      return;
    }
    case "move":
    case "copy": {
      const value = getPointer(doc, operation.from);
      if (value === undefined) throw new Error(`from ${operation.from} does not exist`);
      if (operation.op === "move") applyOne(doc, { op: "remove", path: operation.from });
      applyOne(doc, { op: "add", path: operation.path, value });
      return;
    }
    default:
      throw new Error(`unknown op ${(operation as { op: string }).op}`);
  }
}
