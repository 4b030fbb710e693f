import type { Static, TSchema } from "typebox";
import { validateAgainst, type Validated } from "../config/validate.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import { CORE_LOCATION, CORE_VERSION } from "../version.js";
import type { StoreBackend } from "./store.js";

/** What a store is given besides its settings when the host opens it. */
export interface StoreOpenContext {
  /** Directory of bots.yaml: relative paths in the settings resolve from here. */
  configDir: string;
  /** A logger for the store's own events (reconnects, slow commands); secrets are scrubbed by the host. */
  logger: Logger;
}

/** What a store package's author writes. */
export interface StoreDefinition<S extends TSchema = TSchema> {
  /** Short name, shown in logs, `/readyz` and metrics (`sqlite`, `redis`, `postgres`). */
  name: string;
  description?: string;
  /**
   * A typebox schema for the settings beside `use:` under `store:` in bots.yaml (`use` and `type`
   * themselves excluded); defaults are applied before `open`. The host reports every mismatch
   * with its line in bots.yaml before it opens anything.
   */
  config: S;
  /**
   * Opens the backend. It is called once per host start, only after the whole config is known
   * good, so it may create files and connect. Reject with a BotyardError (BOTYARD_ERR_STORE,
   * BOTYARD_ERR_STORE_LOCKED...) that says what to do when the store cannot be used.
   */
  open(config: Static<S>, context: StoreOpenContext): Promise<StoreBackend> | StoreBackend;
}

/** Marks a store factory and records which copy of core made it. */
export const STORE_MARK: unique symbol = Symbol.for("botyard:store") as never;

export type StoreFactory<S extends TSchema = TSchema> = StoreDefinition<S> & { readonly [STORE_MARK]: { coreVersion: string; coreLocation: string } };

/**
 * Declares a store backend. The returned object is what a store package exports (as default or as
 * `store`), so that bots.yaml can name the package: `store: { use: "@acme/botyard-store-postgres", url: ... }`.
 *
 * ```ts
 * export default defineStore({
 *   name: "postgres",
 *   config: Type.Object({ url: Type.String() }, { additionalProperties: false }),
 *   open: (config, { logger }) => PostgresStore.connect(config.url, logger),
 * });
 * ```
 *
 * Check the backend with `describeStoreContract` from @botyard/testing.
 */
export function defineStore<S extends TSchema>(definition: StoreDefinition<S>): StoreFactory<S> {
  if (!definition || typeof definition.name !== "string" || !definition.name) {
    throw new BotyardError(ErrorCodes.STORE_INVALID, "defineStore needs a `name`.");
  }
  if (typeof definition.config !== "object" || definition.config === null) {
    throw new BotyardError(ErrorCodes.STORE_INVALID, `Store "${definition.name}" needs a config schema.`, {
      hint: "Pass config: Type.Object({...}) (an empty Type.Object({}) when it takes no settings).",
    });
  }
  if (typeof definition.open !== "function") {
    throw new BotyardError(ErrorCodes.STORE_INVALID, `Store "${definition.name}" needs an open(config, context) function.`);
  }
  return Object.freeze({ ...definition, [STORE_MARK]: { coreVersion: CORE_VERSION, coreLocation: CORE_LOCATION } });
}

/** Recognises a store factory made by any copy of core (no `instanceof`: copies do not share classes). */
export function isStoreFactory(value: unknown): value is StoreFactory {
  return typeof value === "object" && value !== null && STORE_MARK in value;
}

/** Checks `raw` (the store's settings) against the factory's schema, defaults applied. */
export function validateStoreConfig<S extends TSchema>(factory: StoreFactory<S>, raw: unknown): Validated<Static<S>> {
  return validateAgainst<Static<S>>(factory.config, raw);
}
