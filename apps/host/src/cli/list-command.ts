import { MemoryStore, createSlackClient, silentLogger, type BotState, type BotStatus } from "@botyard/core";
import { loadConfig } from "../config/load-config.js";
import { bootstrap } from "../runtime/bootstrap.js";
import type { CliIO } from "./run-cli.js";

/** A bot as listed: what a running host reports, or what the config would run. */
type ListedBot = Omit<BotStatus, "state"> & { state: BotState | "not running" | "disabled" };

/**
 * `botyard list`: every bot with its plugin and version, state, triggers, the next run of each
 * schedule, last run and last error. It asks the running host (`/status` on its admin side); when
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
    const log = silentLogger();
    const slack = createSlackClient({ token: "xoxb-list", logger: log });
    const { engine } = await bootstrap(loaded, { slack, store: new MemoryStore(), log });
    const listed: ListedBot[] = engine.status().map((b) => ({ ...b, state: b.state === "loaded" ? "not running" : b.state }));
    const disabled = loaded.config.bots.filter((b) => b.enabled === false);
    for (const b of disabled) listed.push({ id: b.id, plugin: b.use, state: "disabled", dryRun: b.dryRun ?? false, triggers: [] });
    bots = listed;
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ source, bots }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${source}\n\n`);
  for (const bot of bots) {
    const state = `${bot.state}${bot.dryRun ? " (dry-run)" : ""}${bot.reason ? `: ${bot.reason.split("\n")[0]}` : ""}`;
    io.stdout.write(`${bot.id}  ${bot.plugin}${bot.version ? `@${bot.version}` : ""}${bot.source && bot.source !== bot.plugin ? ` (${bot.source})` : ""}  ${state}\n`);
    for (const t of bot.triggers) {
      const parts = [t.description];
      if (t.nextRun) parts.push(`next ${t.nextRun}`);
      if (t.lastRun) parts.push(`last ${t.lastRun} (${t.runs} runs, ${t.errors} errors)`);
      if (t.lastError) parts.push(`last error: ${t.lastError.split("\n")[0]}`);
      io.stdout.write(`    ${t.name}: ${parts.join("; ")}\n`);
    }
  }
  return 0;
}
