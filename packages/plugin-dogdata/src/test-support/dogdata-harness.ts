import type { StoreBackend, WebhookResponse } from "@botyard/core";
import { createTestBot, SlackEmulator, type SlackBotIdentity, type SlackMessage, type TestBot } from "@botyard/testing";
import dogdata from "../index.js";
import { datadogAttachments, legacyDatadogText, type FixtureAlert } from "../samples/datadog-samples.js";

export const SECRET = "test-secret-0123456789";
export const ALERTS = "C00ALERTS";
export const BOT_ID = "dogdata";
/** The host-store queue durable webhook deliveries wait in (core's naming: deliveries/<bot>/<trigger>). */
export const DELIVERY_QUEUE = `host/deliveries/${BOT_ID}/webhook:/`;

/**
 * One dogdata bot against the Slack emulator, with a Datadog app in the workspace: what every
 * behaviour test needs, in the words of the tests (Datadog posts, Datadog delivers).
 */
export class DogdataHarness {
  private constructor(
    readonly t: TestBot,
    readonly slack: SlackEmulator,
    readonly datadog: SlackBotIdentity,
  ) {}

  static async start(config: Record<string, unknown> = {}, options: { store?: StoreBackend; dryRun?: boolean } = {}): Promise<DogdataHarness> {
    const slack = await SlackEmulator.start({ ackTimeoutMs: 1_000 });
    slack.createChannel("alerts", { id: ALERTS });
    slack.addUser({ id: "U0ALICE", name: "alice" });
    const datadog = slack.addBot({ name: "Datadog" });
    const t = await createTestBot(dogdata, { channels: [ALERTS], secret: SECRET, ...config }, { slack, id: BOT_ID, logLevel: "info", ...options });
    return new DogdataHarness(t, slack, datadog);
  }

  /** Datadog's Slack app posts an alert (current format unless `legacy`); resolves once the bot has seen it. */
  async datadogPosts(alert: FixtureAlert, options: { channel?: string; legacy?: boolean; silent?: boolean } = {}): Promise<string> {
    const channel = options.channel ?? ALERTS;
    const posted = options.legacy
      ? await this.slack.postAs(this.datadog, { channel, subtype: "bot_message", text: legacyDatadogText(alert), ...(options.silent ? { silent: true } : {}) })
      : await this.slack.postAs(this.datadog, { channel, text: "", attachments: datadogAttachments(alert), ...(options.silent ? { silent: true } : {}) });
    await this.t.settle(posted.events.map((e) => e.eventId));
    return posted.ts;
  }

  /** Datadog's webhook delivers an event (authenticated); resolves once the queue has processed it. */
  async deliver(body: Record<string, unknown>, headers: Record<string, string> = { "x-botyard-secret": SECRET }): Promise<WebhookResponse> {
    const response = await this.post(body, headers);
    await this.drain();
    return response;
  }

  /** The raw POST, without waiting for processing. */
  post(body: unknown, headers: Record<string, string> = { "x-botyard-secret": SECRET }, rawBody?: string): Promise<WebhookResponse> {
    return this.t.engine.handleWebhook(BOT_ID, "/", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      query: {},
      rawBody: rawBody ?? JSON.stringify(body),
      body,
    });
  }

  /** Waits until the delivery queue is empty and no run is going (including retries waiting out their backoff). */
  async drain(timeoutMs = 10_000): Promise<void> {
    await this.t.settle([], timeoutMs);
  }

  /** Texts of the replies in an alert's thread. */
  replies(ts: string, channel = ALERTS): string[] {
    return this.slack.replies(channel, ts).map((m) => m.text);
  }

  /** Whether the bot's check is on a message. */
  checked(ts: string, channel = ALERTS): boolean {
    return this.slack.reactions(channel, ts).some((r) => r.name === "white_check_mark" && r.users.includes(this.slack.botUserId));
  }

  /** Top-level messages the bot itself posted. */
  ownPosts(channel = ALERTS): SlackMessage[] {
    return this.slack.messages(channel).filter((m) => m.bot_id === this.slack.botId);
  }

  /** Web API calls to `method` since the last `clearCalls`. */
  calls(method?: string): string[] {
    return this.slack.calls.map((c) => c.operation).filter((op) => method === undefined || op === method);
  }

  async close(): Promise<void> {
    await this.t.close();
    await this.slack.close();
  }
}
