import type { SlackEnvelope } from "../slack/slack-types.js";
import { mentionKeyword } from "../slack/mention-text.js";
import type { SlackEnvelopeListener, SlackEventListener, SlackRun } from "../triggers/trigger.js";

interface Listeners<L> {
  byChannel: Map<string, Set<L>>;
  anyChannel: Set<L>;
}

/**
 * Routes Slack envelopes to listeners by event type and channel, so dispatch costs the same with
 * ten bots as with thousands that listen elsewhere. Slash commands and mention keywords are
 * exclusive (checked at load), so they map to a listener directly.
 */
export class SlackRouter {
  private readonly events = new Map<string, Listeners<SlackEventListener>>();
  private readonly keywords = new Map<string, Set<SlackEventListener>>();
  private readonly commands = new Map<string, Set<SlackEnvelopeListener>>();
  private readonly actionIds = new Map<string, Set<SlackEnvelopeListener>>();
  private readonly actionPatterns = new Set<{ pattern: RegExp; listener: SlackEnvelopeListener }>();
  readonly self: { userId?: string; botId?: string } = {};

  onEvent(type: string, channel: string | undefined, listener: SlackEventListener): () => void {
    let entry = this.events.get(type);
    if (!entry) this.events.set(type, (entry = { byChannel: new Map(), anyChannel: new Set() }));
    const set = channel === undefined ? entry.anyChannel : getOrCreate(entry.byChannel, channel);
    set.add(listener);
    return () => set.delete(listener);
  }

  onMentionKeyword(keyword: string, listener: SlackEventListener): () => void {
    const set = getOrCreate(this.keywords, keyword.toLowerCase());
    set.add(listener);
    return () => set.delete(listener);
  }

  onCommand(command: string, listener: SlackEnvelopeListener): () => void {
    const set = getOrCreate(this.commands, command.toLowerCase());
    set.add(listener);
    return () => set.delete(listener);
  }

  onBlockAction(actionId: string | RegExp, listener: SlackEnvelopeListener): () => void {
    if (typeof actionId === "string") {
      const set = getOrCreate(this.actionIds, actionId);
      set.add(listener);
      return () => set.delete(listener);
    }
    const entry = { pattern: actionId, listener };
    this.actionPatterns.add(entry);
    return () => this.actionPatterns.delete(entry);
  }

  /**
   * The runs the listeners that want this envelope returned (empty when none does: the caller
   * skips dedupe, and its store write). Any envelope, however malformed, is routed without
   * throwing; a listener that throws, deciding or running, does not keep the others from running
   * (see `isolated`).
   */
  route(envelope: SlackEnvelope): SlackRun[] {
    const out: SlackRun[] = [];
    const payload = envelope.payload as unknown;
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return out;
    this.collect(envelope, payload as Record<string, unknown>, out);
    return out.length > 1 ? isolated(out) : out;
  }

  private collect(envelope: SlackEnvelope, payload: Record<string, unknown>, out: SlackRun[]): void {
    const ask = <P>(listener: (p: P, envelope: SlackEnvelope) => SlackRun | undefined, p: P) => {
      let run: SlackRun | undefined;
      try {
        run = listener(p, envelope);
      } catch (error) {
        // Thrown while deciding: reported when the runs are, like a run that throws.
        run = () => {
          throw error;
        };
      }
      if (run) out.push(run);
    };
    if (envelope.type === "events_api") {
      const event = payload.event as Record<string, unknown> | undefined;
      if (!event || typeof event.type !== "string") return;
      const entry = this.events.get(event.type);
      if (entry) {
        const channel = channelOf(event);
        const inChannel = channel === undefined ? undefined : entry.byChannel.get(channel);
        for (const l of entry.anyChannel) ask(l, event);
        if (inChannel) for (const l of inChannel) ask(l, event);
      }
      if (event.type === "app_mention" && typeof event.text === "string") {
        const keyword = mentionKeyword(event);
        const set = keyword === undefined ? undefined : this.keywords.get(keyword);
        if (set) for (const l of set) ask(l, event);
      }
    } else if (envelope.type === "slash_commands") {
      const set = typeof payload.command === "string" ? this.commands.get(payload.command.toLowerCase()) : undefined;
      if (set) for (const l of set) ask(l, payload);
    } else if (envelope.type === "interactive" && payload.type === "block_actions") {
      const seen = new Set<SlackEnvelopeListener>();
      const actions = Array.isArray(payload.actions) ? (payload.actions as unknown[]) : [];
      for (const action of actions) {
        const id = (action as { action_id?: unknown } | null)?.action_id;
        if (typeof id !== "string") continue;
        const set = this.actionIds.get(id);
        if (set) for (const l of set) seen.add(l);
        for (const { pattern, listener } of this.actionPatterns) if (id && pattern.test(id)) seen.add(listener);
      }
      for (const l of seen) ask(l, payload);
    }
  }
}

/**
 * The calls, each run even when one before it throws: one bot's listener (a custom trigger's)
 * must not keep the envelope from the others. What they threw is thrown by the last call, once
 * all have run, so the caller still learns of it.
 */
function isolated(calls: SlackRun[]): SlackRun[] {
  const errors: unknown[] = [];
  return calls.map((call, i) => () => {
    try {
      call();
    } catch (error) {
      errors.push(error);
    }
    if (i === calls.length - 1 && errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} Slack listeners threw`);
  });
}

/** The channel an event happened in, wherever its type keeps it. */
export function channelOf(event: Record<string, unknown>): string | undefined {
  if (typeof event.channel === "string") return event.channel;
  const channel = event.channel as { id?: unknown } | undefined;
  if (channel && typeof channel.id === "string") return channel.id;
  const item = event.item as { channel?: unknown } | undefined;
  if (item && typeof item.channel === "string") return item.channel;
  return undefined;
}

function getOrCreate<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
