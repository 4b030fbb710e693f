import { resolve } from "node:path";
import { BotyardError, ErrorCodes, MemoryStore, type Logger, type StoreBackend } from "@botyard/core";
import type { StoreConfigValue } from "../config/config-schema.js";

/** The store bots.yaml asks for; relative paths resolve from the config's directory. */
export async function createStore(config: StoreConfigValue | undefined, configDir: string, logger?: Logger): Promise<StoreBackend> {
  const chosen = config ?? { type: "sqlite" as const, path: ".botyard/state.db" };
  switch (chosen.type) {
    case "memory":
      return new MemoryStore();
    case "sqlite": {
      const { SqliteStore } = await import("./sqlite-store.js");
      return SqliteStore.open(resolve(configDir, chosen.path ?? ".botyard/state.db"));
    }
    case "redis": {
      // Imported on demand, like SQLite: a host on another store never loads ioredis.
      const { RedisStore } = await import("./redis-store.js");
      return RedisStore.connect({ url: chosen.url, prefix: chosen.prefix ?? "botyard:", ...(logger ? { logger } : {}) });
    }
    default:
      throw new BotyardError(ErrorCodes.CONFIG_INVALID, `Unknown store type ${JSON.stringify((chosen as { type: unknown }).type)}.`);
  }
}
