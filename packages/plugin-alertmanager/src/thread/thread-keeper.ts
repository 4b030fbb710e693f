import { createHash } from "node:crypto";
import type { BaseContext } from "@botyard/core";
import { ChannelPace, findMarked, postedAt, postOnce, setReaction, updateEntry, Workspace, type MarkedMessage } from "@botyard/slack-threads";
import { renderReply, renderTop, type MessageBody } from "../format/render-thread.js";
import { receiverName, type WebhookPayload } from "../payload/webhook-payload.js";
import { routeChannel, type Route } from "../routing/route.js";
import { changesBetween, mergeDelivery, planStep, type Incoming, type Step, type ThreadRecord } from "./thread-state.js";

type Ctx = BaseContext<unknown>;

export interface KeeperSettings {
  channel: string;
  routes: Route[];
  threadBy: "group" | "alert";
  reopenWithinMs: number;
  labels: string[];
  reaction: string;
  postIntervalMs: number;
  dedupeTtlMs: number;
  threadTtlMs: number;
}

/** The Slack `metadata.event_type` of the bot's posts: the top message and the replies carry their step's id. */
const POST_EVENT_TYPE = "botyard_alertmanager_post";
/**
 * How long a run keeps a thread's changes to itself without news (renewed at each step and after
 * waiting for its slot): a dead run's thread is taken over after that. Short, because a host killed
 * mid-step leaves its claim behind and the thread's next changes wait for it to lapse; two runs on a
 * thread at once (a slow live one) is safe, each Slack effect being done once.
 */
const FLUSH_LEASE_MS = 10_000;
/** Steps one run does for a thread before leaving the rest to the next delivery's run (a storm never pins one run forever). */
const MAX_STEPS_PER_RUN = 100;
/** Threads waiting for their channel's slot: `dirty/<thread hash>` holds the channel. */
const DIRTY_PREFIX = "dirty/";
/** A sweep starts no new post after this long (the next sweep goes on). */
const SWEEP_BUDGET_MS = 50_000;

/**
 * One Slack thread per alert group (or alert), kept current. A delivery is merged into the
 * thread's state (order-insensitive, so retries and late deliveries are harmless), then the run
 * brings the messages up to date in steps: each step is planned once in the Store and each of its
 * Slack effects done once (`ctx.once`), whichever run or replica does it. Posts wait for the
 * channel's slot (about one a second); whatever arrives meanwhile goes out in the same post.
 */
export class ThreadKeeper {
  readonly workspace = new Workspace();

  constructor(private readonly settings: KeeperSettings) {}

  async handleDelivery(ctx: Ctx, payload: WebhookPayload): Promise<void> {
    const receiver = receiverName(payload);
    const incoming: Incoming[] =
      this.settings.threadBy === "group"
        ? [this.incoming(`${receiver}\n${payload.groupKey}`, receiver, payload, payload.alerts, payload.commonLabels)]
        : payload.alerts.map((alert) => this.incoming(`${receiver}\n${payload.groupKey}\n${alert.fingerprint}`, receiver, payload, [alert], alert.labels));
    if (payload.truncatedAlerts > 0) ctx.log.warn({ truncated: payload.truncatedAlerts }, "Alertmanager left alerts out of this delivery (max_alerts): the thread shows those it sent");
    for (const one of incoming) {
      const key = threadKey(one.key);
      await updateEntry<ThreadRecord>(ctx.store, key, (current) => mergeDelivery(current, one), { ttlMs: this.settings.threadTtlMs });
      // Posted now if the channel's slot is free; otherwise left to the sweep, and the delivery is
      // done: a storm's deliveries merge at once instead of each holding a worker while it waits.
      await this.flush(ctx, key, { wait: false });
    }
  }

  private incoming(key: string, receiver: string, payload: WebhookPayload, alerts: WebhookPayload["alerts"], labels: Record<string, string>): Incoming {
    return {
      key,
      receiver,
      channel: routeChannel(this.settings.routes, this.settings.channel, receiver, labels),
      externalURL: payload.externalURL,
      groupLabels: payload.groupLabels,
      alerts,
    };
  }

  /**
   * The threads left waiting for their channel's slot, one channel after another in parallel and
   * the threads of a channel one per slot: each post then says everything that reached its thread
   * until then. Runs every second; a long storm is worked through over several runs.
   */
  async sweep(ctx: Ctx): Promise<void> {
    const byChannel = new Map<string, string[]>();
    for (const { key, value } of await ctx.store.list<{ channel: string }>(DIRTY_PREFIX)) {
      const thread = `thread/${key.slice(DIRTY_PREFIX.length)}`;
      byChannel.set(value.channel, [...(byChannel.get(value.channel) ?? []), thread]);
    }
    const until = Date.now() + SWEEP_BUDGET_MS;
    await Promise.all(
      [...byChannel.values()].map(async (threads) => {
        for (const thread of threads) {
          if (Date.now() > until) return;
          await this.flush(ctx, thread, { wait: true });
        }
      }),
    );
  }

  /**
   * Brings a thread's messages up to its state, unless another run is doing so (it will see this
   * run's change). Without `wait`, posts only if the channel's slot is free now, and otherwise
   * leaves the thread marked for the sweep.
   */
  async flush(ctx: Ctx, key: string, { wait }: { wait: boolean }): Promise<void> {
    try {
      for (let steps = 0; steps < MAX_STEPS_PER_RUN; steps++) {
        const record = await ctx.store.get<ThreadRecord>(key);
        if (!record) return;
        if (record.step) {
          if (record.flushingBy === ctx.runId && (record.flushingUntil ?? 0) - Date.now() < FLUSH_LEASE_MS / 2) await this.extendClaim(ctx, key);
          await this.doStep(ctx, key, record, record.step);
          continue;
        }
        if (record.applied.seq >= record.seq) {
          // Caught up. Unmark it first, then let go of the thread, unless a change came in
          // meanwhile (then go on: its run saw this one holding the thread and left it the change).
          await ctx.store.delete(dirtyKey(key));
          if (await this.release(ctx, key)) return;
          continue;
        }
        // Take the thread's changes on; a run already on them picks this delivery's change up
        // when it plans its step (it re-reads the state after waiting for its slot).
        const channel = record.message?.channel ?? record.channel;
        if (!(await this.claim(ctx, key))) {
          // The holder posts this change too if it lives; marked for the sweep in case it died
          // (a killed host's claim would otherwise strand the change until the group's next delivery).
          await ctx.store.set(dirtyKey(key), { channel }, { ttlMs: this.settings.threadTtlMs });
          return;
        }
        const pace = new ChannelPace(ctx.store, this.settings.postIntervalMs);
        if (!wait) {
          if (!(await pace.reserveNow(channel))) {
            await ctx.store.set(dirtyKey(key), { channel }, { ttlMs: this.settings.threadTtlMs });
            return;
          }
        } else if ((await pace.wait(channel, ctx.signal)) > 0) await this.extendClaim(ctx, key);
        let planned: Step | undefined;
        await updateEntry<ThreadRecord>(
          ctx.store,
          key,
          (current) => {
            planned = undefined;
            if (!current) return current;
            const plan = planStep(current, Date.now(), this.settings.reopenWithinMs);
            if (!plan) return current;
            planned = plan.step;
            return plan.record;
          },
          { ttlMs: this.settings.threadTtlMs },
        );
        // Deliveries merged while this run waited, said in one step rather than one each.
        if (planned && planned.to - planned.from > 1) ctx.metrics.count("alertmanager_coalesced_changes", planned.to - planned.from - 1);
      }
    } finally {
      await this.release(ctx, key, { force: true }).catch(() => undefined);
    }
  }

  /** Lets go of the thread if this run holds it and nothing is left to post (or `force`); false when something is. */
  private async release(ctx: Ctx, key: string, { force = false } = {}): Promise<boolean> {
    let released = true;
    await updateEntry<ThreadRecord>(ctx.store, key, (current) => {
      released = true;
      if (!current || current.flushingBy !== ctx.runId) return current;
      if (!force && (current.step || current.seq > current.applied.seq)) {
        released = false;
        return current;
      }
      const { flushingUntil: _until, flushingBy: _by, ...rest } = current;
      return rest;
    });
    return released;
  }

  private async claim(ctx: Ctx, key: string): Promise<boolean> {
    let mine = false;
    await updateEntry<ThreadRecord>(ctx.store, key, (current) => {
      mine = false;
      if (!current) return current;
      if ((current.flushingUntil ?? 0) > Date.now() && current.flushingBy !== ctx.runId) return current;
      mine = true;
      return { ...current, flushingUntil: Date.now() + FLUSH_LEASE_MS, flushingBy: ctx.runId };
    });
    return mine;
  }

  private async extendClaim(ctx: Ctx, key: string): Promise<void> {
    await updateEntry<ThreadRecord>(ctx.store, key, (current) => (current?.flushingBy === ctx.runId ? { ...current, flushingUntil: Date.now() + FLUSH_LEASE_MS } : current));
  }

  /** Does a planned step (each Slack effect once, whoever else is doing it too), then records it as shown. */
  private async doStep(ctx: Ctx, key: string, record: ThreadRecord, step: Step): Promise<void> {
    const id = `${key.slice("thread/".length)}/${step.from}`;
    const target: ThreadRecord = { ...record, alerts: Object.fromEntries(Object.entries(record.alerts).filter(([fp]) => fp in step.shown)) };
    const options = { labels: this.settings.labels };
    let message = record.message;
    if (step.kind === "post") {
      const channel = record.channel;
      const top = renderTop(target, options);
      const ts = await this.postOnceAt(ctx, id, channel, undefined, top);
      message = { channel, ts, cycle: step.cycle };
      if (step.allResolved) await setReaction(ctx.slack, ctx.log, "add", channel, [ts], this.settings.reaction);
    } else if (message) {
      const changes = changesBetween(record.applied.shown, target.alerts);
      const reopened = record.resolvedAt !== undefined && !step.allResolved;
      const reply = renderReply(target, changes, { ...options, reopened, openedAt: postedAt(message.ts) });
      await this.postOnceAt(ctx, id, message.channel, message.ts, reply);
      // Idempotent: a repeat after a crash writes the same message again.
      await ctx.slack.chat.update({ channel: message.channel, ts: message.ts, ...renderTop(target, options) });
      if (step.allResolved) await setReaction(ctx.slack, ctx.log, "add", message.channel, [message.ts], this.settings.reaction);
      else if (reopened) await setReaction(ctx.slack, ctx.log, "remove", message.channel, [message.ts], this.settings.reaction);
    }
    const now = Date.now();
    await updateEntry<ThreadRecord>(
      ctx.store,
      key,
      (current) => {
        if (!current || current.step?.from !== step.from) return current;
        const { step: _done, resolvedAt: _was, ...rest } = current;
        const resolvedAt = step.allResolved ? (current.resolvedAt ?? now) : undefined;
        return {
          ...rest,
          applied: { seq: step.to, shown: step.shown },
          ...(message ? { message } : {}),
          ...(resolvedAt !== undefined ? { resolvedAt } : {}),
        };
      },
      { ttlMs: this.settings.threadTtlMs },
    );
  }

  /** Posts a top message (no thread) or a reply once per step; answers its ts. */
  private async postOnceAt(ctx: Ctx, id: string, channel: string, threadTs: string | undefined, body: MessageBody): Promise<string> {
    const marker = { eventType: POST_EVENT_TYPE, id };
    const look = (): Promise<{ messages?: MarkedMessage[] }> =>
      threadTs
        ? ctx.slack.conversations.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true })
        : ctx.slack.conversations.history({ channel, limit: 100, include_all_metadata: true });
    const botId = async () => (await this.workspace.load(ctx)).botId;
    const tsKey = `posted/${id}`;
    const result = await postOnce(ctx, {
      key: `post/${id}`,
      ttlMs: this.settings.threadTtlMs,
      marker,
      look,
      botId,
      post: async (metadata) => {
        const pace = new ChannelPace(ctx.store, this.settings.postIntervalMs);
        const posted = await pace.spaced(
          channel,
          () => ctx.slack.chat.postMessage({ channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...body, metadata, unfurl_links: false, unfurl_media: false }),
          ctx.signal,
        );
        await ctx.store.set(tsKey, posted.ts, { ttlMs: this.settings.threadTtlMs });
        return { ts: posted.ts as string };
      },
    });
    if (result.ran && result.value) return result.value;
    const known = await ctx.store.get<string>(tsKey);
    if (known) return known;
    // Posted by an attempt that died before remembering the ts: the probe found it, so does this.
    const found = await findMarked({ marker, look, botId });
    if (!found?.ts) throw new Error(`alertmanager: the message of step ${id} was posted but cannot be found in ${channel}; retrying`);
    await ctx.store.set(tsKey, found.ts, { ttlMs: this.settings.threadTtlMs });
    return found.ts;
  }
}

function dirtyKey(threadKey: string): string {
  return `${DIRTY_PREFIX}${threadKey.slice("thread/".length)}`;
}

/** The Store key of a thread: group keys are long and hold any character. */
export function threadKey(key: string): string {
  return `thread/${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}
