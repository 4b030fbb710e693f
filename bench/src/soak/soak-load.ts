import { datadogAttachments, webhookPayload } from "@botyard/plugin-dogdata/samples";
import { CHANNELS, DOGDATA_SECRET, type SoakWorld } from "./soak-world.js";

/** A Datadog alert the load posted in Slack, and whether its recovery webhook got a 2xx. */
export interface SentAlert {
  name: string;
  /** Its monitor group (`host:soak-7`), which a standalone recovery names. */
  scope: string;
  ts: string;
  recoveryAcked: boolean;
}

/** What the load sent: ids of messages and mentions delivered, webhooks acknowledged (2xx), alerts recovered. */
export interface SentLedger {
  message: string[];
  mention: string[];
  webhook: string[];
  alerts: SentAlert[];
  /** Every HTTP status the webhooks were answered with, retries included. */
  statuses: Map<number, number>;
  /** Webhook attempts that got no answer (connection refused or reset: a host down). */
  unanswered: number;
}

/** How often each kind is sent (a 250 ms beat: 4 messages, 4 webhooks, 1 mention, 1 Datadog alert and its recovery per second). */
const BEAT_MS = 250;
const RECOVERY_AFTER_MS = 2_000;

/**
 * Mixed load as a small company makes it: people writing to the soak bot and mentioning it,
 * Datadog posting alerts and then sending their recoveries to dogdata's webhook, and a CI system
 * posting to the soak bot's durable webhook. Webhook senders retry until they get a 2xx, as
 * Datadog does, spreading attempts over the replicas.
 */
export class SoakLoad {
  readonly sent: SentLedger = { message: [], mention: [], webhook: [], alerts: [], statuses: new Map(), unanswered: 0 };
  private readonly inflight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private beat = 0;

  constructor(private readonly world: SoakWorld) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), BEAT_MS);
  }

  /** Stops sending; resolves once every send under way (its retries included) has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  private tick(): void {
    const n = this.beat++;
    this.track(this.message(`m${n}`));
    this.track(this.webhook(`w${n}`));
    if (n % 4 === 0) {
      this.track(this.mention(`n${n}`));
      this.track(this.alert(n));
    }
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => process.stderr.write(`soak: a send failed: ${(error as Error).message}\n`)).finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  private async message(id: string): Promise<void> {
    await this.world.slack.sendMessage({ channel: CHANNELS.soak, user: "U0ALICE", text: `soak ${id}` });
    this.sent.message.push(id);
  }

  private async mention(id: string): Promise<void> {
    await this.world.slack.sendMessage({ channel: CHANNELS.soak, user: "U0BOB", text: `<@${this.world.slack.botUserId}> soak ${id}` });
    this.sent.mention.push(id);
  }

  private async webhook(id: string): Promise<void> {
    await this.post("/hooks/soak", { id }, {});
    this.sent.webhook.push(id);
  }

  /** Datadog posts an alert in #alerts; its recovery follows a moment later over the webhook. */
  private async alert(n: number): Promise<void> {
    const alert = { monitorId: String(10_000 + n), scope: `host:soak-${n}`, name: `Soak alert ${n}` };
    const posted = await this.world.slack.postAs(this.world.datadog, { channel: CHANNELS.alerts, text: "", attachments: datadogAttachments(alert) });
    const sent: SentAlert = { name: alert.name, scope: alert.scope, ts: posted.ts, recoveryAcked: false };
    this.sent.alerts.push(sent);
    await new Promise((r) => setTimeout(r, RECOVERY_AFTER_MS));
    await this.post("/hooks/dogdata", webhookPayload({ ...alert, transition: "Recovered" }), { "x-botyard-secret": DOGDATA_SECRET });
    sent.recoveryAcked = true;
  }

  /** POSTs until a 2xx, to each replica in turn, backing off a little (a sender's retries). */
  private async post(path: string, body: unknown, headers: Record<string, string>): Promise<void> {
    const replicas = this.world.replicas;
    const first = Math.floor(Math.random() * replicas.length);
    for (let attempt = 0; ; attempt++) {
      const replica = replicas[(first + attempt) % replicas.length]!;
      try {
        const res = await fetch(`${replica.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        this.sent.statuses.set(res.status, (this.sent.statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 200 && res.status < 300) return;
      } catch {
        this.sent.unanswered++;
      }
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random())));
    }
  }
}
