import type { ActionRecord } from "../actions/action.js";
import type { MetricSample } from "../metrics/plugin-metrics.js";
import type { DeadLetter } from "./dead-letter.js";

/** Hooks for metrics and tests; every method is optional. */
export interface EngineObserver {
  /** A Slack envelope or webhook request arrived (before routing). */
  received?(source: "slack" | "webhook", type: string): void;
  runStarted?(run: RunInfo): void;
  runFinished?(run: RunInfo & { ok: boolean; durationMs: number; error?: unknown }): void;
  action?(record: ActionRecord): void;
  slackCall?(method: string, outcome: "ok" | "error" | "rate_limited"): void;
  scheduleSucceeded?(bot: string, trigger: string, at: Date): void;
  /**
   * A tick this process woke for did not run: the store could not claim it (`store_unavailable`)
   * or the previous run still held the trigger (`overrun`). Ticks another replica claimed are not
   * reported: they ran there.
   */
  scheduleSkipped?(bot: string, trigger: string, at: Date, reason: ScheduleSkipReason): void;
  /** A durable job failed for the last time and was kept as a dead letter. */
  deadLetter?(letter: DeadLetter): void;
  /** A plugin reported a metric (`ctx.metrics`). */
  metric?(sample: MetricSample): void;
  /** A bot changed state (started, failed). */
  botState?(bot: string, state: BotState, reason?: string): void;
  /** A bot was removed from the running host (a reload of a config without it). */
  botRemoved?(bot: string): void;
}

export interface RunInfo {
  bot: string;
  plugin: string;
  trigger: string;
  kind: string;
  runId: string;
}

export type ScheduleSkipReason = "store_unavailable" | "overrun";

export type BotState = "loaded" | "running" | "failed" | "stopped";
