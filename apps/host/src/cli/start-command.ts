import { inspect } from "node:util";
import type { Logger } from "@botyard/core";
import { loadConfig } from "../config/load-config.js";
import { startHost } from "../runtime/host.js";
import { exitOnSignals } from "../shutdown/graceful-shutdown.js";
import type { CliIO } from "./run-cli.js";

/** `botyard start`: runs until SIGTERM/SIGINT, then stops gracefully and exits 0. */
export async function startCommand(configPath: string, io: CliIO): Promise<number> {
  const loaded = loadConfig(configPath, io.env);
  let log: Logger | undefined;
  // An exception nothing catches (thrown from a timer in some bot's code) ends the process, as
  // Node would end it; but Node's own report prints the error as it is, secrets and all, so it is
  // reported through the scrubbed log instead (through scrubbed stderr while the host starts).
  const onUncaught = (error: unknown) => {
    if (log) log.fatal({ err: error }, "uncaught exception in bot code: exiting");
    else io.stderr.write(`botyard start: uncaught exception\n${inspect(error, { depth: 4 })}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", onUncaught);
  let host;
  try {
    host = await startHost(loaded, { ...pingTimeout(io.env), env: io.env });
  } catch (error) {
    process.off("uncaughtException", onUncaught);
    throw error;
  }
  log = host.log;
  // A stray rejection in some bot's code is that bot's failure, not the host's.
  process.on("unhandledRejection", (reason) => host.log.error({ err: reason }, "unhandled promise rejection (kept running)"));
  // SIGHUP re-reads bots.yaml (as `botyard reload` does); the outcome is logged by the reload.
  const running = host;
  process.on("SIGHUP", () => {
    running.log.info({ signal: "SIGHUP" }, "signal received: reloading bots.yaml");
    running.reload().catch((error: unknown) => running.log.error({ err: error }, "reload failed"));
  });
  return new Promise<number>((resolve) => {
    exitOnSignals(() => host.stop(), host.log, resolve);
  });
}

// An operator knob for flaky networks and a test knob for fast reconnects; Slack's default otherwise.
function pingTimeout(env: NodeJS.ProcessEnv): { clientPingTimeoutMs?: number } {
  const value = Number(env.BOTYARD_SOCKET_PING_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? { clientPingTimeoutMs: value } : {};
}
