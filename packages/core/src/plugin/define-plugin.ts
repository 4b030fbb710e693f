import type { Static, TSchema } from "typebox";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import { CORE_LOCATION, CORE_VERSION } from "../version.js";
import type { PluginSlackNeeds } from "../slack-needs/slack-needs.js";
import type { Bot } from "./bot.js";

/** What a plugin author writes. */
export interface PluginDefinition<S extends TSchema = TSchema> {
  /** Short name, shown in logs and `botyard list` (the npm package name is known separately). */
  name: string;
  /** The @botyard/core versions this plugin works with, as a semver range (`^1.0.0`). Checked at load. */
  core: string;
  /** The plugin's own version, shown by `botyard list` (defaults to its package.json version). */
  version?: string;
  description?: string;
  /**
   * What the plugin needs from the Slack app beyond its triggers: the bot scopes of the Web API
   * methods it calls (`chat:write` for `chat.postMessage`...). The events its triggers listen to,
   * and the scopes those imply, follow from the triggers: `botyard manifest` adds them up.
   */
  slack?: PluginSlackNeeds<NoInfer<Static<S>>>;
  /** A typebox schema for the bot's `config:` in bots.yaml; defaults are applied before `setup`. */
  config: S;
  /**
   * Registers the bot's triggers and services. It must not do I/O: the host also loads plugins
   * for `validate`, `list` and `schema`. Put start-up I/O in `bot.onStart`.
   */
  // NoInfer: S comes from `config` alone. Without it the compiler also tries to infer S back
  // through typebox's Static<S> (a deep conditional type) from this signature, which cost about
  // 1.3 million type instantiations per definePlugin call (7 s and 500 MB to type-check a small
  // plugin); with it, a few thousand. The config stays fully typed.
  setup(bot: Bot<NoInfer<Static<S>>>, config: NoInfer<Static<S>>): void;
}

/** Marks a plugin object and records which copy of core made it. */
export const PLUGIN_MARK: unique symbol = Symbol.for("botyard:plugin") as never;

export interface PluginMark {
  coreVersion: string;
  coreLocation: string;
}

export type Plugin<S extends TSchema = TSchema> = PluginDefinition<S> & { readonly [PLUGIN_MARK]: PluginMark };

/**
 * Declares a plugin. The returned object is what the package exports (as default or as `plugin`).
 *
 * ```ts
 * export default definePlugin({
 *   name: "standup",
 *   core: "^1.0.0",
 *   config: Type.Object({ channel: Type.String() }),
 *   setup(bot, config) {
 *     bot.schedule("0 10 * * 1-5", async (ctx) => { await ctx.slack.chat.postMessage({ channel: config.channel, text: "Standup!" }); });
 *   },
 * });
 * ```
 */
export function definePlugin<S extends TSchema>(definition: PluginDefinition<S>): Plugin<S> {
  if (!definition || typeof definition.name !== "string" || !definition.name) {
    throw new BotyardError(ErrorCodes.PLUGIN_INVALID, "definePlugin needs a `name`.");
  }
  if (typeof definition.core !== "string" || !definition.core) {
    throw new BotyardError(ErrorCodes.PLUGIN_INVALID, `Plugin "${definition.name}" must declare the core versions it supports.`, {
      hint: `Add core: "^${CORE_VERSION}" to its definePlugin({...}).`,
    });
  }
  if (typeof definition.setup !== "function") {
    throw new BotyardError(ErrorCodes.PLUGIN_INVALID, `Plugin "${definition.name}" needs a setup(bot, config) function.`);
  }
  return Object.freeze({ ...definition, [PLUGIN_MARK]: { coreVersion: CORE_VERSION, coreLocation: CORE_LOCATION } });
}

/** Recognises a plugin made by any copy of core (no `instanceof`: copies do not share classes). */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === "object" && value !== null && PLUGIN_MARK in value;
}
