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

  /** Reserves a slot and waits for it; answers how long it waited (ms). */
  async wait(channel: string, signal?: AbortSignal): Promise<number> {
    const slot = await this.reserve(channel);
    const delay = slot - this.now();
    if (delay > 0) await sleep(delay, signal);
    return Math.max(0, delay);
  }
}
