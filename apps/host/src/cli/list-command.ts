import { MemoryStore, offlineSlackClient, silentLogger, type BotState, type BotStatus } from "@botyard/core";
import type { ConfigProblem } from "../config/config-error.js";
import { readablePath } from "../config/config-source.js";
import { interpolate } from "../config/interpolate.js";
import { loadConfig, type LoadedConfig } from "../config/load-config.js";
import { bootstrap } from "../runtime/bootstrap.js";
import type { CliIO } from "./run-cli.js";

/**
 * A bot as listed: what a running host reports, or what the config would run. "invalid" is a bot
 * the config cannot set up here (unknown plugin, config its schema rejects, unset variable).
 */
type ListedBot = Omit<BotStatus, "state"> & {
  state: BotState | "not running" | "disabled" | "invalid";
  /** Scopes the bot needs that the running host's bot token lacks (see `botyard manifest`). */
  missingScopes?: string[];
  /** Dead letters the bot has in the store, as the running host counts them (absent without a host). */
  deadLetters?: number;
};

/**
 * `botyard list`: every bot with its plugin and version, state, triggers, the next run of each
 * schedule, last run and last error, and its dead letters. It asks the running host (`/status` on its admin side); when
 * none answers, it shows what the config would run, marked "not running".
 */
export async function listCommand(configPath: string, json: boolean, io: CliIO): Promise<number> {
  const loaded = loadConfig(configPath, io.env, { allowUnsetEnv: true });
  const http = loaded.config.http ?? {};
  const host = !http.host || http.host === "0.0.0.0" || http.host === "::" ? "127.0.0.1" : http.host;
  const port = http.adminPort ?? http.port ?? 3000;
  let bots: ListedBot[] | undefined;
  let source = `host at ${host}:${port}`;
  if (port !== 0) {
    try {
      const res = await fetch(`http://${host}:${port}/status`, { signal: AbortSignal.timeout(1_500) });
      if (res.ok) bots = ((await res.json()) as { bots: ListedBot[] }).bots;
    } catch {
      bots = undefined;
    }
  }
  if (!bots) {
    source = "config only: no host answered";
    bots = await fromConfig(loaded, io.env);
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ source, bots }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${source}\n\n`);
  for (const bot of bots) {
    const state = `${bot.state}${bot.dryRun ? " (dry-run)" : ""}${bot.reason ? `: ${bot.reason.split("\n")[0]}` : ""}`;
    const letters = bot.deadLetters ? `  ${bot.deadLetters} dead letter${bot.deadLetters === 1 ? "" : "s"} (botyard deadletters list --bot ${bot.id})` : "";
    io.stdout.write(`${bot.id}  ${bot.plugin}${bot.version ? `@${bot.version}` : ""}${bot.source && bot.source !== bot.plugin ? ` (${bot.source})` : ""}  ${state}${letters}\n`);
    for (const t of bot.triggers) {
      const parts = [t.description];
      if (t.nextRun) parts.push(`next ${t.nextRun}`);
      if (t.lastRun) parts.push(`last ${t.lastRun} (${t.runs} runs, ${t.errors} errors)`);
      if (t.lastError) parts.push(`last error: ${t.lastError.split("\n")[0]}`);
      io.stdout.write(`    ${t.name}: ${parts.join("; ")}\n`);
    }
    if (bot.missingScopes?.length) {
      io.stdout.write(`    missing Slack scopes: ${bot.missingScopes.join(", ")} (update the app from \`botyard manifest\` and reinstall it)\n`);
    }
  }
  if (bots.some((b) => b.state === "invalid")) io.stdout.write("\n`botyard validate` shows every problem with its line in the config.\n");
  // The store is the host's (SQLite holds its file exclusively): counts come from a running host only.
  if (source.startsWith("config only")) io.stdout.write("\nDead-letter counts come from a running host; none answered.\n");
  return 0;
}

/** Every bot of the config, in its order, as this config would set it up here (nothing started). */
async function fromConfig(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<ListedBot[]> {
  const log = silentLogger();
  const slack = offlineSlackClient("botyard list");
  const { engine, problems } = await bootstrap(loaded, { slack, store: new MemoryStore(), log });
  const set = new Map(engine.status().map((b) => [b.id, b]));
  const unset = unsetReferences(loaded, env);
  return loaded.config.bots.map((entry, i): ListedBot => {
    const dryRun = entry.dryRun ?? loaded.config.dryRun ?? false;
    if (entry.enabled === false) return { id: entry.id, plugin: entry.use, state: "disabled", dryRun, triggers: [] };
    const status = set.get(entry.id);
    if (status) return { ...status, state: status.state === "loaded" ? "not running" : status.state };
    // Not set up: the loader refused it. Its problems say why (a value left empty by an unset
    // variable is reported as that variable, which is what the operator has to fix).
    const own = problems.filter((p) => p.path === `bots[${i}]` || p.path.startsWith(`bots[${i}].`));
    const reasons = [...new Set(own.map((p) => reasonFor(p, unset)))];
    return {
      id: entry.id,
      plugin: entry.use,
      state: "invalid",
      dryRun,
      reason: reasons.join("; ") || "not loaded",
      ...(own[0] ? { code: own[0].code } : {}),
      triggers: [],
    };
  });
}

/** Readable path (`bots[1].config.secret`) of each value holding an unset `${VAR}`, with the names. */
function unsetReferences(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Map<string, string[]> {
  const unset = new Map<string, string[]>();
  interpolate(loaded.source.toJS() ?? {}, env, (bad) => {
    if (bad.problem !== "unset") return;
    const at = readablePath(bad.path);
    unset.set(at, [...(unset.get(at) ?? []), bad.name]);
  });
  return unset;
}

function reasonFor(problem: ConfigProblem, unset: Map<string, string[]>): string {
  for (const [at, names] of unset) {
    if (problem.path === at || problem.path.startsWith(`${at}.`) || problem.path.startsWith(`${at}[`)) {
      return `${names.length === 1 ? "environment variable" : "environment variables"} ${names.join(", ")} ${names.length === 1 ? "is" : "are"} not set (${at})`;
    }
  }
  return `${problem.path}: ${problem.message}`;
}
