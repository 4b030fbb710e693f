import { Engine, ErrorCodes, type WebClient, type EngineObserver, type Logger, type StoreBackend } from "@botyard/core";
import type { ConfigProblem } from "../config/config-error.js";
import { readablePath } from "../config/config-source.js";
import type { LoadedConfig } from "../config/load-config.js";
import { loadPlugins } from "../loader/load-plugins.js";
import { loadStore, type ChosenStore } from "../store/load-store.js";

export interface Bootstrapped {
  engine: Engine;
  /** Problems that refuse a start (bad plugin, bad plugin config, bad store, trigger conflicts). */
  problems: ConfigProblem[];
  /** The store bots.yaml chose, its settings checked, not opened; undefined when it has problems. */
  store: ChosenStore | undefined;
  /** Bots whose setup threw: reported failed; the host runs the others. */
  setupFailures: ConfigProblem[];
}

/**
 * Loads plugins and the store package and sets up every bot in an engine, without starting
 * anything (the engine gets `deps.store`; the chosen store is not opened): what `start`,
 * `validate`, `list` and `schema` have in common.
 */
export async function bootstrap(
  loaded: LoadedConfig,
  deps: { slack: WebClient; store: StoreBackend; log: Logger; observers?: EngineObserver[]; owner?: string; redact?: (text: string) => string },
): Promise<Bootstrapped> {
  const { specs, problems } = await loadPlugins(loaded, deps.log);
  const chosen = await loadStore(loaded.config.store, loaded.dir, loaded.source);
  problems.push(...chosen.problems);
  const engine = new Engine({
    slack: deps.slack,
    store: deps.store,
    logger: deps.log,
    dryRun: loaded.config.dryRun ?? false,
    ...(loaded.config.startTimeoutMs !== undefined ? { startTimeoutMs: loaded.config.startTimeoutMs } : {}),
    ...(loaded.config.queue ? { queue: loaded.config.queue } : {}),
    ...(deps.observers ? { observers: deps.observers } : {}),
    ...(deps.owner ? { owner: deps.owner } : {}),
    ...(deps.redact ? { redact: deps.redact } : {}),
  });
  const setupFailures: ConfigProblem[] = [];
  const indexOf = new Map(loaded.config.bots.map((b, i) => [b.id, i]));
  const status = engine.load(specs);
  for (const bot of status) {
    if (bot.state !== "failed") continue;
    const i = indexOf.get(bot.id) ?? 0;
    const reason = bot.reason ?? "failed";
    const conflict = bot.code === ErrorCodes.TRIGGER_CONFLICT;
    // A value the plugin passed on from its config (a timezone, a cron pattern): point at its line.
    const at = bot.value === undefined ? undefined : pathOfValue(loaded.config.bots[i]?.config, bot.value);
    const pointer = at === undefined ? `/bots/${i}` : `/bots/${i}/config${at}`;
    const problem: ConfigProblem = {
      code: conflict ? ErrorCodes.TRIGGER_CONFLICT : ErrorCodes.PLUGIN_SETUP_FAILED,
      where: loaded.source.where(pointer),
      path: readablePath(pointer),
      message: reason.split("\n")[0]!,
      ...(conflict ? { hint: "Slash commands and mention keywords are exclusive: give each bot its own." } : {}),
    };
    (conflict ? problems : setupFailures).push(problem);
  }
  return { engine, problems, setupFailures, store: chosen.store };
}

/** The JSON pointer (below the bot's `config:`) of the first string equal to `value`, if the file holds one. */
function pathOfValue(config: unknown, value: string, at = ""): string | undefined {
  if (config === value) return at;
  if (!config || typeof config !== "object") return undefined;
  for (const [key, child] of Object.entries(config)) {
    const found = pathOfValue(child, value, `${at}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
