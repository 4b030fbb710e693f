import { loadConfig } from "../config/load-config.js";
import { startHost } from "../runtime/host.js";
import { exitOnSignals } from "../shutdown/graceful-shutdown.js";
import type { CliIO } from "./run-cli.js";

/** `botyard start`: runs until SIGTERM/SIGINT, then stops gracefully and exits 0. */
export async function startCommand(configPath: string, io: CliIO): Promise<number> {
  const loaded = loadConfig(configPath, io.env);
  const host = await startHost(loaded, { ...pingTimeout(io.env) });
  // A stray rejection in some bot's code is that bot's failure, not the host's.
  process.on("unhandledRejection", (reason) => host.log.error({ err: reason }, "unhandled promise rejection (kept running)"));
  return new Promise<number>((resolve) => {
    exitOnSignals(() => host.stop(), host.log, resolve);
  });
}

// An operator knob for flaky networks and a test knob for fast reconnects; Slack's default otherwise.
function pingTimeout(env: NodeJS.ProcessEnv): { clientPingTimeoutMs?: number } {
  const value = Number(env.BOTYARD_SOCKET_PING_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? { clientPingTimeoutMs: value } : {};
}
