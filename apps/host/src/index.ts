// @botyard/host: run Botyard bots from a bots.yaml, programmatically or with the `botyard` CLI.
export { loadConfig } from "./config/load-config.js";
export type { LoadedConfig } from "./config/load-config.js";
export { HostConfigSchema } from "./config/config-schema.js";
export type { HostConfig, BotEntryConfig, StoreConfigValue } from "./config/config-schema.js";
export { ConfigError } from "./config/config-error.js";
export type { ConfigProblem } from "./config/config-error.js";
export { startHost } from "./runtime/host.js";
export type { HostOptions, RunningHost } from "./runtime/host.js";
export { createStore } from "./store/create-store.js";
export { STORE_ALIASES } from "./config/config-schema.js";
export { run as runCli } from "./cli/run-cli.js";
export { configurationReference, withReference, updateDoc } from "./docs/write-docs.js";
export { schemaReference } from "./docs/schema-reference.js";
export type { JsonSchema } from "./docs/schema-reference.js";
export { botsYamlSchema } from "./schema/bots-schema.js";
