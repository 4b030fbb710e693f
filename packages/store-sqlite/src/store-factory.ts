import { resolve } from "node:path";
import { Type, defineStore, type Static } from "@botyard/core";
import { SqliteStore } from "./sqlite-store.js";

/** The settings under `store:` in bots.yaml (beside `type: sqlite`, or `use: "@botyard/store-sqlite"`). */
export const SqliteStoreConfig = Type.Object(
  {
    path: Type.Optional(Type.String({ default: ".botyard/state.db", description: "Database file, relative to bots.yaml." })),
  },
  { additionalProperties: false },
);
export type SqliteStoreConfig = Static<typeof SqliteStoreConfig>;

/** The SQLite store as bots.yaml names it: the host's default. */
export const sqliteStore = defineStore({
  name: "sqlite",
  description: "Embedded SQLite database (the default): one host, no server needed.",
  config: SqliteStoreConfig,
  open: (config, { configDir }) => SqliteStore.open(resolve(configDir, config.path ?? ".botyard/state.db")),
});
