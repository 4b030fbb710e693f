import type { Store } from "@botyard/core";
import { compareTs, updateEntry } from "@botyard/slack-threads";
import { transitionKind, type Transition } from "../payload/transition.js";

/** One alert of one monitor group, as its Slack messages show it. */
export interface AlertCycle {
  channel: string;
  /** The alert's first message: where replies go. */
  ts: string;
  /** Later alert messages of the same alert (renotifications, Warn then Triggered): they get the check too. */
  also: string[];
  /** Datadog posted a recovery for it, or the bot handled one. */
  closed: boolean;
  /** When the recovery the bot marked happened (epoch ms): the check is on while this is set. */
  checkedAt?: number;
  /** Datadog's event id of the first message (its link's `event_id`, or the delivery that made the bot post it). */
  eventId?: string;
  transition?: Transition;
  name?: string;
}

/** A message to remember, as the matcher read it. */
export interface IndexedMessage {
  channel: string;
  ts: string;
  transition: Transition | undefined;
  eventId?: string | undefined;
  name?: string | undefined;
}

interface Entry {
  /** Newest first. */
  cycles: AlertCycle[];
}

const MAX_CYCLES = 3;
const MAX_ALSO = 10;

/**
 * The index: monitor id and group to the messages of its recent alerts, in the bot's Store with a
 * TTL. Slack events arrive concurrently, so every change is a compare-and-set loop, never a blind write.
 */
export class AlertIndex {
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
  ) {}

  /** Recent alerts of a monitor group, newest first. */
  async cycles(monitorId: string, scope: string): Promise<AlertCycle[]> {
    return (await this.store.get<Entry>(key(monitorId, scope)))?.cycles ?? [];
  }

  /**
   * Remembers a message Datadog (or the bot) just posted. An alert message joins the open alert of
   * its group, or starts a new one; a recovery message closes the open alert. Returns the alert the
   * message belongs to (`undefined` for a recovery message).
   */
  async record(monitorId: string, scope: string, message: IndexedMessage): Promise<AlertCycle | undefined> {
    let belongs: AlertCycle | undefined;
    await this.update(monitorId, scope, (cycles) => {
      belongs = undefined;
      if (message.transition && transitionKind(message.transition) === "recovery") {
        const open = cycles.find((c) => compareTs(c.ts, message.ts) < 0);
        if (!open || open.closed) return cycles;
        return cycles.map((c) => (c === open ? { ...c, closed: true } : c));
      }
      const known = cycles.find((c) => c.ts === message.ts || c.also.includes(message.ts));
      if (known) {
        belongs = known;
        return cycles;
      }
      const newest = cycles[0];
      if (newest && !newest.closed && compareTs(newest.ts, message.ts) < 0) {
        belongs = { ...newest, also: [...newest.also, message.ts].slice(-MAX_ALSO) };
        return [belongs, ...cycles.slice(1)];
      }
      belongs = {
        channel: message.channel,
        ts: message.ts,
        also: [],
        closed: false,
        ...(message.eventId ? { eventId: message.eventId } : {}),
        ...(message.transition ? { transition: message.transition } : {}),
        ...(message.name ? { name: message.name } : {}),
      };
      return [...cycles, belongs].sort((a, b) => compareTs(b.ts, a.ts)).slice(0, MAX_CYCLES);
    });
    return belongs;
  }

  /** Remembers an alert found by a history scan, unless the index already knows it or something newer. */
  async remember(monitorId: string, scope: string, cycle: AlertCycle): Promise<void> {
    await this.update(monitorId, scope, (cycles) => {
      if (cycles.some((c) => c.ts === cycle.ts || c.also.includes(cycle.ts))) return cycles;
      return [...cycles, cycle].sort((a, b) => compareTs(b.ts, a.ts)).slice(0, MAX_CYCLES);
    });
  }

  /** Sets or clears the check state of the alert whose first message is `ts` (adding it when the index had lost it). */
  async setChecked(monitorId: string, scope: string, cycle: AlertCycle, checkedAt: number | undefined): Promise<void> {
    await this.update(monitorId, scope, (cycles) => {
      const current = cycles.find((c) => c.ts === cycle.ts) ?? cycle;
      const { checkedAt: _old, ...rest } = current;
      const next: AlertCycle = checkedAt === undefined ? { ...rest, closed: false } : { ...rest, closed: true, checkedAt };
      return [...cycles.filter((c) => c.ts !== cycle.ts), next].sort((a, b) => compareTs(b.ts, a.ts)).slice(0, MAX_CYCLES);
    });
  }

  private async update(monitorId: string, scope: string, change: (cycles: AlertCycle[]) => AlertCycle[]): Promise<void> {
    await updateEntry<Entry>(
      this.store,
      key(monitorId, scope),
      (current) => {
        const cycles = current?.cycles ?? [];
        const next = change(cycles);
        return next === cycles ? current : { cycles: next };
      },
      { ttlMs: this.ttlMs },
    );
  }
}

function key(monitorId: string, scope: string): string {
  return `alert/${monitorId}/${encodeURIComponent(scope)}`;
}
