import type { Plugin, StoreFactory } from "@botyard/core";
import { HostConfigSchema } from "../config/config-schema.js";

export const SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#";

/**
 * A string holding a `${NAME}` reference (not the literal `$${`), as the host's interpolation
 * reads it. The value it stands for is checked when the host loads the file, not by the editor.
 */
export const ENV_REFERENCE_PATTERN = "(^|[^$])\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}";

/**
 * The JSON Schema of bots.yaml: the host's own fields, for each plugin the config names its config
 * schema applied where `use` names that plugin, and for each store given its settings where
 * `store.use` (or the `store.type` shorthand) names it. Editors (yaml-language-server) use it to
 * complete and check the file, plugin configs and store settings included.
 */
export function botsYamlSchema(plugins: Array<{ use: string; plugin: Plugin }>, stores: Array<{ use: string; type?: string; factory: StoreFactory }> = []): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(HostConfigSchema)) as Record<string, any>;
  const storeConditions = stores.map(({ use, type, factory }) => {
    const settings = JSON.parse(JSON.stringify(factory.config)) as Record<string, any>;
    const named = { properties: { use: { const: use } }, required: ["use"] };
    return {
      if: type ? { anyOf: [named, { properties: { type: { const: type } }, required: ["type"] }] } : named,
      // The settings sit beside use/type, which the store's own schema does not list.
      then: { properties: settings.properties ?? {}, ...(settings.required ? { required: settings.required } : {}) },
    };
  });
  if (storeConditions.length) schema.properties.store.allOf = storeConditions;
  const item = schema.properties.bots.items as Record<string, any>;
  const seen = new Set<string>();
  const conditions: unknown[] = [];
  for (const { use, plugin } of plugins) {
    if (seen.has(use)) continue;
    seen.add(use);
    conditions.push({
      if: { properties: { use: { const: use } }, required: ["use"] },
      then: { properties: { config: { ...defaultsMayBeOmitted(JSON.parse(JSON.stringify(plugin.config))), description: plugin.description ?? `Settings of the ${plugin.name} plugin.` } } },
    });
  }
  if (conditions.length) {
    item.allOf = conditions;
    item.properties.use = { ...item.properties.use, examples: [...seen] };
  }
  return { $schema: SCHEMA_DRAFT, ...acceptingReferences(schema) };
}

/**
 * A field with a `default` is required in the schema, so that `setup` sees it typed as present
 * (the host fills it in before validating); in the file it may be left out, and an editor must
 * not ask for it.
 */
export function defaultsMayBeOmitted(node: Record<string, any>): Record<string, any> {
  if (typeof node !== "object" || node === null) return node;
  if (Array.isArray(node)) return node.map(defaultsMayBeOmitted);
  const out: Record<string, any> = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "properties" || k === "patternProperties" ? Object.fromEntries(Object.entries(v as Record<string, any>).map(([name, child]) => [name, defaultsMayBeOmitted(child)])) : typeof v === "object" && v !== null ? defaultsMayBeOmitted(v) : v]));
  if (Array.isArray(out.required) && out.properties) {
    const required = (out.required as string[]).filter((name) => out.properties[name]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

// What an editor shows and completes from: kept on the field itself, outside the alternatives.
const ANNOTATIONS = ["title", "description", "default", "examples"];
// String constraints a `${VAR}` reference cannot meet in the file, only once interpolated.
const CONSTRAINTS = ["format", "pattern", "minLength", "maxLength", "enum"];

/**
 * Every constrained string field also accepts a `${VAR}` reference, as the host does: interpolation
 * runs on every string before validation (`apiUrl: ${SLACK_API_URL}` is valid, though not a URI as
 * written). Numbers and booleans stay as they are: a reference yields a string, which the host
 * rejects there too. `if` conditions (`use` is "...") and `const` tags are left exact.
 */
function acceptingReferences(node: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...node };
  for (const key of ["properties", "patternProperties", "definitions", "$defs"]) {
    if (out[key]) out[key] = Object.fromEntries(Object.entries(out[key] as Record<string, any>).map(([k, v]) => [k, acceptingReferences(v)]));
  }
  for (const key of ["items", "additionalProperties", "then", "else", "not"]) {
    if (out[key] && typeof out[key] === "object") out[key] = Array.isArray(out[key]) ? out[key].map(acceptingReferences) : acceptingReferences(out[key]);
  }
  for (const key of ["anyOf", "allOf", "oneOf"]) {
    if (Array.isArray(out[key])) out[key] = out[key].map(acceptingReferences);
  }
  if (out.type !== "string" || !CONSTRAINTS.some((k) => k in out)) return out;
  const annotations = Object.fromEntries(ANNOTATIONS.filter((k) => k in out).map((k) => [k, out[k]]));
  const value = Object.fromEntries(Object.entries(out).filter(([k]) => !ANNOTATIONS.includes(k)));
  return { ...annotations, anyOf: [value, { type: "string", pattern: ENV_REFERENCE_PATTERN, description: "A ${VAR} reference, filled from the host's environment when it loads the file." }] };
}
