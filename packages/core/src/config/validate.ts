import type { TSchema } from "typebox";
import { Settings } from "typebox/system";
import { Value } from "typebox/value";

// typebox stops at 8 errors by default; a user fixing a config wants to see all of them at once.
Settings.Set({ maxErrors: 100 });

/** One way a value does not match its schema, located by JSON pointer. */
export interface ConfigIssue {
  /** JSON pointer into the value (`/repos/0/head`); `""` is the value itself. */
  path: string;
  /** What was expected, in words (`must be string`, `is required`). */
  message: string;
  /** Where to point in a source file: at the value (default) or at the key (an unknown field). */
  target?: "key" | "value";
}

/** The checked value (defaults applied) and, when it does not match, every issue. */
export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[]; value: unknown };

/**
 * Applies the schema's defaults to a copy of `raw` and checks it. Issues point at the deepest
 * path they concern (a missing property is reported at its own path, not at its parent), so the
 * host can show the YAML line of each.
 */
export function validateAgainst<T>(schema: TSchema, raw: unknown): Validated<T> {
  return checkAgainst<T>(schema, Value.Default(schema, raw === undefined ? {} : structuredClone(raw)));
}

/** Checks `value` as it is (no defaults applied, no copy made), with the same issues as `validateAgainst`. */
export function checkAgainst<T>(schema: TSchema, value: unknown): Validated<T> {
  // Checking is much cheaper than listing errors, and a host checks every bot's config at start.
  if (Value.Check(schema, value)) return { ok: true, value: value as T };
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    for (const issue of describe(error)) {
      const id = `${issue.path}\u0000${issue.message}`;
      if (!seen.has(id)) {
        seen.add(id);
        issues.push(issue);
      }
    }
  }
  return issues.length === 0 ? { ok: true, value: value as T } : { ok: false, issues, value };
}

interface TypeboxError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
  schemaPath: string;
}

function describe(error: TypeboxError): ConfigIssue[] {
  const params = error.params;
  if (error.keyword === "required" && Array.isArray(params.requiredProperties)) {
    return (params.requiredProperties as string[]).map((p) => ({ path: `${error.instancePath}/${escape(p)}`, message: "is required" }));
  }
  if (error.keyword === "additionalProperties" && Array.isArray(params.additionalProperties)) {
    return (params.additionalProperties as string[]).map((p) => ({
      path: `${error.instancePath}/${escape(p)}`,
      message: "is not a known field (check its spelling)",
      target: "key" as const,
    }));
  }
  // Naming the values saves a trip to the docs (TypeBox says "one of the allowed values").
  if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
    return [{ path: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` }];
  }
  // The per-property "schema is false" duplicates the additionalProperties error above.
  if (error.keyword === "boolean" && error.schemaPath.endsWith("/additionalProperties")) return [];
  return [{ path: error.instancePath, message: error.message }];
}

function escape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
