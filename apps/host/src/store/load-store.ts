import { ErrorCodes, isStoreFactory, memoryStore, validateStoreConfig, type StoreFactory } from "@botyard/core";
import type { ConfigProblem } from "../config/config-error.js";
import { STORE_ALIASES, type StoreConfigValue } from "../config/config-schema.js";
import { readablePath, type ConfigSource } from "../config/config-source.js";
import { PluginNotFound, resolvePlugin } from "../loader/resolve-plugin.js";

/** The store bots.yaml chose, loaded and with its settings checked: ready to open. */
export interface ChosenStore {
  factory: StoreFactory;
  /** The store's own settings (everything under `store:` but `use` and `type`), defaults applied. */
  config: unknown;
  /** What bots.yaml named: the package of `use:`, or the package a `type:` shorthand stands for. */
  use: string;
}

/** Where a problem with the store is, in bots.yaml (or, without one, in the value given). */
type Locate = (pointer: string, target?: "key" | "value") => string;

/** Without `store:` in bots.yaml: SQLite at .botyard/state.db beside it. */
const DEFAULT_STORE: StoreConfigValue = { type: "sqlite" };

/**
 * Resolves and imports the store package bots.yaml names (`use:`, from the config's directory
 * like a plugin; a `type:` shorthand, from the host's own dependencies), and checks the settings
 * beside it against the schema the package declares. Opens nothing. Every problem comes back
 * located in bots.yaml, like a plugin's.
 */
export async function loadStore(store: StoreConfigValue | undefined, configDir: string, source?: ConfigSource): Promise<{ store?: ChosenStore; problems: ConfigProblem[] }> {
  const where: Locate = source ? (pointer, target) => source.where(pointer, target) : () => "store";
  const { use, type, ...settings } = store ?? DEFAULT_STORE;
  if (use !== undefined && type !== undefined) {
    return problem(where("/store/type"), "store.type", ErrorCodes.CONFIG_INVALID, `cannot be given with store.use (${JSON.stringify(use)})`, "Name the store once: use: for a package, or type: for a built-in one.");
  }
  if (use === undefined && type === undefined) {
    return problem(where("/store"), "store", ErrorCodes.CONFIG_INVALID, "needs use: (a store package) or type: (sqlite, redis or memory)", 'For one host, write store: { type: sqlite }; for replicas, store: { type: redis, url: "${REDIS_URL}" }.');
  }
  const imported = use !== undefined ? await importStore(use, configDir, where("/store/use"), "store.use") : await builtinStore(type!, where("/store/type"));
  if ("problems" in imported) return imported;
  const named = use ?? STORE_ALIASES[type!];
  const checked = validateStoreConfig(imported.factory, settings);
  if (!checked.ok) {
    return {
      problems: checked.issues.map((issue) => ({
        code: ErrorCodes.STORE_CONFIG_INVALID,
        where: where(`/store${issue.path}`, issue.target),
        path: readablePath(`/store${issue.path}`),
        message: `${issue.message} (store ${imported.factory.name})`,
      })),
    };
  }
  return { store: { factory: imported.factory, config: checked.value, use: named }, problems: [] };
}

/** The stores `store.type` names, loaded: what `botyard schema` and the docs describe besides the one a bots.yaml chose. */
export async function builtinStores(): Promise<Array<{ use: string; type: keyof typeof STORE_ALIASES; factory: StoreFactory }>> {
  const types = Object.keys(STORE_ALIASES) as Array<keyof typeof STORE_ALIASES>;
  const loaded = await Promise.all(types.map(async (type) => ({ use: STORE_ALIASES[type], type, found: await builtinStore(type, "store.type") })));
  return loaded.flatMap(({ use, type, found }) => ("factory" in found ? [{ use, type, factory: found.factory }] : []));
}

async function builtinStore(type: keyof typeof STORE_ALIASES, where: string): Promise<{ factory: StoreFactory } | { problems: ConfigProblem[] }> {
  if (type === "memory") return { factory: memoryStore };
  // The host's own dependencies, whatever is installed beside bots.yaml; imported on demand, so a
  // host on another store never loads better-sqlite3 or ioredis.
  const mod = (type === "sqlite" ? await import("@botyard/store-sqlite") : await import("@botyard/store-redis")) as Record<string, unknown>;
  return factoryOf(mod, STORE_ALIASES[type], where, "store.type");
}

async function importStore(use: string, configDir: string, where: string, path: string): Promise<{ factory: StoreFactory } | { problems: ConfigProblem[] }> {
  let url: string;
  try {
    url = resolvePlugin(use, configDir).url;
  } catch (error) {
    if (!(error instanceof PluginNotFound)) throw error;
    // The stores the host depends on are there even when nothing is installed beside bots.yaml.
    const builtin = Object.entries(STORE_ALIASES).find(([, pkg]) => pkg === use)?.[0] as keyof typeof STORE_ALIASES | undefined;
    if (builtin) return builtinStore(builtin, where);
    const isPath = use.startsWith(".") || use.startsWith("/");
    return problem(where, path, ErrorCodes.STORE_NOT_FOUND, `cannot find store "${use}": ${error.reason}`, isPath ? "Check the path; it is relative to the directory of bots.yaml." : `Install it beside bots.yaml: npm install ${use}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    return problem(where, path, ErrorCodes.STORE_INVALID, `store "${use}" failed to load: ${(cause as Error).message}`, "Build the store package (its entry point must be an ES module) and check its dependencies are installed.");
  }
  return factoryOf(mod, use, where, path);
}

function factoryOf(mod: Record<string, unknown>, use: string, where: string, path: string): { factory: StoreFactory } | { problems: ConfigProblem[] } {
  const factory = [mod.default, mod.store, (mod.default as Record<string, unknown> | undefined)?.default].find(isStoreFactory);
  if (factory) return { factory };
  return problem(where, path, ErrorCodes.STORE_INVALID, `"${use}" is not a Botyard store: it must export defineStore({...}) as its default export (or as "store")`, "See docs/writing-a-store.md.");
}

function problem(where: string, path: string, code: ConfigProblem["code"], message: string, hint: string): { problems: ConfigProblem[] } {
  return { problems: [{ code, where, path, message, hint }] };
}
