import type { Logger as SlackLogger, LogLevel } from "@slack/web-api";
import type { Logger } from "./logger.js";

/** The Slack clients' logger interface over pino, so their lines are scrubbed like ours. */
export function toSlackLogger(log: Logger): SlackLogger {
  let level = "info" as LogLevel;
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    debug: (...msg: unknown[]) => log.debug(fmt(msg)),
    info: (...msg: unknown[]) => log.info(fmt(msg)),
    warn: (...msg: unknown[]) => log.warn(fmt(msg)),
    error: (...msg: unknown[]) => log.error(fmt(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
