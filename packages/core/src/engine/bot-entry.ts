import type { PluginMetrics } from "../metrics/plugin-metrics.js";
import type { Store } from "../store/store.js";
import type { ActiveTrigger } from "../triggers/trigger.js";
import type { BotState } from "./observer.js";
import type { BotSpec, PreparedBot } from "./prepare-bot.js";

/** A trigger's counters, for `status()`. */
export interface TriggerStats {
  runs: number;
  errors: number;
  lastRun?: number;
  lastError?: string;
}

/** What the engine holds for one bot: its spec, its prepared registrations, its state and counters. */
export interface BotEntry {
  id: string;
  spec: BotSpec;
  prepared: PreparedBot | undefined;
  state: BotState;
  reason?: string;
  code?: string;
  value?: string;
  store: Store;
  /** The bot's `ctx.metrics`. */
  metrics: PluginMetrics;
  active: Map<string, ActiveTrigger>;
  stats: Map<string, TriggerStats>;
  /** The bot's runs going on, so that a reload that removes it can wait for them. */
  inflight: Set<Promise<unknown>>;
  lastRun?: number;
  lastError?: string;
}
