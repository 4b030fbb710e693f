import { sleep, type Store } from "@botyard/core";
import { updateEntry } from "../entries/update-entry.js";

/**
 * Slack lets an app post about one message per second per channel (chat.postMessage's special
 * tier, docs.slack.dev/apis/web-api/rate-limits). Posting faster only earns 429s and a backlog;
 * alert plugins instead reserve the channel's next free slot, shared by replicas through the
 * Store, and wait for it. The caller re-reads its state after the wait: whatever changed
 * meanwhile goes out in that one post (coalescing), rather than one post per change.
 */
export class ChannelPace {
  constructor(
    private readonly store: Store,
    /** Milliseconds between two posts in one channel (1000 for Slack's rate; 0 turns pacing off). */
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves the next free slot in `channel` and answers when it is (epoch ms), without waiting. */
  async reserve(channel: string): Promise<number> {
    if (this.intervalMs <= 0) return this.now();
    let slot = 0;
    await updateEntry<{ next: number }>(
      this.store,
      `pace/${channel}`,
      (current) => {
        slot = Math.max(this.now(), current?.next ?? 0);
        return { next: slot + this.intervalMs };
      },
      // Nothing to remember once the slots have passed.
      { ttlMs: 60_000 + this.intervalMs },
    );
    return slot;
  }

  /** Reserves the channel's slot only if it is free now; false when the channel's next slot is later. */
  async reserveNow(channel: string): Promise<boolean> {
    if (this.intervalMs <= 0) return true;
    let taken = false;
    await updateEntry<{ next: number }>(
      this.store,
      `pace/${channel}`,
      (current) => {
        const now = this.now();
        taken = (current?.next ?? 0) <= now;
        return taken ? { next: now + this.intervalMs } : current;
      },
      { ttlMs: 60_000 + this.intervalMs },
    );
    return taken;
  }

  /**
   * Runs `post` at least the interval after the channel's last post actually went out. The slot
   * says when a post may start, but the work between the slot and the request (Store writes, a
   * loaded machine) varies: two posts a slot apart can leave closer together. This closes that gap.
   */
  async spaced<T>(channel: string, post: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.intervalMs <= 0) return post();
    // Reserved right before the request, by compare-and-set: concurrent posts (a slow answer still
    // in flight, another replica) cannot read the same "last" and leave together.
    let at = 0;
    await updateEntry<number>(
      this.store,
      `sent/${channel}`,
      (last) => {
        at = Math.max(this.now(), (last ?? 0) + this.intervalMs);
        return at;
      },
      { ttlMs: 60_000 + this.intervalMs },
    );
    const gap = at - this.now();
    if (gap > 0) await sleep(gap, signal);
    return post();
  }

  /** Reserves a slot and waits for it; answers how long it waited (ms). */
  async wait(channel: string, signal?: AbortSignal): Promise<number> {
    const slot = await this.reserve(channel);
    const delay = slot - this.now();
    if (delay > 0) await sleep(delay, signal);
    return Math.max(0, delay);
  }
}
