import type { Logger, Store, WebClient } from "@botyard/core";
import type { RecognisedAlert } from "../alert-message/recognise.js";
import type { SlackMessageLike } from "../alert-message/match-alert-message.js";
import { transitionKind } from "../payload/transition.js";
import { compareTs } from "@botyard/slack-threads";
import type { AlertCycle, AlertIndex } from "./alert-index.js";

export interface ScanOptions {
  channels: string[];
  lookbackMs: number;
  pageSize: number;
  maxPages: number;
  /** How long the record of what was already read stays valid (no longer than the index remembers). */
  coverageTtlMs: number;
}

export interface ScanTarget {
  monitorId: string;
  scope: string;
  /** Only messages posted before this (epoch ms): a recovery belongs to an alert that opened before it. */
  before: number;
}

export interface ScanDeps {
  slack: WebClient;
  log: Logger;
  store: Store;
  index: AlertIndex;
  recognise: (message: SlackMessageLike) => RecognisedAlert | undefined;
}

/** The stretch of a channel's history already read (Slack timestamps, both ends included); every alert in it is in the index. */
interface Coverage {
  newest: string;
  oldest: string;
}

/** The messages of one group's newest alert, gathered newest first. */
interface Gathered {
  channel: string;
  monitorId: string;
  scope: string;
  messages: RecognisedAlert[];
  /** Reached the alert's first message (or an older alert's recovery): nothing older belongs to it. */
  complete: boolean;
  /** Datadog had posted a recovery after it. */
  closed: boolean;
}

/**
 * The fallback: reads `conversations.history` newest first, a page at a time, within the look-back
 * window and the page limit, until the target's alert is found. Every alert it passes is
 * remembered in the index, and the stretch it read is recorded, so that the next scan reads only
 * what is newer or older than that: the history is read about once, however many recoveries need it.
 */
export async function scanHistory(deps: ScanDeps, options: ScanOptions, target: ScanTarget): Promise<AlertCycle | undefined> {
  const wanted = groupKey(target.monitorId, target.scope);
  const before = toTs(target.before);
  const windowStart = toTs(Math.max(0, target.before - options.lookbackMs));
  for (const channel of options.channels) {
    const coverageKey = `scan/${channel}`;
    const covered = await deps.store.get<Coverage>(coverageKey);
    const groups = new Map<string, Gathered>();
    const budget = { pages: options.maxPages };
    const read = (newer: string, older: string) => readStretch(deps, channel, options.pageSize, budget, groups, wanted, newer, older);

    let next: Coverage | undefined;
    if (!covered) {
      const r = await read(before, windowStart);
      if (r.pages) next = { newest: before, oldest: r.exhausted ? windowStart : r.oldestRead };
    } else {
      next = { ...covered };
      // Newer than what was read before, then older: each stretch joins the covered one without a gap.
      const upper = compareTs(before, covered.newest) > 0 ? await read(before, covered.newest) : { exhausted: true, pages: 0, oldestRead: covered.newest };
      if (upper.exhausted && compareTs(before, covered.newest) > 0) next.newest = before;
      if (upper.exhausted && !groups.get(wanted)?.complete && compareTs(windowStart, covered.oldest) < 0) {
        const lower = await read(covered.oldest, windowStart);
        if (lower.pages) next.oldest = lower.exhausted ? windowStart : lower.oldestRead;
      }
    }

    const reachedWindowStart = next?.oldest === windowStart;
    for (const group of groups.values()) {
      // An alert cut off by the page limit is not remembered: its first message may be further back.
      if (group.messages.length && (group.complete || reachedWindowStart)) await deps.index.remember(group.monitorId, group.scope, toCycle(group));
    }
    if (next) await deps.store.set(coverageKey, next, { ttlMs: Math.min(options.coverageTtlMs, options.lookbackMs) });
    const found = groups.get(wanted);
    deps.log.debug({ channel, pages: options.maxPages - budget.pages, found: Boolean(found?.messages.length) }, "history scanned");
    if (found?.messages.length) return toCycle(found);
  }
  return undefined;
}

/** Reads messages posted in (older, newer) exclusive, newest first, until done, out of pages, or the target's alert is complete. */
async function readStretch(
  deps: ScanDeps,
  channel: string,
  pageSize: number,
  budget: { pages: number },
  groups: Map<string, Gathered>,
  wanted: string,
  newer: string,
  older: string,
): Promise<{ exhausted: boolean; pages: number; oldestRead: string }> {
  let cursor: string | undefined;
  let pages = 0;
  let oldestRead = newer;
  for (;;) {
    if (budget.pages <= 0) return { exhausted: false, pages, oldestRead };
    budget.pages--;
    pages++;
    const page = await deps.slack.conversations.history({
      channel,
      limit: pageSize,
      latest: newer,
      oldest: older,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    for (const message of (page.messages ?? []) as SlackMessageLike[]) {
      gather(groups, channel, deps.recognise(message));
      if (message.ts && compareTs(message.ts, oldestRead) < 0) oldestRead = message.ts;
    }
    cursor = page.response_metadata?.next_cursor || undefined;
    if (!cursor) return { exhausted: true, pages, oldestRead };
    if (groups.get(wanted)?.complete) return { exhausted: false, pages, oldestRead };
  }
}

function gather(groups: Map<string, Gathered>, channel: string, alert: RecognisedAlert | undefined): void {
  if (!alert) return;
  const k = groupKey(alert.monitorId, alert.scope);
  let group = groups.get(k);
  if (!group) groups.set(k, (group = { channel, monitorId: alert.monitorId, scope: alert.scope, messages: [], complete: false, closed: false }));
  if (group.complete) return;
  const kind = alert.transition ? transitionKind(alert.transition) : "opening";
  if (kind === "recovery") {
    // Newest first: a recovery before any alert message closes the alert to come; after one, it ends an older alert.
    if (group.messages.length === 0) group.closed = true;
    else group.complete = true;
    return;
  }
  group.messages.push(alert);
  if (kind === "opening") group.complete = true;
}

function toCycle(group: Gathered): AlertCycle {
  const first = group.messages[group.messages.length - 1]!;
  return {
    channel: group.channel,
    ts: first.ts,
    also: group.messages.slice(0, -1).map((m) => m.ts).reverse(),
    closed: group.closed,
    ...(first.eventId ? { eventId: first.eventId } : {}),
    ...(first.transition ? { transition: first.transition } : {}),
    ...(first.name ? { name: first.name } : {}),
  };
}

function groupKey(monitorId: string, scope: string): string {
  return `${monitorId}\u0000${scope}`;
}

function toTs(ms: number): string {
  return (ms / 1000).toFixed(6);
}
