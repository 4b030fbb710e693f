// @botyard/plugin-dogdata: Datadog recoveries threaded under the original alert, with a green check.

import { definePlugin, type WebhookBodyReader } from "@botyard/core";
import type { SlackMessageLike } from "./alert-message/match-alert-message.js";
import { DogdataConfig } from "./config.js";
import { createWebhookVerifier } from "@botyard/slack-threads";
import { alertKey, PAYLOAD_DOCS, parseDatadogPayload, type DatadogEvent } from "./payload/parse-payload.js";
import { resolveSettings } from "./settings.js";
import { AlertThreader } from "./threading/alert-threader.js";

export { DogdataConfig, DEFAULT_TEMPLATES } from "./config.js";

// The payload parser and the Slack message matcher, for authors of related bots.
export { parseDatadogPayload, alertKey, PAYLOAD_DOCS } from "./payload/parse-payload.js";
export type { DatadogEvent, ParsedPayload } from "./payload/parse-payload.js";
export { parseAlertTitle } from "./payload/title.js";
export type { AlertTitle } from "./payload/title.js";
export { TRANSITIONS, parseTransition, transitionKind } from "./payload/transition.js";
export type { Transition, TransitionKind } from "./payload/transition.js";
export { normalizeScope } from "./payload/scope.js";
export { DEFAULT_MONITOR_PATTERN, DEFAULT_SCOPE_PATTERN, findMonitorLink } from "./payload/monitor-link.js";
export type { LinkPatterns, MonitorLink } from "./payload/monitor-link.js";
export { isFromDatadog, readAlertMessage } from "./alert-message/match-alert-message.js";
export type { AlertMessage, SenderRule, SlackMessageLike } from "./alert-message/match-alert-message.js";
export { OWN_ALERT_EVENT_TYPE } from "./alert-message/own-alert.js";

// Datadog gives up after its own 5 retries; the queue keeps trying for about 8 minutes (backoff 1 s to 60 s).
const MAX_ATTEMPTS = 10;

/** Datadog recoveries threaded under the original alert, with a green check. */
export default definePlugin({
  name: "dogdata",
  core: "^1.0.0",
  description: "Threads Datadog recoveries under the original alert message and marks it with a check.",
  config: DogdataConfig,
  // chat.postMessage (replies, its own alerts); reactions.add/remove (the check);
  // conversations.history/replies (the history scan and the answered-already probe).
  slack: { scopes: ["chat:write", "reactions:write", "channels:history", "groups:history"] },
  setup(bot, config) {
    const settings = resolveSettings(config);
    const verify = createWebhookVerifier({
      secret: config.secret,
      header: config.secretHeader,
      basic: config.basicAuth,
      missing: "dogdata needs `secret` or `basicAuth` in its config: Datadog's deliveries must be authenticated.",
    });
    const threader = new AlertThreader(settings);

    // Read once as the request arrives: verify, dedupeKey, orderingKey and the handler get the
    // event, and a redelivered job comes back from the queue with it.
    const readPayload: WebhookBodyReader<DatadogEvent> = (body) => {
      const result = parseDatadogPayload(body, settings.patterns);
      if (result.ok) return { ok: true, value: result.event };
      return { ok: false, response: { status: 400, body: { ok: false, error: "invalid_payload", field: result.field, message: result.message, docs: PAYLOAD_DOCS } } };
    };

    bot.webhook(
      "/",
      {
        body: readPayload,
        verify,
        dedupeKey: (req) => req.body.id,
        dedupeTtlMs: settings.dedupeTtlMs,
        // The secret header may be named anything: keep it out of the queued delivery.
        credentials: [config.secretHeader],
        durable: {
          maxAttempts: MAX_ATTEMPTS,
          // One alert's events are handled one after another, in the order they arrived.
          orderingKey: (req) => alertKey(req.body),
        },
      },
      (ctx) => threader.handleDelivery(ctx, ctx.event.body),
    );

    if (settings.index.enabled) {
      for (const channel of settings.channels) {
        bot.message(undefined, (ctx) => threader.onSlackMessage(ctx, ctx.event as SlackMessageLike & { channel: string }), {
          channel,
          includeBots: true,
          name: `index@${channel}`,
        });
      }
    }

    bot.schedule("*/15 * * * * *", { name: "pending-recoveries" }, (ctx) => threader.sweepPending(ctx));

    bot.onStart((ctx) => threader.workspace.load(ctx));
  },
});
