import { randomBytes } from "node:crypto";
import type { EmulatorResponse } from "../emulator/http-emulator.js";
import { SlackApiError } from "./errors.js";
import { type SlackActivity, type SlackMessage, type Workspace, stripUndefined } from "./state.js";
import { Args, readContent } from "./web-api.js";

/** One POST to a `response_url` (or a slash command ack carrying a reply), as recorded. */
export interface ResponseUrlPost {
  responseUrlId: string;
  /** The JSON the app sent. */
  body: Record<string, unknown>;
  at: number;
  /** Where the reply went: an ephemeral, a new channel message, or a change to the original. */
  outcome: "ephemeral" | "in_channel" | "replaced" | "deleted" | "rejected";
  /** Slack's error when rejected (`no_text`, `invalid_blocks`, `used_url`...). */
  error?: string;
  /** The `ts` of the message posted or changed. */
  ts?: string;
}

interface ResponseUrlRecord {
  id: string;
  kind: "command" | "action";
  channel: string;
  user: string;
  /** The message holding the clicked button (block_actions only). */
  original?: { ts: string; ephemeral: boolean };
  uses: number;
}

/** Slack allows five replies per response_url. */
const MAX_USES = 5;

/**
 * `response_url`s handed out with slash commands and button clicks, and what the app did with
 * them: ephemeral or in-channel replies, replacing or deleting the message that held the button.
 */
export class ResponseUrls {
  readonly posts: ResponseUrlPost[] = [];
  private readonly records = new Map<string, ResponseUrlRecord>();

  constructor(
    private readonly ws: Workspace,
    private readonly publish: (activities: SlackActivity[]) => void,
    private readonly botFields: () => Omit<SlackMessage, "type" | "ts" | "text">,
  ) {}

  create(baseUrl: string, spec: Omit<ResponseUrlRecord, "id" | "uses">): { id: string; url: string } {
    // Shaped like Slack's hooks URLs (team / numeric id / secret) so log scrubbing and parsing behave.
    const id = `${this.ws.identity.teamId}-${Date.now()}-${randomBytes(12).toString("hex")}`;
    this.records.set(id, { ...spec, id, uses: 0 });
    return { id, url: `${baseUrl}/response/${id}` };
  }

  /** The HTTP side: `POST /response/<id>` with a JSON body. */
  handle(id: string, body: unknown): EmulatorResponse {
    const record = this.records.get(id);
    if (!record) return { status: 404, body: { ok: false, error: "invalid_url" } };
    const payload = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    if (!payload) return this.reject(id, {}, "invalid_payload", 400);
    if (record.uses >= MAX_USES) return this.reject(id, payload, "used_url", 404);
    record.uses++;
    try {
      this.apply(record, payload, "response_url");
      return { status: 200, body: { ok: true } };
    } catch (error) {
      if (error instanceof SlackApiError) return this.reject(id, payload, error.error, 400);
      throw error;
    }
  }

  /** Apply a reply (from a response_url POST or a slash command's ack payload). */
  applyById(id: string, body: Record<string, unknown>, via: "response_url" | "ack"): void {
    const record = this.records.get(id);
    if (record) this.apply(record, body, via);
  }

  private apply(record: ResponseUrlRecord, body: Record<string, unknown>, via: "response_url" | "ack"): void {
    const args = new Args(body);
    const original = record.original;
    const channel = this.ws.channels.get(record.channel);
    const post = (outcome: ResponseUrlPost["outcome"], ts?: string) => {
      // An ack that carries a reply is not a POST to the response_url; slashCommand() reports it.
      if (via === "response_url") this.posts.push(stripUndefined({ responseUrlId: record.id, body, at: Date.now(), outcome, ts }));
    };

    if (args.bool("delete_original") && original && channel) {
      if (original.ephemeral) {
        const entry = this.ws.ephemerals.find((e) => e.message.ts === original.ts && e.user === record.user);
        if (entry) entry.deleted = true;
      } else if (this.ws.findMessage(channel, original.ts)) {
        this.publish(this.ws.delete(channel, original.ts));
      }
      post("deleted", original.ts);
      return;
    }

    const content = readContent(args);
    if (!content.text && !content.blocks?.length && !content.attachments?.length) throw new SlackApiError("no_text");

    if (args.bool("replace_original") && original && channel) {
      if (original.ephemeral) {
        const entry = this.ws.ephemerals.find((e) => e.message.ts === original.ts && e.user === record.user);
        if (entry) {
          entry.message = stripUndefined({ ...entry.message, text: content.text ?? "", blocks: content.blocks, attachments: content.attachments });
          this.publish([{ type: "ephemeral", channel: channel.id, user: record.user, message: entry.message }]);
        }
      } else {
        const patch: Partial<SlackMessage> = { text: content.text ?? "", blocks: content.blocks, attachments: content.attachments };
        // Replacing through a response_url does not mark the message "edited".
        this.publish(this.ws.update(channel, original.ts, patch, this.ws.identity.botUserId, { markEdited: false }));
      }
      post("replaced", original.ts);
      return;
    }

    if (!channel) return;
    const threadTs = args.str("thread_ts") || undefined;
    if (args.str("response_type") === "in_channel") {
      const activities = this.ws.post(channel, {
        ...this.botFields(),
        text: content.text ?? "",
        blocks: content.blocks,
        attachments: content.attachments,
        thread_ts: threadTs,
      });
      this.publish(activities);
      post("in_channel", (activities[0] as { message: SlackMessage }).message.ts);
      return;
    }
    const message: SlackMessage = stripUndefined({
      type: "message" as const,
      ...this.botFields(),
      text: content.text ?? "",
      blocks: content.blocks,
      attachments: content.attachments,
      thread_ts: threadTs,
      ts: this.ws.nextTs(),
    });
    this.publish(this.ws.addEphemeral({ channel: channel.id, user: record.user, message, via }));
    post("ephemeral", message.ts);
  }

  private reject(id: string, body: Record<string, unknown>, error: string, status: number): EmulatorResponse {
    this.posts.push({ responseUrlId: id, body, at: Date.now(), outcome: "rejected", error });
    return { status, body: { ok: false, error } };
  }
}
