import type { WebClient } from "@slack/web-api";
import type { BotInfo } from "../context/context.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import { token } from "./tokens.js";

/** Services every bot's container holds. */
export const Tokens = {
  /** The host's Slack WebClient. */
  Slack: token<WebClient>("slack"),
  /** The bot's namespace of the store. */
  Store: token<Store>("store"),
  /** The bot's logger. */
  Logger: token<Logger>("logger"),
  /** The bot's validated config. */
  Config: token<unknown>("config"),
  /** The bot's id, plugin and dry-run flag. */
  Bot: token<BotInfo>("bot"),
  /** The time, the system's unless a test or the host registered another (see `Clock`). */
  Clock: token<Clock>("clock"),
} as const;
