/**
 * Renders a JSON Schema (as typebox emits it) as a Markdown reference table: one row per field,
 * with its path, type, default, whether it is required and its description. The docs are generated
 * from the schemas the code validates with, so they cannot drift from it.
 */
export function schemaReference(schema: JsonSchema, prefix = ""): string {
  const rows: string[][] = [];
  walk(schema, prefix, true, rows);
  const head = "| field | type | required | default | description |\n|---|---|---|---|---|";
  return `${head}\n${rows.map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n")}\n`;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  [key: string]: unknown;
}

function walk(schema: JsonSchema, path: string, required: boolean, rows: string[][]): void {
  if (path) rows.push(row(path, schema, required ? "yes" : ""));
  fields(schema, path, rows);
}

// The rows for what a value contains: object properties, array items' properties, union variants.
function fields(schema: JsonSchema, path: string, rows: string[][]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    // A field with a default may be left out, whatever the schema says (see defaultsMayBeOmitted).
    walk(child, path ? `${path}.${name}` : name, (schema.required?.includes(name) ?? false) && child.default === undefined, rows);
  }
  if (schema.items?.properties) fields(schema.items, `${path}[]`, rows);
  if (schema.anyOf?.every((v) => v.properties)) {
    // The discriminating field first (e.g. `store.type`), with every value it takes.
    const tagName = Object.entries(schema.anyOf[0]!.properties!).find(([, p]) => p.const !== undefined)?.[0];
    if (tagName) {
      const values = schema.anyOf.map((v) => v.properties![tagName]!);
      rows.push([`\`${path}.${tagName}\``, values.map((v) => `\`${JSON.stringify(v.const)}\``).join(" | "), "yes", "", values.map((v) => `${JSON.stringify(v.const)}: ${v.description ?? ""}`).join(" ")]);
    }
    for (const variant of schema.anyOf) {
      const tag = Object.entries(variant.properties!).find(([, p]) => p.const !== undefined);
      const label = tag ? `when ${tag[0]} is ${JSON.stringify(tag[1].const)}` : "";
      for (const [name, child] of Object.entries(variant.properties!)) {
        if (child.const !== undefined) continue;
        rows.push(row(`${path}.${name}`, child, [variant.required?.includes(name) && child.default === undefined ? "yes" : "", label].filter(Boolean).join(", ")));
      }
    }
  }
}

function row(path: string, schema: JsonSchema, required: string): string[] {
  return [`\`${path}\``, typeOf(schema), required, schema.default === undefined ? "" : `\`${JSON.stringify(schema.default)}\``, describe(schema)];
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" | ");
  if (s.anyOf) {
    if (s.anyOf.every((v) => v.const !== undefined)) return s.anyOf.map((v) => `\`${JSON.stringify(v.const)}\``).join(" | ");
    if (s.anyOf.every((v) => v.properties)) return "object (one of the variants below)";
    return s.anyOf.map(typeOf).join(" | ");
  }
  if (s.type === "array") return `${s.items ? typeOf(s.items) : "any"}[]`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (!s.type) return "any";
  return s.type;
}

function describe(s: JsonSchema): string {
  const notes: string[] = [];
  if (s.pattern) notes.push(`pattern \`${s.pattern}\``);
  if (s.minimum !== undefined) notes.push(`min ${s.minimum}`);
  if (s.maximum !== undefined) notes.push(`max ${s.maximum}`);
  if (s.format) notes.push(s.format);
  return [s.description ?? "", notes.length ? `(${notes.join(", ")})` : ""].filter(Boolean).join(" ");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
