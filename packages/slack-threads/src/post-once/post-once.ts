import type { BaseContext, OnceResult } from "@botyard/core";

/** What a message carries so that a crashed attempt's post can be found again: `metadata.event_type` and one id in its payload. */
export interface PostMarker {
  eventType: string;
  id: string;
  /** The payload field holding `id` (default `id`; dogdata's replies have always said `event_id`). */
  field?: string;
}

/** A message as `conversations.history` / `conversations.replies` answer it (what the probe reads). */
export interface MarkedMessage {
  ts?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface PostOnceOptions {
  /** The `ctx.once` key: one per change to say (a delivery id, a thread step). */
  key: string;
  ttlMs?: number;
  marker: PostMarker;
  /** Posts the message, with `metadata` set as given. */
  post: (metadata: { event_type: string; event_payload: Record<string, string> }) => Promise<{ ts?: string }>;
  /** The newest messages where the post would be (one page: a crash leaves a window of seconds, not days). */
  look: () => Promise<{ messages?: MarkedMessage[] }>;
  /** This app's bot id (`auth.test`): only its own messages count. */
  botId: () => Promise<string | undefined>;
}

/**
 * Posts a message exactly once per key, whatever retries, redeliveries and replicas do: the
 * `ctx.once` discipline both alert plugins follow. The message carries the key's marker in its
 * metadata, so that after a crash between Slack's answer and the record, the probe finds the post
 * instead of posting twice. Answers the posted message's ts when this run posted it, or the ts
 * the probe found.
 */
export async function postOnce(ctx: Pick<BaseContext, "once">, options: PostOnceOptions): Promise<OnceResult<string | undefined>> {
  const metadata = { event_type: options.marker.eventType, event_payload: { [options.marker.field ?? "id"]: options.marker.id } };
  return ctx.once(options.key, async () => (await options.post(metadata)).ts, {
    ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
    probe: async () => (await findMarked(options)) !== undefined,
  });
}

/** The message carrying `marker`, posted by this app, among the newest where it would be. */
export async function findMarked(options: Pick<PostOnceOptions, "marker" | "look" | "botId">): Promise<MarkedMessage | undefined> {
  const botId = await options.botId();
  const { messages = [] } = await options.look();
  return messages.find((m) => m.bot_id === botId && isMarked(m, options.marker));
}

export function isMarked(message: MarkedMessage, marker: PostMarker): boolean {
  return message.metadata?.event_type === marker.eventType && message.metadata.event_payload?.[marker.field ?? "id"] === marker.id;
}
