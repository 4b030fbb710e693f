import { writeFileSync } from "node:fs";
import { silentLogger } from "@botyard/core";
import { ConfigError, type ConfigProblem } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import { importPlugin } from "../loader/load-plugins.js";
import { botsYamlSchema } from "../schema/bots-schema.js";
import { builtinStores, loadStore } from "../store/load-store.js";
import type { CliIO } from "./run-cli.js";

/**
 * `botyard schema [--config bots.yaml] [--out bots.schema.json]`: the JSON Schema of bots.yaml
 * with the config schemas of the plugins it names. Needs no secrets (unset ${VARS} are fine here).
 */
export async function schemaCommand(configPath: string | undefined, out: string | undefined, io: CliIO): Promise<number> {
  const plugins = [];
  const stores = await builtinStores();
  if (configPath) {
    const loaded = loadConfig(configPath, io.env, { allowUnsetEnv: true });
    const problems: ConfigProblem[] = [];
    for (const [i, bot] of loaded.config.bots.entries()) {
      const result = await importPlugin(bot.use, loaded.dir, loaded.source.where(`/bots/${i}/use`), `bots[${i}].use`, silentLogger());
      if ("code" in result) problems.push(result);
      else plugins.push({ use: bot.use, plugin: result.plugin });
    }
    const use = loaded.config.store?.use;
    if (use && !stores.some((s) => s.use === use)) {
      const chosen = await loadStore({ use }, loaded.dir, loaded.source);
      problems.push(...chosen.problems.filter((p) => p.path === "store.use"));
      if (chosen.store) stores.push({ use, factory: chosen.store.factory } as (typeof stores)[number]);
    }
    if (problems.length) throw new ConfigError(problems);
  }
  const text = `${JSON.stringify(botsYamlSchema(plugins, stores), null, 2)}\n`;
  if (out) {
    writeFileSync(out, text);
    io.stderr.write(`wrote ${out}; add "# yaml-language-server: $schema=${out}" as the first line of bots.yaml.\n`);
  } else io.stdout.write(text);
  return 0;
}
