import type { Logger } from "../logging/logger.js";
import type { EnqueueOptions, EnqueueResult, Store } from "../store/store.js";
import type { BaseContext, ContextExtras } from "../context/context.js";
import type { SlackEnvelope } from "../slack/slack-types.js";
import type { TriggerSlackNeeds } from "../slack-needs/slack-needs.js";

/**
 * A trigger: something that makes a bot run. The built-in kinds (schedule, webhook, Slack events,
 * slash commands, block actions) implement this interface with nothing private, so a third party
 * can add a kind (a queue consumer, a poller) and register it with `bot.on(trigger)`.
 */
export interface Trigger {
  /** `schedule`, `webhook`, `slack.message`... or a third party's own (`acme.poll`). */
  readonly kind: string;
  /** Unique within its bot; shown by `botyard list`, used in logs, metrics and store keys. */
  readonly name: string;
  /** One line for `botyard list`. */
  describe(): string;
  /** When it would fire next, computed without activating it (schedules), for `botyard list`. */
  nextRun?(): Date | undefined;
  /**
   * What the Slack app needs for this trigger to fire (event subscriptions and the scopes they
   * imply, a slash command, interactivity): `botyard manifest` writes the app from these, and the
   * host checks the bot token's scopes against them at start. None for non-Slack triggers.
   */
  slackNeeds?(): TriggerSlackNeeds;
  /** Exclusive claims checked across all bots at load time (e.g. one bot per slash command). */
  claims?(): TriggerClaim[];
  /** Starts listening. Called once the host is ready; the returned handle stops it. */
  activate(runtime: TriggerRuntime): ActiveTrigger | Promise<ActiveTrigger>;
}

export interface TriggerClaim {
  /** What is claimed: `slash command`, `mention keyword`... */
  what: string;
  /** The claimed value, compared case-insensitively. */
  value: string;
}

export interface ActiveTrigger {
  stop(): void | Promise<void>;
  /** When it will fire next, for `botyard list` (schedules). */
  nextRun?(): Date | undefined;
  /** Fires it now as if its time had come: what `createTestBot().fireSchedule()` calls. */
  fire?(input?: unknown): Promise<unknown>;
}

/** What a trigger gets from the host when it is activated. */
export interface TriggerRuntime {
  readonly botId: string;
  readonly log: Logger;
  /** The host's namespace (leases, dedupe keys, queues), shared by replicas. */
  readonly hostStore: Store;
  /** A unique id of this host process, for leases. */
  readonly owner: string;
  /** Aborted when the host shuts down. */
  readonly signal: AbortSignal;
  /**
   * Runs a handler through the pipeline: a fresh context, logging, counting, error isolation,
   * dry-run. Resolves with the handler's result, or `{ ok: false }` when it threw (already logged).
   */
  run<E, R>(event: E, handler: (ctx: BaseContext<E>) => R | Promise<R>, extras?: ContextExtras, options?: RunOptions): Promise<RunOutcome<R>>;
  /** Slack intake, routed by type and channel. */
  readonly slack: SlackSubscriptions;
  /** Webhook intake under `/hooks/<bot id>`. */
  readonly http: WebhookRoutes;
  /** Durable work queues (used by durable webhooks; available to custom triggers). */
  readonly queues: QueueRunner;
  /** Reports that a schedule tick completed, for the last-success metric. */
  scheduleSucceeded(triggerName: string, at: Date): void;
  /** Reports a tick that did not run here (see `EngineObserver.scheduleSkipped`), for the missed-tick metric. */
  scheduleSkipped?(triggerName: string, at: Date, reason: "store_unavailable" | "overrun"): void;
}

export interface RunOptions {
  /**
   * The unit of work the run does, when it can be handed out again (a durable job: pass the
   * `JobInHand` the queue gives the consumer). `ctx.once` holds its lease for the work rather than
   * for the run, so a redelivery after a crash takes over what the dead attempt left at once; and
   * the work's `signal` aborts the run's `ctx.signal` when the work is taken from it.
   */
  work?: { readonly queue: string; readonly id: string; readonly signal: AbortSignal };
}

export type RunOutcome<R> = { ok: true; value: R; runId: string } | { ok: false; error: unknown; runId: string };

export interface SlackSubscriptions {
  /**
   * Listens to one Events API event type (`message`, `app_mention`, `reaction_added`...), in one
   * channel or all. Dispatch looks subscribers up by type and channel, so a host with thousands of
   * bots does not test every bot against every event.
   */
  onEvent(type: string, channel: string | undefined, listener: SlackEventListener): () => void;
  /** `app_mention` whose first word is `keyword`. */
  onMentionKeyword(keyword: string, listener: SlackEventListener): () => void;
  onCommand(command: string, listener: SlackEnvelopeListener): () => void;
  onBlockAction(actionId: string | RegExp, listener: SlackEnvelopeListener): () => void;
  /** The app's own identity (from auth.test), to tell its own messages apart. */
  readonly self: { userId?: string; botId?: string };
}

/**
 * What a trigger runs for a Slack event it wants. Its listener decides synchronously, with no
 * I/O (subtype, self, channel, pattern), and returns the run, or nothing: the engine claims the
 * event in the store (a write) only when some listener returned a run, and then calls them.
 */
export type SlackRun = () => void;
export type SlackEventListener = (event: Record<string, unknown>, envelope: SlackEnvelope) => SlackRun | undefined;
export type SlackEnvelopeListener = (payload: Record<string, unknown>, envelope: SlackEnvelope) => SlackRun | undefined;

/** A webhook request; `B` is the body's type when the webhook declares one (`bot.webhook(path, { body })`). */
export interface WebhookRequest<B = unknown> {
  method: string;
  /** The path below `/hooks/<bot id>`, starting with `/`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | string[]>;
  /** The raw body, for signature checks. */
  rawBody: string;
  /**
   * `rawBody` read by its content type (see `parseWebhookBody`): parsed JSON, form fields, or the
   * text; `undefined` when empty. When the webhook declares `body`, the value it was checked and
   * read into.
   */
  body: B;
}

export interface WebhookResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface WebhookRoutes {
  route(path: string, handler: (req: WebhookRequest) => Promise<WebhookResponse>): () => void;
}

/** Consumers of durable queues in the host namespace, run by the host's worker pool. */
export interface QueueRunner {
  /** Processes jobs of `queue` with `handler`; a job is acked when it resolves, retried with backoff when it throws. */
  consume<T>(queue: string, handler: (payload: T, job: JobInHand) => Promise<void>, options?: ConsumeOptions<T>): () => void;
  /** Wakes local consumers of `queue` now rather than at the next poll. */
  notify(queue: string): void;
  /**
   * Enqueues a job in the host store and wakes the local consumer. When that consumer has a free
   * slot and no older job is waiting, the job is stored already claimed by it and started at once,
   * with `payload` itself (not a decoded copy: pass JSON values, as the queue stores them).
   */
  enqueue(queue: string, payload: unknown, options?: Omit<EnqueueOptions, "claim">): Promise<EnqueueResult>;
}

/** A job as its consumer sees it while handling it. */
export interface JobInHand {
  readonly queue: string;
  /** The job's id in its queue: the same on every redelivery. */
  readonly id: string;
  /** 1 on the first claim, 2 on the first redelivery... */
  readonly attempt: number;
  /**
   * Aborted when this process loses the job's claim while handling it (the claim ran out: the job
   * is back in the queue and another worker may run it). Pass the job as `RunOptions.work`.
   */
  readonly signal: AbortSignal;
}

export interface ConsumeOptions<T> {
  /** Jobs with the same key run one after another in this process, in queue order. */
  orderingKey?: (payload: T) => string | undefined;
  /**
   * What the store keeps of a payload enqueued in this process (the payload itself by default):
   * leave out what `decode` can rebuild, since every byte stored is written at least twice (on
   * enqueue and on ack). A job handed to the local consumer at once runs with the payload itself.
   */
  encode?: (payload: T) => unknown;
  /** Rebuilds a payload read back from the store from what `encode` kept (or from a payload stored whole). Must not throw. */
  decode?: (stored: T) => T;
  /** Give up (dead-letter, logged) after this many attempts. Default 10. */
  maxAttempts?: number;
}
