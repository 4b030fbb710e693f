// @botyard/core: the contract plugin authors write against, and the engine hosts run it with.

// --- For plugin authors -------------------------------------------------------------------
export { definePlugin, isPlugin, PLUGIN_MARK } from "./plugin/define-plugin.js";
export type { Plugin, PluginDefinition, PluginMark } from "./plugin/define-plugin.js";
export type { Bot, LifecycleHook, Timer } from "./plugin/bot.js";
export { Type } from "typebox";
export type { Static, TSchema } from "typebox";

export type { BaseContext, BotInfo, ContextExtras, OnceResult, RespondMessage, SayMessage } from "./context/context.js";
export type { OnceOptions } from "./context/once.js";
export type { ScheduleContext, ScheduleEvent, ScheduleHandler, ScheduleOptions } from "./triggers/schedule.js";
export type {
  EventContext,
  SlackEventType,
  MentionContext,
  MessageContext,
  MessageOptions,
  Pattern,
  ReactionContext,
  SlackEventOptions,
  MentionOptions,
} from "./triggers/slack-event.js";
export { stripMention } from "./slack/mention-text.js";
export type { CommandContext, CommandOptions } from "./triggers/slash-command.js";
export { SLACK_BOT_SCOPES, type SlackBotScope } from "./slack-needs/bot-scopes.js";
export { botSlackNeeds, combineSlackNeeds, eventNeeds } from "./slack-needs/slack-needs.js";
export type { PluginSlackNeeds, SlackNeeds, SlashCommandNeed, TriggerSlackNeeds } from "./slack-needs/slack-needs.js";
export type { BlockActionContext } from "./triggers/block-action.js";
export type { WebhookContext, WebhookHandler, WebhookOptions } from "./triggers/webhook.js";
export { invalidWebhookBody } from "./triggers/webhook-body-spec.js";
export type { WebhookBodyOf, WebhookBodyReader, WebhookBodySpec, WebhookSchemaBody } from "./triggers/webhook-body-spec.js";
export type {
  AppMentionEvent,
  Actor,
  BlockAction,
  BlockActionPayload,
  MessageEvent,
  ReactionAddedEvent,
  SlackEnvelope,
  SlashCommand,
} from "./slack/slack-types.js";

export { escapeSlack, renderTemplate, slackDate, truncate } from "./slack/format.js";
export { retry, backoffDelay, sleep } from "./retry/retry.js";
export type { RetryOptions } from "./retry/retry.js";
export { withChildSignal } from "./signal/child-signal.js";

export type { PluginMetrics, MetricSample } from "./metrics/plugin-metrics.js";
export { defineAction } from "./actions/action.js";
export type { ActionRecord } from "./actions/action.js";


export type { Store, StoreBackend, BackupResult, Entry, Job, JobRef, EnqueueOptions, EnqueueResult, SetOptions, ListOptions, ClaimOptions } from "./store/store.js";
export { encodeValue, DEFAULT_DEDUPE_TTL_MS } from "./store/store.js";
export { MemoryStore, memoryStore } from "./store/memory-store.js";
export { defineStore, isStoreFactory, validateStoreConfig, STORE_MARK } from "./store/define-store.js";
export type { StoreDefinition, StoreFactory, StoreOpenContext } from "./store/define-store.js";
export { namespaced } from "./store/namespaced-store.js";

export { token } from "./di/tokens.js";
export type { Token } from "./di/tokens.js";
export { Tokens } from "./di/builtin-tokens.js";
export { systemClock } from "./di/clock.js";
export type { Clock } from "./di/clock.js";
export type { Container, Provider } from "./di/container.js";

export { BotyardError, ErrorCodes, isBotyardError } from "./errors/botyard-error.js";
export type { ErrorCode, BotyardErrorOptions } from "./errors/botyard-error.js";
export { errorReference, type ErrorReferenceEntry } from "./errors/error-reference.js";

export type { Logger } from "./logging/logger.js";
export type { WebClient } from "@slack/web-api";

// --- For custom trigger kinds ---------------------------------------------------------------
export type {
  ActiveTrigger,
  ConsumeOptions,
  QueueRunner,
  RunOutcome,
  SlackEventListener,
  SlackEnvelopeListener,
  SlackSubscriptions,
  Trigger,
  TriggerClaim,
  TriggerRuntime,
  WebhookRequest,
  WebhookResponse,
  WebhookRoutes,
} from "./triggers/trigger.js";
export { ScheduleTrigger } from "./triggers/schedule.js";
export { WebhookTrigger } from "./triggers/webhook.js";
export { parseWebhookBody, type ParsedWebhookBody } from "./triggers/webhook-body.js";
export { MessageTrigger, MentionTrigger, ReactionTrigger, EventTrigger } from "./triggers/slack-event.js";
export { SlashCommandTrigger } from "./triggers/slash-command.js";
export { BlockActionTrigger } from "./triggers/block-action.js";

// --- For hosts and test kits ----------------------------------------------------------------
export { Engine } from "./engine/engine.js";
export type { EngineOptions, BotStatus, TriggerStatus } from "./engine/engine.js";
export type { EngineObserver, RunInfo, BotState, ScheduleSkipReason } from "./engine/observer.js";
export { prepareBot, validatePluginConfig, findTriggerConflicts, triggerConflictErrors } from "./engine/prepare-bot.js";
export type { BotSpec, PreparedBot } from "./engine/prepare-bot.js";
export { QueueWorker } from "./engine/queue-worker.js";
export type { QueueWorkerOptions } from "./engine/queue-worker.js";
export { DEFAULT_DEAD_LETTER_TTL_MS, DEAD_LETTER_PREFIX, deadLetterKey, type DeadLetter } from "./engine/dead-letter.js";
export { DeadLetters, type DeadLetterView, type ReplayResult } from "./engine/dead-letters.js";
export { validateAgainst } from "./config/validate.js";
export type { ConfigIssue, Validated } from "./config/validate.js";
export { createContainer } from "./di/container.js";
export { createLogger, silentLogger } from "./logging/logger.js";
export type { LoggerOptions } from "./logging/logger.js";
export { SecretScrubber } from "./secrets/secret-scrubber.js";
export { urlCredentials, passwordsInUrls } from "./secrets/url-credentials.js";
export type { UrlCredentials } from "./secrets/url-credentials.js";
export { withoutCredentials } from "./secrets/without-credentials.js";
export { scrubbedStream } from "./secrets/scrubbed-stream.js";
export { createSlackClient, isSlackWriteMethod } from "./slack/slack-client.js";
export { offlineSlackClient } from "./slack/offline-slack-client.js";
export type { SlackClientOptions, SlackCallObserver } from "./slack/slack-client.js";
export { SocketModeReceiver } from "./slack/socket-mode-receiver.js";
export type { SocketModeReceiverOptions, SocketModeStatus } from "./slack/socket-mode-receiver.js";
export { CORE_VERSION, CORE_LOCATION } from "./version.js";
