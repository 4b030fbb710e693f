// Only the functions used: the package's main entry loads ~50 modules, all paid at start-up.
import { semverMajor as major, semverSatisfies as satisfies, semverValidRange as validRange } from "../vendor/plugin-resolution.js";
import {
  CORE_LOCATION,
  CORE_VERSION,
  ErrorCodes,
  PLUGIN_MARK,
  isPlugin,
  type BotSpec,
  type Logger,
  type Plugin,
} from "@botyard/core";
import type { ConfigProblem } from "../config/config-error.js";
import { readablePath } from "../config/config-source.js";
import type { LoadedConfig } from "../config/load-config.js";
import { fileURLToPath } from "node:url";
import { PluginNotFound, resolvePlugin } from "./resolve-plugin.js";
import { describeLoad, staleBuild, type StaleBuild } from "./stale-build.js";

/** Where a bot spec came from: its entry in bots.yaml and the plugin module imported for it. */
export interface SpecOrigin {
  index: number;
  imported: ImportedPlugin;
}

/**
 * Turns the config's `bots:` into bot specs: resolves and imports each plugin (once per package),
 * checks its core range against this core and notices a second copy of core. Every problem comes
 * back located in bots.yaml. Each bot's config is checked against its plugin's schema once, when
 * the bot is prepared (`checkBots`), which locates its issues through `origins`.
 */
export async function loadPlugins(
  loaded: LoadedConfig,
  log: Logger,
): Promise<{ specs: BotSpec[]; origins: Map<string, SpecOrigin>; problems: ConfigProblem[] }> {
  const { config, source, dir } = loaded;
  const problems: ConfigProblem[] = [];
  const specs: BotSpec[] = [];
  const origins = new Map<string, SpecOrigin>();
  const cache = new Map<string, Promise<ImportedPlugin | ConfigProblem>>();

  for (const [i, entry] of config.bots.entries()) {
    if (entry.enabled === false) continue;
    const at = `/bots/${i}`;
    let pending = cache.get(entry.use);
    if (!pending) {
      pending = importPlugin(entry.use, dir, source.where(`${at}/use`), `bots[${i}].use`, log);
      cache.set(entry.use, pending);
    }
    const result = await pending;
    if ("code" in result) {
      problems.push(result);
      continue;
    }
    origins.set(entry.id, { index: i, imported: result });
    specs.push({
      id: entry.id,
      plugin: result.plugin,
      config: entry.config ?? {},
      dryRun: entry.dryRun ?? false,
      source: result.packageName ?? entry.use,
      ...(result.version ? { version: result.version } : {}),
    });
  }
  return { specs, origins, problems };
}

export interface ImportedPlugin {
  plugin: Plugin;
  packageName?: string;
  version?: string;
  /** The module imported, and the package it belongs to. */
  file: string;
  packageDir?: string;
  /** Set when that module is older than a file of the package's src/ (edited, not rebuilt). */
  stale?: StaleBuild;
}

/** Resolves, imports and checks one plugin; a ConfigProblem (located at `where`) when it cannot be used. */
export async function importPlugin(use: string, dir: string, where: string, path: string, log: Logger): Promise<ImportedPlugin | ConfigProblem> {
  let resolved;
  try {
    resolved = resolvePlugin(use, dir);
  } catch (error) {
    if (!(error instanceof PluginNotFound)) throw error;
    const isPath = use.startsWith(".") || use.startsWith("/");
    return {
      code: ErrorCodes.PLUGIN_NOT_FOUND,
      where,
      path,
      message: `cannot find plugin "${use}": ${error.reason}`,
      hint: isPath ? "Check the path; it is relative to the directory of bots.yaml." : `Install it beside bots.yaml: npm install ${use}`,
    };
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(resolved.url)) as Record<string, unknown>;
  } catch (cause) {
    return {
      code: ErrorCodes.PLUGIN_INVALID,
      where,
      path,
      message: `plugin "${use}" failed to load: ${(cause as Error).message}`,
      hint: "Build the plugin (its entry point must be an ES module) and check its dependencies are installed.",
    };
  }
  const plugin = [mod.default, mod.plugin, (mod.default as Record<string, unknown> | undefined)?.default].find(isPlugin);
  if (!plugin) {
    return {
      code: ErrorCodes.PLUGIN_INVALID,
      where,
      path,
      message: `"${use}" is not a Botyard plugin: it must export definePlugin({...}) as its default export (or as "plugin")`,
    };
  }
  const range = plugin.core;
  if (!validRange(range)) {
    return { code: ErrorCodes.CORE_VERSION_MISMATCH, where, path, message: `plugin "${plugin.name}" declares core: ${JSON.stringify(range)}, which is not a semver range` };
  }
  if (!satisfies(CORE_VERSION, range, { includePrerelease: true })) {
    return {
      code: ErrorCodes.CORE_VERSION_MISMATCH,
      where,
      path,
      message: `plugin "${plugin.name}" supports @botyard/core ${range}, but this host runs core ${CORE_VERSION}`,
      hint: `Install a version of ${resolved.packageName ?? use} made for core ${CORE_VERSION}, or a host whose core matches ${range}.`,
    };
  }
  const mark = plugin[PLUGIN_MARK];
  if (mark.coreLocation !== CORE_LOCATION) {
    // Plugins are plain data, so a second copy of core works as long as it is compatible; it is
    // still worth a warning, because services and tokens from two copies are easy to confuse.
    if (major(mark.coreVersion) !== major(CORE_VERSION) || !satisfies(mark.coreVersion, range, { includePrerelease: true })) {
      return {
        code: ErrorCodes.CORE_VERSION_MISMATCH,
        where,
        path,
        message: `plugin "${plugin.name}" was built with its own copy of @botyard/core ${mark.coreVersion} (${mark.coreLocation}), incompatible with the host's core ${CORE_VERSION}`,
        hint: "Plugins must take @botyard/core as a peer dependency; reinstall so one core is shared (npm dedupe).",
      };
    }
    log.warn(
      { plugin: plugin.name, pluginCore: mark.coreVersion, pluginCoreAt: mark.coreLocation, hostCore: CORE_VERSION, hostCoreAt: CORE_LOCATION },
      "plugin brought a second copy of @botyard/core; compatible, but install core once (peer dependency)",
    );
  }
  const file = fileURLToPath(resolved.url);
  const stale = staleBuild(file, resolved.packageDir);
  if (stale) log.warn({ plugin: plugin.name, loaded: stale.loaded, newerSource: stale.newerSource }, `plugin "${plugin.name}": ${describeLoad(file, stale, resolved.packageDir, dir)}`);
  return {
    plugin,
    file,
    ...(resolved.packageDir ? { packageDir: resolved.packageDir } : {}),
    ...(stale ? { stale } : {}),
    ...(resolved.packageName ? { packageName: resolved.packageName } : {}),
    ...((plugin.version ?? resolved.packageVersion) ? { version: plugin.version ?? resolved.packageVersion } : {}),
  };
}
