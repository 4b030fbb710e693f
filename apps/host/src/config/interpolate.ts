export interface Interpolated {
  value: unknown;
  /** Every value that came from the environment: scrubbed from logs. */
  secrets: string[];
  /** Where each came from: the variable and the JSON pointer of the value that references it. */
  references: Array<{ name: string; path: string; value: string }>;
}

export interface BadReference {
  /** JSON pointer of the value that holds the reference. */
  path: string;
  name: string;
  /** `unset`: the variable is not in the environment; `invalid`: `${...}` does not hold a variable name. */
  problem: "unset" | "invalid";
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` in every string of a parsed config with the environment's value; `$${` is a
 * literal `${`. Interpolation runs on the parsed tree, never on the YAML text, so a value cannot
 * change the file's structure. Unset variables are all collected, then reported together.
 */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, onProblem: (p: BadReference) => void, path = ""): Interpolated {
  const references: Interpolated["references"] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === "string") return substitute(node, at);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}/${i}`));
    if (node && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const value = walk(v, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
        // Assigned, a "__proto__" key would replace the object's prototype instead of being a field.
        if (k === "__proto__") Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
        else out[k] = value;
      }
      return out;
    }
    return node;
  };
  const substitute = (text: string, at: string): string =>
    text.replace(REFERENCE, (whole, name: string | undefined) => {
      if (whole === "$${") return "${";
      const ref = name ?? "";
      if (!NAME.test(ref)) {
        onProblem({ path: at, name: ref, problem: "invalid" });
        return "";
      }
      const found = env[ref];
      if (found === undefined) {
        onProblem({ path: at, name: ref, problem: "unset" });
        return "";
      }
      references.push({ name: ref, path: at, value: found });
      return found;
    });
  const walked = walk(value, path);
  return { value: walked, secrets: references.map((r) => r.value), references };
}

/**
 * The environment's values for every `${VAR}` a config text mentions, without parsing it: what the
 * CLI scrubs from what it prints, even when the file is too broken to load.
 */
/** The names of the variables `text` references (`${NAME}`), each once. */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const [, name] of text.matchAll(REFERENCE)) if (name !== undefined && NAME.test(name)) names.add(name);
  return [...names];
}

export function referencedValues(text: string, env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [, name] of text.matchAll(REFERENCE)) {
    const value = name !== undefined && NAME.test(name) ? env[name] : undefined;
    if (value) values.add(value);
  }
  return [...values];
}
