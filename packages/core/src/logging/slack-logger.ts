import type { Logger as SlackLogger, LogLevel } from "@slack/web-api";
import type { Logger } from "./logger.js";

/** The Slack clients' logger interface over pino, so their lines are scrubbed like ours. */
export function toSlackLogger(log: Logger): SlackLogger {
  let level = "info" as LogLevel;
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    // The Slack clients log every frame at debug: format nothing unless the level is on.
    debug: (...msg: unknown[]) => log.isLevelEnabled("debug") && log.debug(fmt(msg)),
    info: (...msg: unknown[]) => log.isLevelEnabled("info") && log.info(fmt(msg)),
    warn: (...msg: unknown[]) => log.warn(fmt(msg)),
    error: (...msg: unknown[]) => log.error(fmt(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
