// @botyard/plugin-alertmanager: one Slack thread per Prometheus Alertmanager (or Grafana) alert group, kept current.

import { definePlugin } from "@botyard/core";
import { createWebhookVerifier } from "@botyard/slack-threads";
import { AlertmanagerConfig } from "./config.js";
import { deliveryKey, WebhookPayload } from "./payload/webhook-payload.js";
import { compileRoutes } from "./routing/route.js";
import { ThreadKeeper } from "./thread/thread-keeper.js";

export { AlertmanagerConfig } from "./config.js";
export { WebhookPayload, WebhookAlert, deliveryKey, receiverName } from "./payload/webhook-payload.js";
export { parseMatcher, routeChannel } from "./routing/route.js";
export { renderTop, renderReply, silenceUrl } from "./format/render-thread.js";
export { mergeDelivery, planStep, changesBetween } from "./thread/thread-state.js";
export type { ThreadRecord, AlertState, Step } from "./thread/thread-state.js";

const HOUR = 3_600_000;
// Alertmanager retries a failed send until its flush deadline (group_interval, at least 10 s); the
// queue keeps trying longer, so that a Slack outage of minutes loses nothing.
const MAX_ATTEMPTS = 10;

/** One Slack thread per Alertmanager (or Grafana) alert group, kept current. */
export default definePlugin({
  name: "alertmanager",
  core: "^1.0.0",
  description: "One Slack message per Alertmanager or Grafana alert group, updated in place, changes replied in its thread, a check when resolved.",
  config: AlertmanagerConfig,
  // Posts, edits and checks its messages; reads a channel's recent history to find a message a
  // crash kept it from recording (the post-once probe).
  slack: { scopes: ["chat:write", "reactions:write", "channels:history", "groups:history"] },
  setup(bot, config) {
    const verify = createWebhookVerifier({
      bearer: config.bearerToken,
      basic: config.basicAuth,
      missing: "alertmanager needs `bearerToken` or `basicAuth` in its config: Alertmanager's deliveries must be authenticated (http_config in its webhook_configs).",
    });
    const keeper = new ThreadKeeper({
      channel: config.channel,
      routes: compileRoutes(config.routes),
      threadBy: config.threadBy,
      reopenWithinMs: config.reopenWithinMinutes * 60_000,
      labels: config.labels,
      reaction: config.reaction,
      postIntervalMs: config.postIntervalMs,
      dedupeTtlMs: config.dedupeTtlHours * HOUR,
      threadTtlMs: config.threadTtlDays * 24 * HOUR,
    });

    bot.webhook(
      "/",
      {
        body: WebhookPayload,
        verify,
        // Re-sends (repeat_interval) and retries of the same group state are answered as duplicates.
        dedupeKey: (req) => deliveryKey(req.body),
        dedupeTtlMs: config.dedupeTtlHours * HOUR,
        // No ordering key: deliveries merge order-insensitively, and a group's changes arriving
        // while its run waits for the channel's slot must be able to join that run's post.
        durable: { maxAttempts: MAX_ATTEMPTS },
      },
      (ctx) => keeper.handleDelivery(ctx, ctx.event.body),
    );

    // Posts that had to wait for their channel's slot (storms), with everything merged meanwhile.
    bot.schedule("* * * * * *", { name: "paced-posts" }, (ctx) => keeper.sweep(ctx));

    bot.onStart((ctx) => keeper.workspace.load(ctx));
  },
});
