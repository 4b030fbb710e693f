// @botyard/store-sqlite: the embedded SQLite store, for one host (the host's default store).
export { sqliteStore as default, sqliteStore, SqliteStoreConfig } from "./store-factory.js";
export { SqliteStore } from "./sqlite-store.js";
export type { SqliteStoreOptions } from "./sqlite-store.js";
