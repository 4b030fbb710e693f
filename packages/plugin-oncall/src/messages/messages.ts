import { escapeSlack, renderTemplate, slackDate, truncate } from "@botyard/core";
import type { NobodyPolicy } from "../config.js";
import type { OnCallPerson, Snapshot } from "../sync/state.js";

// conversations.setTopic refuses more.
const TOPIC_MAX = 250;

/**
 * How the end of a shift is written: Slack shows it in each reader's own timezone and clock
 * format. Of Slack's `<!date>` tokens only `{date_long}` and `{date_long_pretty}` name the weekday
 * ("Friday, March 15th, 2030", or "today" / "tomorrow" when it is that close); none abbreviates it
 * or names the timezone, so "until Fri 10:00 JST" is written "until Friday, March 15th, 2030 at
 * 10:00 AM" in the reader's zone.
 */
export const SHIFT_END_FORMAT = "{date_long_pretty} at {time}";

/** The end of a shift, as Slack markup. */
export function shiftEnd(date: Date): string {
  return slackDate(date, SHIFT_END_FORMAT);
}

/** Who holds the group now, for the announcement and the topic. */
export interface Holders {
  /** Slack user ids. */
  users: string[];
  /** Names in PagerDuty (empty for a fallback user). */
  names: string[];
  /** When the group next changes: the earliest end among them; `null` when none ends. */
  until: Date | null;
}

/** The on-call people with a Slack account, as holders. */
export function holdersOf(people: readonly OnCallPerson[]): Holders {
  const inSlack = people.filter((p) => p.slackUserId);
  const ends = inSlack.map((p) => (p.end ? Date.parse(p.end) : Number.POSITIVE_INFINITY));
  const earliest = Math.min(...ends);
  return {
    users: inSlack.map((p) => p.slackUserId!),
    names: inSlack.map((p) => p.name),
    until: Number.isFinite(earliest) ? new Date(earliest) : null,
  };
}

/** Fills the announcement or topic template; names are escaped, mentions and dates are Slack markup. */
export function renderHandoff(template: string, values: { name: string; handle: string; holders: Holders }): string {
  const { holders } = values;
  return renderTemplate(template, {
    who: listOf(holders.users.map((u) => `<@${u}>`)),
    names: listOf(holders.names),
    is: holders.users.length === 1 ? "is" : "are",
    name: values.name,
    handle: values.handle,
    until: holders.until ? shiftEnd(holders.until) : "further notice",
  });
}

/** What is said (and shown in the topic) when PagerDuty has nobody on call for a group. */
export function nobodyText(name: string, handle: string, policy: NobodyPolicy): string {
  const what = policy === "disable" ? `@${escapeSlack(handle)} is disabled until someone is` : `@${escapeSlack(handle)} keeps its members`;
  return `Nobody is on call for ${escapeSlack(name)} in PagerDuty: ${what}.`;
}

export function topicText(text: string): string {
  return truncate(text, TOPIC_MAX);
}

/**
 * The answer to `/oncall` and `@bot oncall`: each group's on-call and until when. Names are
 * written out rather than mentioned, so asking does not ping whoever is on call.
 */
export function whoIsOnCall(snapshots: ReadonlyArray<Snapshot & { usergroup: string }>): string {
  if (snapshots.length === 0) return "No on-call group is synced yet.";
  return snapshots.map(describeGroup).join("\n");
}

function describeGroup(s: Snapshot & { usergroup: string }): string {
  const title = `*${escapeSlack(s.name)}* (@${escapeSlack(s.handle ?? s.usergroup.replace(/^@/, ""))})`;
  const people = s.people.map((p) => {
    const until = p.end ? `until ${shiftEnd(new Date(p.end))}` : "until further notice";
    return `${escapeSlack(p.name)}${p.slackUserId ? "" : " (no Slack account)"} ${until}`;
  });
  const who = people.length ? people.join("; ") : s.syncedAt ? "nobody is on call" : "not known yet";
  const stale = s.failing
    ? `\n  _PagerDuty has failed since ${slackDate(new Date(s.failing.since))}: this is the last known on-call._`
    : s.nobodySince
      ? `\n  _PagerDuty has said nobody is on call since ${slackDate(new Date(s.nobodySince))}: this is the last known on-call, kept until that is confirmed._`
      : "";
  return `${title}: ${who}${stale}`;
}

/** Which snapshots a question is about: those whose name or handle appears in it, else all. */
export function matching<T extends Snapshot & { usergroup: string }>(snapshots: readonly T[], words: readonly string[]): T[] {
  const wanted = new Set(words.map(normalise).filter(Boolean));
  const hits = snapshots.filter((s) => [s.name, s.handle ?? "", s.usergroup].some((n) => wanted.has(normalise(n))));
  return hits.length ? hits : [...snapshots];
}

function normalise(word: string): string {
  return word.toLowerCase().replace(/^@/, "").replace(/[?!.,:;]+$/, "");
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
