import type { StoreBackend, WebhookResponse } from "@botyard/core";
import { createTestBot, SlackEmulator, type SlackMessage, type TestBot } from "@botyard/testing";
import alertmanager from "../index.js";

export const TOKEN = "test-bearer-token-0123456789";
export const ALERTS = "C00ALERTS";
export const BOT_ID = "am";

/** One alertmanager bot against the Slack emulator, in the words of the tests. */
export class AlertmanagerHarness {
  private constructor(
    readonly t: TestBot,
    readonly slack: SlackEmulator,
  ) {}

  static async start(config: Record<string, unknown> = {}, options: { store?: StoreBackend; channels?: string[] } = {}): Promise<AlertmanagerHarness> {
    const slack = await SlackEmulator.start({ ackTimeoutMs: 1_000 });
    slack.createChannel("alerts", { id: ALERTS });
    for (const id of options.channels ?? []) slack.createChannel(id.toLowerCase(), { id });
    // postIntervalMs 0 unless a test is about pacing: most tests are about what is said, not when.
    const t = await createTestBot(alertmanager, { channel: ALERTS, bearerToken: TOKEN, postIntervalMs: 0, ...config }, { slack, id: BOT_ID, logLevel: "info", ...(options.store ? { store: options.store } : {}) });
    return new AlertmanagerHarness(t, slack);
  }

  /** Alertmanager delivers (authenticated); resolves once the queue has processed it. */
  async deliver(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<WebhookResponse> {
    const response = await this.post(body, headers);
    await this.t.settle([], 20_000);
    return response;
  }

  post(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<WebhookResponse> {
    return this.t.engine.handleWebhook(BOT_ID, "/", { method: "POST", headers: { "content-type": "application/json", ...headers }, query: {}, rawBody: JSON.stringify(body), body });
  }

  /** Top-level messages in a channel. */
  tops(channel = ALERTS): SlackMessage[] {
    return this.slack.messages(channel);
  }

  /** Texts of the replies in a thread. */
  replies(ts: string, channel = ALERTS): string[] {
    return this.slack.replies(channel, ts).map((m) => m.text);
  }

  checked(ts: string, channel = ALERTS): boolean {
    return this.slack.reactions(channel, ts).some((r) => r.name === "white_check_mark" && r.users.includes(this.slack.botUserId));
  }

  calls(method?: string): string[] {
    return this.slack.calls.map((c) => c.operation).filter((op) => method === undefined || op === method);
  }

  async close(): Promise<void> {
    await this.t.close();
    await this.slack.close();
  }
}
