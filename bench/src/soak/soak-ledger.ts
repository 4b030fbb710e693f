import { existsSync, readFileSync } from "node:fs";
import type { SlackEmulator } from "@botyard/testing";
import type { SentLedger } from "./soak-load.js";
import { CHANNELS } from "./soak-world.js";

/** One kind of event, as the emulators saw it handled. */
export interface Tally {
  kind: string;
  sent: number;
  handled: number;
  /** Handled more than once, outside the documented crash window. */
  duplicated: number;
  /** Handled twice because the process that first acted was killed before `ctx.once` recorded it (documented). */
  crashWindow: number;
  lost: number;
  /** A few of the ids lost or duplicated, for the report. */
  examples: string[];
}

/** A process the soak killed, and when. */
export interface Kill {
  pid: number;
  killedAt: number;
}

/**
 * Counts what was handled, from what the bots posted in the Slack emulator: the soak plugin's
 * `<kind> <id> by <pid>` posts, and dogdata's replies in each alert's thread.
 */
export function tally(slack: SlackEmulator, sent: SentLedger, kills: Kill[], journalFile: string): Tally[] {
  const posts = new Map<string, number[]>();
  const ticks = new Map<string, number>();
  for (const m of slack.messages(CHANNELS.out)) {
    const match = /^(message|mention|webhook|tick) (\S+) by (\d+)$/.exec(m.text ?? "");
    if (!match) continue;
    const [, kind, id, pid] = match as unknown as [string, string, string, string];
    if (kind === "tick") ticks.set(id, (ticks.get(id) ?? 0) + 1);
    else posts.set(`${kind} ${id}`, [...(posts.get(`${kind} ${id}`) ?? []), Number(pid)]);
  }
  const recorded = new Set(existsSync(journalFile) ? readFileSync(journalFile, "utf8").split("\n").filter(Boolean) : []);
  const killed = new Set(kills.map((k) => k.pid));
  const soakKind = (kind: "message" | "mention" | "webhook", ids: string[]): Tally => {
    const t = empty(kind, ids.length);
    for (const id of ids) {
      const key = `${kind} ${id}`;
      const by = posts.get(key) ?? [];
      if (by.length === 0) (t.lost++, t.examples.length < 5 && t.examples.push(`${key} lost`));
      else t.handled++;
      if (by.length > 1) {
        // The documented window: the first poster was killed and never recorded its post.
        const inWindow = by.length === 2 && killed.has(by[0]!) && !recorded.has(`${key} ${by[0]}`);
        if (inWindow) t.crashWindow++;
        else (t.duplicated++, t.examples.length < 5 && t.examples.push(`${key} posted by ${by.join(", ")}`));
      }
    }
    return t;
  };

  // The emulator hands out copies: take the channel once, not once per alert. (Copying it for each
  // of 600 alerts kept the emulator busy for seconds, long enough for the host's Slack calls to time
  // out and be retried: duplicates the soak itself caused.)
  const botMessages = slack.messages(CHANNELS.alerts).filter((m) => m.user === slack.botUserId);
  const recoveries = empty("dogdata recovery", 0);
  for (const alert of sent.alerts.filter((a) => a.recoveryAcked)) {
    recoveries.sent++;
    const replies = slack.replies(CHANNELS.alerts, alert.ts).filter((m) => m.user === slack.botUserId);
    // A recovery whose alert message was never found is posted on its own, naming its group (`on {host:soak-7}`).
    const standalone = botMessages.filter((m) => !m.thread_ts && m.text?.includes(`${alert.scope}}`));
    const answers = [...replies, ...standalone].map((m) => Number(m.ts) * 1000).sort((a, b) => a - b);
    if (answers.length === 0) (recoveries.lost++, recoveries.examples.length < 5 && recoveries.examples.push(`${alert.name} lost`));
    else recoveries.handled++;
    if (answers.length > 1) {
      // dogdata names no process: a repeat counts as the crash window only if a kill fell between the two answers.
      const inWindow = answers.length === 2 && kills.some((k) => answers[0]! <= k.killedAt && k.killedAt <= answers[1]!);
      if (inWindow) recoveries.crashWindow++;
      else (recoveries.duplicated++, recoveries.examples.length < 5 && recoveries.examples.push(`${alert.name} answered ${answers.length} times`));
    }
  }

  const tickTally = empty("schedule tick (soak bot)", ticks.size);
  tickTally.handled = ticks.size;
  for (const [at, n] of ticks) if (n > 1) (tickTally.duplicated++, tickTally.examples.length < 5 && tickTally.examples.push(`tick ${at} ran ${n} times`));

  return [soakKind("message", sent.message), soakKind("mention", sent.mention), soakKind("webhook", sent.webhook), recoveries, tickTally];
}

function empty(kind: string, sent: number): Tally {
  return { kind, sent, handled: 0, duplicated: 0, crashWindow: 0, lost: 0, examples: [] };
}
