import type { WebClient } from "@slack/web-api";
import type { Container } from "../di/container.js";
import type { Logger } from "../logging/logger.js";
import type { PluginMetrics } from "../metrics/plugin-metrics.js";
import type { OnceOptions } from "./once.js";
import type { Store } from "../store/store.js";
import type { Actor } from "../slack/slack-types.js";

/** The bot a run belongs to. */
export interface BotInfo {
  readonly id: string;
  readonly plugin: string;
  /** This bot is configured dry (`dryRun: true` in bots.yaml); see `ctx.dryRun` for whether a run is. */
  readonly dryRun: boolean;
}

/** What every handler receives: one context per run (Probot-style), everything scoped to its bot. */
export interface BaseContext<E = unknown> {
  readonly bot: BotInfo;
  readonly trigger: { readonly kind: string; readonly name: string };
  /** Unique per run; on every log line of the run. */
  readonly runId: string;
  /**
   * This run is dry: its bot, or the whole host (`botyard start --dry-run`), runs dry. Actions
   * (Slack writes, `defineAction`s) are logged and skipped, and answer a stand-in result. Read
   * this, never Slack's answers, to skip what only makes sense after a real write (remembering a
   * message's ts, say).
   */
  readonly dryRun: boolean;
  /** What fired the trigger: the Slack event, the webhook request, the tick... */
  readonly event: E;
  /** The real Slack WebClient. Its write methods run as actions (logged, counted, skipped under dry-run). */
  readonly slack: WebClient;
  /** This bot's namespace of the host's store. */
  readonly store: Store;
  /** A pino child logger with bot, plugin, trigger and run id bound. */
  readonly log: Logger;
  /** Who caused the run, when a person did (a message, a command, a click). */
  readonly actor: Actor | undefined;
  /** The channel the trigger implies, if any (where `say` posts). */
  readonly channel: string | undefined;
  /**
   * The run's abort signal: aborted when the host's shutdown deadline passes with the run still
   * going, or when a durable job's claim is lost mid-run. It lives as long as the run: pass it to
   * the run's I/O (`fetch(url, { signal: ctx.signal })`), and what the I/O hangs on it goes away
   * with the run. For many requests in one run, `withChildSignal(ctx.signal, (signal) => ...)`
   * keeps one listener per request in flight.
   */
  readonly signal: AbortSignal;
  /** Gauges and counters about the bot's own work, on the host's `/metrics` (`botyard_plugin_<name>{bot=...}`). */
  readonly metrics: PluginMetrics;
  /** This bot's DI container (services registered with `bot.provide`, plus the built-in tokens). */
  readonly container: Container;
  /**
   * Posts to the implied channel (in the thread, when the trigger was a threaded message).
   * Throws `BOTYARD_ERR_NO_CHANNEL` where no channel is implied (schedules, webhooks).
   */
  say(message: string | SayMessage): Promise<{ channel: string; ts: string }>;
  /** Answers through the trigger's `response_url` (slash commands, block actions); ephemeral by default. */
  respond(message: string | RespondMessage): Promise<void>;
  /**
   * Runs a side effect as an action: logged with its arguments, counted, visible to tests, and
   * skipped under dry-run (then `dryRunResult` is returned instead).
   */
  act<T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }): Promise<T>;
  /**
   * Idempotency for side effects that must happen once: runs `effect` unless `key` is recorded as
   * done, then records it, and answers `{ ran: true, value }`, or `{ ran: false, reason: "done" }`
   * when it was done already. When another run is doing the same effect (two replicas, a retry
   * racing the original), it waits for that run: until it records the effect done, or fails (then
   * this run does it), or dies (its lease runs out within seconds; a durable job redelivered after
   * a crash takes over its own earlier attempt's lease at once). It never answers "done" for work
   * nobody did: it throws when the effect throws, when the store fails or when the run is aborted,
   * and a durable job is then retried, not acked. A crash after the effect and before the record
   * is the one window where it can repeat; keep `effect` to a single call to keep it small, and
   * give a `probe` that finds the effect (a message carrying the key) to close it.
   */
  once<T>(key: string, effect: () => Promise<T>, options?: OnceOptions): Promise<OnceResult<T>>;
}

export type OnceResult<T> =
  | { ran: true; value: T }
  | {
      ran: false;
      /**
       * Always "done". @deprecated "busy" is no longer answered (since core 1.x, `ctx.once` waits for
       * the other run instead); it stays in the type so that code checking for it still compiles.
       */
      reason: "done" | "busy";
    };

/** What `ctx.say` posts: chat.postMessage's arguments, the channel defaulting to the implied one. */
export interface SayMessage {
  channel?: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  reply_broadcast?: boolean;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  mrkdwn?: boolean;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
  /** Any other chat.postMessage argument. */
  [argument: string]: unknown;
}

export interface RespondMessage {
  text?: string;
  blocks?: unknown[];
  response_type?: "ephemeral" | "in_channel";
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
}

/** What a trigger adds to the context it creates. */
export interface ContextExtras {
  channel?: string;
  /** Thread of the triggering message: `say` answers there. */
  threadTs?: string;
  actor?: Actor;
  responseUrl?: string;
}
