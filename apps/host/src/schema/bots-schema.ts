import type { Plugin } from "@botyard/core";
import { HostConfigSchema } from "../config/config-schema.js";

export const SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#";

/**
 * The JSON Schema of bots.yaml: the host's own fields, and for each plugin the config names, its
 * config schema applied where `use` names that plugin. Editors (yaml-language-server) use it to
 * complete and check the file, plugin configs included.
 */
export function botsYamlSchema(plugins: Array<{ use: string; plugin: Plugin }>): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(HostConfigSchema)) as Record<string, any>;
  const item = schema.properties.bots.items as Record<string, any>;
  const seen = new Set<string>();
  const conditions: unknown[] = [];
  for (const { use, plugin } of plugins) {
    if (seen.has(use)) continue;
    seen.add(use);
    conditions.push({
      if: { properties: { use: { const: use } }, required: ["use"] },
      then: { properties: { config: { ...JSON.parse(JSON.stringify(plugin.config)), description: plugin.description ?? `Settings of the ${plugin.name} plugin.` } } },
    });
  }
  if (conditions.length) {
    item.allOf = conditions;
    item.properties.use = { ...item.properties.use, examples: [...seen] };
  }
  return { $schema: SCHEMA_DRAFT, ...schema };
}
