import {
  BotyardError,
  Engine,
  ErrorCodes,
  createContainer,
  prepareBot,
  triggerConflictErrors,
  type BotSpec,
  type Container,
  type EngineObserver,
  type Logger,
  type PreparedBot,
  type StoreBackend,
  type WebClient,
} from "@botyard/core";
import type { ConfigProblem } from "../config/config-error.js";
import { readablePath } from "../config/config-source.js";
import type { LoadedConfig } from "../config/load-config.js";
import { queueOptions } from "../config/queue-options.js";
import { loadPlugins, type SpecOrigin } from "../loader/load-plugins.js";
import { describeLoad } from "../loader/stale-build.js";
import { loadStore, type ChosenStore } from "../store/load-store.js";

export interface CheckedBots {
  specs: BotSpec[];
  /** Every bot prepared once (config validated, setup run) in `container`, or the error that failed it. */
  prepared: Map<string, PreparedBot | Error>;
  container: Container;
  /** Problems that refuse a start (bad plugin, bad plugin config, bad store, trigger conflicts). */
  problems: ConfigProblem[];
  /** The store bots.yaml chose, its settings checked, not opened; undefined when it has problems. */
  store: ChosenStore | undefined;
  /** Bots whose setup threw: reported failed; the host runs the others. */
  setupFailures: ConfigProblem[];
}

/**
 * Everything that can refuse a config, with nothing opened: loads plugins and the store package,
 * validates each bot's config and runs its setup (once: the engine is later given these prepared
 * bots), and finds trigger conflicts. A refused config leaves no database file behind and does
 * not need Redis up to be told what is wrong.
 */
export async function checkBots(loaded: LoadedConfig, log: Logger): Promise<CheckedBots> {
  const { specs, origins, problems } = await loadPlugins(loaded, log);
  const chosen = await loadStore(loaded.config.store, loaded.dir, loaded.source);
  problems.push(...chosen.problems);
  const container = createContainer();
  const prepared = new Map<string, PreparedBot | Error>();
  for (const spec of specs) {
    try {
      prepared.set(spec.id, prepareBot(spec, { logger: log, container }));
    } catch (error) {
      prepared.set(spec.id, error as Error);
    }
  }
  const ready = [...prepared.values()].filter((bot): bot is PreparedBot => !(bot instanceof Error));
  for (const [id, conflict] of triggerConflictErrors(ready)) prepared.set(id, conflict);

  const setupFailures: ConfigProblem[] = [];
  for (const [id, outcome] of prepared) {
    if (!(outcome instanceof Error)) continue;
    const origin = origins.get(id)!;
    if (outcome instanceof BotyardError && outcome.code === ErrorCodes.PLUGIN_CONFIG_INVALID) {
      // A bot whose config is invalid is no bot at all (the engine is not given it), not a failed one.
      problems.push(...configIssues(loaded, id, origin, outcome));
      prepared.delete(id);
    } else if (outcome instanceof BotyardError && outcome.code === ErrorCodes.TRIGGER_CONFLICT) problems.push(failure(loaded, origin.index, outcome));
    else setupFailures.push(failure(loaded, origin.index, outcome));
  }
  return { specs: specs.filter((spec) => prepared.has(spec.id)), prepared, container, problems, setupFailures, store: chosen.store };
}

/** The engine on an open store, with the bots `checkBots` prepared (not prepared again). */
export function buildEngine(
  loaded: LoadedConfig,
  checked: CheckedBots,
  deps: { slack: WebClient; store: StoreBackend; log: Logger; observers?: EngineObserver[]; owner?: string; redact?: (text: string) => string },
): Engine {
  const engine = new Engine({
    slack: deps.slack,
    store: deps.store,
    logger: deps.log,
    container: checked.container,
    dryRun: loaded.config.dryRun ?? false,
    ...(loaded.config.startTimeoutMs !== undefined ? { startTimeoutMs: loaded.config.startTimeoutMs } : {}),
    ...(loaded.config.queue ? { queue: queueOptions(loaded.config.queue) } : {}),
    ...(deps.observers ? { observers: deps.observers } : {}),
    ...(deps.owner ? { owner: deps.owner } : {}),
    ...(deps.redact ? { redact: deps.redact } : {}),
  });
  engine.load(checked.specs, checked.prepared);
  return engine;
}

/** `checkBots` then `buildEngine` on a store that needs no opening: what `validate`, `list` and `schema` share. */
export async function bootstrap(
  loaded: LoadedConfig,
  deps: { slack: WebClient; store: StoreBackend; log: Logger },
): Promise<Omit<CheckedBots, "prepared" | "container" | "specs"> & { engine: Engine }> {
  const checked = await checkBots(loaded, deps.log);
  const engine = buildEngine(loaded, checked, deps);
  return { engine, problems: checked.problems, setupFailures: checked.setupFailures, store: checked.store };
}

/** A bot's config issues, each located in bots.yaml, with where its plugin was loaded from. */
function configIssues(loaded: LoadedConfig, id: string, origin: SpecOrigin, error: BotyardError): ConfigProblem[] {
  const { imported, index } = origin;
  const at = `/bots/${index}`;
  // A field the plugin "does not know" is often one its author just added to src/ without
  // rebuilding: say which file was loaded, and whether it is older than the sources.
  const hint = describeLoad(imported.file, imported.stale, imported.packageDir, loaded.dir);
  const issues = (error.details as { issues: Array<{ path: string; message: string; target?: "key" | "value" }> }).issues;
  return issues.map((issue) => ({
    code: ErrorCodes.PLUGIN_CONFIG_INVALID,
    where: loaded.source.where(`${at}/config${issue.path}`, issue.target),
    path: readablePath(`${at}/config${issue.path}`),
    message: `${issue.message} (bot "${id}", plugin ${imported.plugin.name})`,
    hint,
  }));
}

/** A failed setup or a trigger conflict, pointing at the config value it names when there is one. */
function failure(loaded: LoadedConfig, index: number, error: Error): ConfigProblem {
  const code = error instanceof BotyardError ? error.code : ErrorCodes.PLUGIN_SETUP_FAILED;
  const conflict = code === ErrorCodes.TRIGGER_CONFLICT;
  const value = (error as { details?: { value?: unknown } }).details?.value;
  // A value the plugin passed on from its config (a timezone, a cron pattern): point at its line.
  const at = typeof value === "string" ? pathOfValue(loaded.config.bots[index]?.config, value) : undefined;
  const pointer = at === undefined ? `/bots/${index}` : `/bots/${index}/config${at}`;
  return {
    code: conflict ? ErrorCodes.TRIGGER_CONFLICT : ErrorCodes.PLUGIN_SETUP_FAILED,
    where: loaded.source.where(pointer),
    path: readablePath(pointer),
    message: error.message.split("\n")[0]!,
    ...(conflict ? { hint: "Slash commands and mention keywords are exclusive: give each bot its own." } : {}),
  };
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
