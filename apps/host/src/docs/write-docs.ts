import { readFileSync, writeFileSync } from "node:fs";
import type { StoreFactory } from "@botyard/core";
import { HostConfigSchema, STORE_ALIASES } from "../config/config-schema.js";
import { schemaReference, type JsonSchema } from "./schema-reference.js";

const START = "<!-- generated:reference:start -->";
const END = "<!-- generated:reference:end -->";

/** The reference section of docs/configuration.md, from the schema `botyard` validates with. */
export function configurationReference(stores: Array<{ type: string; factory: StoreFactory }> = []): string {
  const schema = JSON.parse(JSON.stringify(HostConfigSchema)) as JsonSchema & { properties: Record<string, JsonSchema> };
  if (stores.length > 0) {
    // The built-in stores' own settings, as variants tagged by `type`, so that each row says which store it belongs to.
    const store = schema.properties.store!;
    const { type: _type, ...named } = store.properties!;
    schema.properties.store = {
      ...store,
      properties: named,
      anyOf: stores.map(({ type, factory }) => {
        const settings = JSON.parse(JSON.stringify(factory.config)) as JsonSchema;
        return {
          properties: { type: { const: type, description: `${factory.description ?? factory.name} (${STORE_ALIASES[type as keyof typeof STORE_ALIASES] ?? type})` }, ...settings.properties },
          required: ["type", ...(settings.required ?? [])],
        };
      }),
    };
  }
  return schemaReference(schema);
}

/** Replaces what lies between the generated markers of a Markdown file; returns the new text. */
export function withReference(markdown: string, reference: string, file: string): string {
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no ${START} ... ${END} section to fill.`);
  return `${markdown.slice(0, a + START.length)}\n${reference}${markdown.slice(b)}`;
}

/** Rewrites a doc's generated section in place; true when it changed. */
export function updateDoc(file: string, reference: string): boolean {
  const before = readFileSync(file, "utf8");
  const after = withReference(before, reference, file);
  if (after !== before) writeFileSync(file, after);
  return after !== before;
}
