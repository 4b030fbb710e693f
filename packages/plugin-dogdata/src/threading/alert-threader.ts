import type { BaseContext } from "@botyard/core";
import { postedAt, postOnce, setReaction, Workspace, type MarkedMessage } from "@botyard/slack-threads";
import type { SlackMessageLike } from "../alert-message/match-alert-message.js";
import { ownAlertMetadata } from "../alert-message/own-alert.js";
import { createRecogniser, type RecognisedAlert } from "../alert-message/recognise.js";
import { renderMessage } from "../format/render.js";
import { AlertIndex, type AlertCycle } from "../alert-index/alert-index.js";
import { scanHistory } from "../alert-index/history-scan.js";
import type { DatadogEvent } from "../payload/parse-payload.js";
import { transitionKind, type TransitionKind } from "../payload/transition.js";
import type { Settings } from "../settings.js";

type Ctx = BaseContext<unknown>;

/** A recovery waiting for its alert message (see `deferRecovery`). */
interface PendingRecovery {
  event: DatadogEvent;
  since: number;
}

/** The alert message an event is about; `pinned` when its cycle key led there. */
interface Located {
  cycle: AlertCycle;
  pinned: boolean;
}

/** Where an alert's messages are, pinned by cycle key once known for sure. */
interface Pin {
  channel: string;
  ts: string;
  monitorId?: string;
  scope: string;
}

// Slack may post an alert a little after Datadog dates the event; a recovery can still be matched to it.
const POST_DELAY_ALLOWANCE_MS = 30_000;

/**
 * The bot's behaviour: finds the Slack message of the alert each Datadog event is about (pin,
 * index, history scan, cheapest first), replies in its thread, and keeps the check on exactly the
 * alerts that recovered. One instance per bot; state lives in the bot's Store.
 */
export class AlertThreader {
  readonly workspace = new Workspace();
  readonly recognise: (message: SlackMessageLike) => RecognisedAlert | undefined;

  constructor(private readonly settings: Settings) {
    this.recognise = createRecogniser(settings, () => this.workspace.info);
  }

  /** A webhook delivery, run by the durable queue (a throw means "retry later"). */
  async handleDelivery(ctx: Ctx, event: DatadogEvent): Promise<void> {
    // Made only when there is something to say: a child logger costs more than most deliveries' handling.
    const log = () => ctx.log.child({ datadogEvent: event.id, monitor: event.monitorId, scope: event.scope, transition: event.transitionText ?? event.transition });
    if (event.isTest) return log().info("Datadog test notification: nothing to thread");
    if (!event.transition) return log().info("transition not handled: ignored");
    await this.workspace.load(ctx);
    const kind = transitionKind(event.transition);
    const found = await this.locate(ctx, event, kind);
    if (kind === "recovery") {
      if (found) await this.recover(ctx, event, found.cycle);
      else await this.deferRecovery(ctx, event);
      return;
    }
    if (found) await this.update(ctx, event, kind, found);
    else if (this.settings.ownPosts) await this.postAlert(ctx, event);
    else if (ctx.log.isLevelEnabled("debug")) log().debug("no alert message for this event (yet): Datadog's own post will be indexed when it arrives");
  }

  /** A message in an alert channel: remembered when it is an alert, and matched with recoveries that waited for it. */
  async onSlackMessage(ctx: Ctx, message: SlackMessageLike & { channel?: string }): Promise<void> {
    const alert = this.recognise(message);
    if (!alert || !message.channel) return;
    const cycle = await this.index(ctx).record(alert.monitorId, alert.scope, {
      channel: message.channel,
      ts: alert.ts,
      transition: alert.transition,
      eventId: alert.eventId,
      name: alert.name,
    });
    if (cycle) await this.reconcile(ctx, pendingPrefix({ monitorId: alert.monitorId, scope: alert.scope }), cycle);
  }

  /** Recoveries that waited `notFound.afterSeconds` in vain: posted on their own, or logged. */
  async sweepPending(ctx: Ctx): Promise<void> {
    const now = Date.now();
    for (const { key, value } of await ctx.store.list<PendingRecovery>("pending/")) {
      if (now - value.since < this.settings.notFound.afterMs) continue;
      if (await ctx.store.delete(key)) await this.giveUp(ctx, value.event);
    }
  }

  // ---- finding the alert message ------------------------------------------------------------

  private async locate(ctx: Ctx, event: DatadogEvent, kind: TransitionKind, { scan = true } = {}): Promise<Located | undefined> {
    if (event.cycleKey !== undefined) {
      const pin = await ctx.store.get<Pin>(pinKey(event.cycleKey));
      if (pin) {
        const cycles = pin.monitorId ? await this.index(ctx).cycles(pin.monitorId, pin.scope) : [];
        return { cycle: cycles.find((c) => c.ts === pin.ts) ?? { channel: pin.channel, ts: pin.ts, also: [], closed: false }, pinned: true };
      }
    }
    if (event.monitorId === undefined) return undefined;
    const cycles = await this.index(ctx).cycles(event.monitorId, event.scope);
    const at = event.date ?? Date.now();
    const found =
      kind === "opening"
        ? // An opening event belongs to its own message, or joins an alert still open (Warn, then Triggered).
          (cycles.find((c) => c.eventId === event.id) ?? cycles.find((c) => !c.closed))
        : // Anything else happened to the newest alert opened before it.
          cycles.find((c) => postedAt(c.ts) < at + POST_DELAY_ALLOWANCE_MS);
    if (found || kind !== "recovery" || !scan || !this.settings.scan.enabled) return found && { cycle: found, pinned: false };
    const scanned = await scanHistory(
      { slack: ctx.slack, log: ctx.log, store: ctx.store, index: this.index(ctx), recognise: this.recognise },
      { channels: this.settings.channels, ...this.settings.scan, coverageTtlMs: this.settings.index.ttlMs },
      { monitorId: event.monitorId, scope: event.scope, before: at + POST_DELAY_ALLOWANCE_MS },
    );
    return scanned && { cycle: scanned, pinned: false };
  }

  // ---- acting ---------------------------------------------------------------------------------

  private async recover(ctx: Ctx, event: DatadogEvent, cycle: AlertCycle): Promise<void> {
    await this.replyOnce(ctx, event, cycle, this.settings.templates.recovered);
    await setReaction(ctx.slack, ctx.log, "add", cycle.channel, [cycle.ts, ...cycle.also], this.settings.reaction);
    if (event.monitorId !== undefined) await this.index(ctx).setChecked(event.monitorId, event.scope, cycle, event.date ?? Date.now());
    await this.pin(ctx, event, cycle);
  }

  private async update(ctx: Ctx, event: DatadogEvent, kind: TransitionKind, { cycle, pinned }: Located): Promise<void> {
    // A later event on an alert the bot marked recovered: the check no longer holds. Openings only
    // count when pinned to this very alert by its cycle key (otherwise they start a new alert).
    if (cycle.checkedAt !== undefined && (event.date ?? Date.now()) > cycle.checkedAt && (kind === "repeat" || pinned)) {
      await setReaction(ctx.slack, ctx.log, "remove", cycle.channel, [cycle.ts, ...cycle.also], this.settings.reaction);
      if (event.monitorId !== undefined) await this.index(ctx).setChecked(event.monitorId, event.scope, cycle, undefined);
    }
    // Datadog's own post of this event is the alert message itself: nothing to add in its thread.
    const isItsMessage = cycle.eventId === event.id || (kind === "opening" && cycle.eventId === undefined && cycle.transition === event.transition);
    if (!isItsMessage) await this.replyOnce(ctx, event, cycle, this.settings.templates.update);
    if (kind !== "opening" || cycle.eventId === event.id) await this.pin(ctx, event, cycle);
  }

  /** ownPosts: the bot posts the alert itself, with its key in the message metadata. */
  private async postAlert(ctx: Ctx, event: DatadogEvent): Promise<void> {
    const postedKey = `posted/${event.id}`;
    let ref = await ctx.store.get<{ channel: string; ts: string }>(postedKey);
    if (!ref) {
      const body = renderMessage(this.settings.templates.alert, event);
      const posted = await ctx.slack.chat.postMessage({
        channel: this.settings.postChannel,
        ...body,
        metadata: ownAlertMetadata(event),
        unfurl_links: false,
        unfurl_media: false,
      });
      ref = { channel: (posted.channel as string | undefined) ?? this.settings.postChannel, ts: posted.ts as string };
      await ctx.store.set(postedKey, ref, { ttlMs: this.settings.dedupeTtlMs });
    }
    const message = { channel: ref.channel, ts: ref.ts, transition: event.transition, eventId: event.id, name: event.name };
    const cycle =
      event.monitorId !== undefined
        ? await this.index(ctx).record(event.monitorId, event.scope, message)
        : { channel: ref.channel, ts: ref.ts, also: [], closed: false, eventId: event.id };
    if (!cycle) return;
    await this.pin(ctx, event, cycle);
    if (event.monitorId !== undefined) await this.reconcile(ctx, pendingPrefix(event), cycle);
    if (event.cycleKey !== undefined) await this.reconcile(ctx, pendingPrefix({ cycleKey: event.cycleKey }), cycle);
  }

  /**
   * A recovery whose alert message is not found (yet): retries reorder deliveries, and Datadog's
   * post may still be on its way. It waits in the Store; the alert message, when it shows up,
   * takes it (`reconcile`), and after `notFound.afterSeconds` the sweep gives up on it.
   */
  private async deferRecovery(ctx: Ctx, event: DatadogEvent): Promise<void> {
    if (this.settings.notFound.afterMs === 0) return this.giveUp(ctx, event);
    const key = `${pendingPrefix(event)}${event.id}`;
    await ctx.store.set(key, { event, since: Date.now() } satisfies PendingRecovery, { ttlMs: this.settings.notFound.afterMs + this.settings.dedupeTtlMs });
    // The alert may have been indexed between the lookup and now; whoever deletes the key acts.
    const found = await this.locate(ctx, event, "recovery", { scan: false });
    if (found && (await ctx.store.delete(key))) return this.recover(ctx, event, found.cycle);
    ctx.log.info({ datadogEvent: event.id, monitor: event.monitorId, scope: event.scope }, "recovery waits for its alert message");
  }

  private async reconcile(ctx: Ctx, prefix: string, cycle: AlertCycle): Promise<void> {
    for (const { key, value } of await ctx.store.list<PendingRecovery>(prefix)) {
      if (await ctx.store.delete(key)) await this.recover(ctx, value.event, cycle);
    }
  }

  private async giveUp(ctx: Ctx, event: DatadogEvent): Promise<void> {
    if (this.settings.notFound.action === "log") {
      ctx.log.warn({ datadogEvent: event.id, monitor: event.monitorId, scope: event.scope, title: event.title }, "recovery without an alert message: only logged");
      return;
    }
    const channel = this.settings.postChannel;
    await this.answerOnce(ctx, event, {
      post: (metadata) => {
        const body = renderMessage(this.settings.templates.standalone, event, { workspaceUrl: this.workspace.info.url });
        return ctx.slack.chat.postMessage({ channel, ...body, metadata, unfurl_links: false, unfurl_media: false });
      },
      look: () => ctx.slack.conversations.history({ channel, limit: 100, include_all_metadata: true }),
    });
  }

  /** Replies once per delivery, whatever retries and redeliveries happen. */
  private async replyOnce(ctx: Ctx, event: DatadogEvent, cycle: AlertCycle, template: string): Promise<void> {
    await this.answerOnce(ctx, event, {
      post: (metadata) => {
        const body = renderMessage(template, event, { original: cycle, workspaceUrl: this.workspace.info.url, openedAt: postedAt(cycle.ts) });
        return ctx.slack.chat.postMessage({ channel: cycle.channel, thread_ts: cycle.ts, ...body, metadata, unfurl_links: false, unfurl_media: false });
      },
      look: () => ctx.slack.conversations.replies({ channel: cycle.channel, ts: cycle.ts, limit: 200, include_all_metadata: true }),
    });
  }

  /**
   * The bot's one answer to a delivery (a reply, or a standalone post), with the delivery's id in
   * its metadata: after a crash between Slack's answer and the record, `ctx.once`'s probe finds
   * it in `look` (one page of the newest messages) instead of posting twice.
   */
  private async answerOnce(
    ctx: Ctx,
    event: DatadogEvent,
    how: { post: (metadata: { event_type: string; event_payload: Record<string, string> }) => Promise<{ ts?: string }>; look: () => Promise<{ messages?: MarkedMessage[] }> },
  ): Promise<void> {
    await postOnce(ctx, {
      key: `reply/${event.id}`,
      ttlMs: this.settings.dedupeTtlMs,
      marker: { eventType: REPLY_EVENT_TYPE, field: "event_id", id: event.id },
      post: how.post,
      look: how.look,
      botId: async () => (await this.workspace.load(ctx)).botId,
    });
  }

  private async pin(ctx: Ctx, event: DatadogEvent, cycle: AlertCycle): Promise<void> {
    if (event.cycleKey === undefined) return;
    const pin: Pin = { channel: cycle.channel, ts: cycle.ts, scope: event.scope, ...(event.monitorId !== undefined ? { monitorId: event.monitorId } : {}) };
    await ctx.store.set(pinKey(event.cycleKey), pin, { ttlMs: this.settings.index.ttlMs });
  }

  private index(ctx: Ctx): AlertIndex {
    return new AlertIndex(ctx.store, this.settings.index.ttlMs);
  }
}

/** The Slack `metadata.event_type` of the bot's answers to a delivery (replies and standalone posts). */
const REPLY_EVENT_TYPE = "botyard_dogdata_reply";

function pinKey(cycleKey: string): string {
  return `pin/${encodeURIComponent(cycleKey)}`;
}

function pendingPrefix(alert: { monitorId?: string | undefined; scope?: string; cycleKey?: string | undefined }): string {
  return alert.monitorId !== undefined ? `pending/${alert.monitorId}/${encodeURIComponent(alert.scope ?? "")}/` : `pending/~cycle/${encodeURIComponent(alert.cycleKey ?? "")}/`;
}
