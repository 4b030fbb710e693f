import { silentLogger, type Logger, type StoreBackend } from "@botyard/core";
import { ConfigError } from "../config/config-error.js";
import type { StoreConfigValue } from "../config/config-schema.js";
import { loadStore, type ChosenStore } from "./load-store.js";

/** Opens the store `loadStore` chose: only once the whole config is known good. */
export function openStore(chosen: ChosenStore, configDir: string, logger: Logger): Promise<StoreBackend> {
  return Promise.resolve(chosen.factory.open(chosen.config, { configDir, logger }));
}

/**
 * The store a bots.yaml `store:` value asks for, opened (for programs and benchmarks that build
 * a store without a host); relative paths resolve from `configDir`. Throws a ConfigError when the
 * store cannot be found or its settings do not match its schema.
 */
export async function createStore(config: StoreConfigValue | undefined, configDir: string, logger: Logger = silentLogger()): Promise<StoreBackend> {
  const { store, problems } = await loadStore(config, configDir);
  if (!store) throw new ConfigError(problems);
  return openStore(store, configDir, logger);
}
