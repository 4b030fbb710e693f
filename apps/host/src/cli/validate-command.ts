import { MemoryStore, offlineSlackClient, silentLogger } from "@botyard/core";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import { bootstrap } from "../runtime/bootstrap.js";
import type { CliIO } from "./run-cli.js";

/** `botyard validate`: everything `start` checks before it starts, and no I/O beyond reading files. */
export async function validateCommand(configPath: string, io: CliIO): Promise<number> {
  const loaded = loadConfig(configPath, io.env);
  const log = silentLogger();
  const slack = offlineSlackClient("botyard validate");
  const { problems, setupFailures, engine } = await bootstrap(loaded, { slack, store: new MemoryStore(), log });
  const all = [...problems, ...setupFailures];
  if (all.length > 0) throw new ConfigError(all);
  const bots = engine.status();
  io.stdout.write(`${loaded.file} is valid: ${bots.length} bot${bots.length === 1 ? "" : "s"} (${bots.map((b) => `${b.id}: ${b.plugin}`).join(", ")}).\n`);
  return 0;
}
