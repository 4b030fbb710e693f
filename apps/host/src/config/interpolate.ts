export interface Interpolated {
  value: unknown;
  /** Every value that came from the environment: scrubbed from logs. */
  secrets: string[];
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
  const secrets: string[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === "string") return substitute(node, at);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}/${i}`));
    if (node && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
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
      secrets.push(found);
      return found;
    });
  return { value: walk(value, path), secrets };
}
