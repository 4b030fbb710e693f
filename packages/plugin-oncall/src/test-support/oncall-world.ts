// A PagerDuty account and a Slack workspace that agree on emails, with the oncall bot running
// between them through the real clients. Used by this package's tests only (not published).
import { slackDate } from "@botyard/core";
import { createTestBot, PagerDutyEmulator, SlackEmulator, type PdSchedule, type PdUser, type TestBot } from "@botyard/testing";
import oncall, { SHIFT_END_TIMER } from "../index.js";

export const T0 = new Date("2030-03-11T09:00:00Z");
export const HOUR = 3_600_000;
export const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

/** The end of a shift as the bot writes it: Slack markup with the weekday, in each reader's timezone. */
export const until = (date: Date) => slackDate(date, "{date_long_pretty} at {time}");

export const ANNOUNCE = "C0ANNOUNCE";
export const TOPIC = "C000TOPIC";

export interface Person {
  pd: PdUser;
  /** Slack user id; absent for someone with no Slack account. */
  slack: string | undefined;
}

export interface World {
  pd: PagerDutyEmulator;
  slack: SlackEmulator;
  t: TestBot;
  alice: Person;
  bob: Person;
  /** In PagerDuty only: no Slack account has her email. */
  carol: Person;
  /** In Slack only: the fallback user. */
  dave: string;
  primary: PdSchedule;
  secondary: PdSchedule;
  /** The user group's id. */
  group: string;
  /** Moves PagerDuty's clock (the bot reads "now" from PagerDuty's answers). */
  setTime(date: Date): void;
  /** Runs the periodic sync now and waits for it. */
  sync(): Promise<void>;
  /** Fires the shift-end timer now and waits for it. */
  fireTimer(): Promise<void>;
  /** When the shift-end timer is set to fire. */
  timerNext(): Date | undefined;
  /** How many times the shift-end timer's sync has run (the first sync after start is one). */
  timerRuns(): number;
  members(): string[];
  announcements(): string[];
  /** Slack calls that change something (the bot's steady state makes none). */
  slackWrites(): string[];
  logs(level: "warn" | "error"): string[];
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Changes to the bot's config (the default syncs `oncall-sre` from the primary schedule). */
  config?: (w: Omit<World, "t" | "sync" | "fireTimer" | "timerNext" | "timerRuns" | "close" | "logs">) => Record<string, unknown>;
  /** Runs after the seed data and before the bot starts (its first sync is at start-up). */
  before?: (w: Omit<World, "t" | "sync" | "fireTimer" | "timerNext" | "timerRuns" | "close" | "logs">) => void;
  dryRun?: boolean;
  /** Return once the bot has started, without waiting for its first sync (which runs right after, on the timer). */
  noWait?: boolean;
}

const READS = /\.(list|info|history|replies|members|lookupByEmail|test)$|^apps\.connections\.open$/;

/**
 * Alice is on call on the primary schedule until T0+1h, then Bob until T0+1d; the secondary
 * schedule is empty; the group `@oncall-sre` starts empty.
 */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  let clock = T0;
  const pd = await PagerDutyEmulator.start({ now: () => clock });
  const slack = await SlackEmulator.start({ ackTimeoutMs: 1_000 });
  const person = (name: string, email: string, inSlack: boolean): Person => ({
    pd: pd.addUser({ name, email }),
    slack: inSlack ? slack.addUser({ name: name.toLowerCase().split(" ")[0]!, realName: name, email }).id : undefined,
  });
  const alice = person("Alice Archer", "alice@example.com", true);
  const bob = person("Bob Baker", "Bob@Example.com", true);
  const carol = person("Carol Cho", "carol@example.com", false);
  const dave = slack.addUser({ name: "dave", email: "dave@example.com" }).id;
  const primary = pd.addSchedule({ name: "SRE primary" });
  const secondary = pd.addSchedule({ name: "SRE secondary" });
  pd.setOnCall(primary.id, [
    { userId: alice.pd.id, start: at(-HOUR), end: at(HOUR) },
    { userId: bob.pd.id, start: at(HOUR), end: at(24 * HOUR) },
  ]);
  const group = slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" }).id;
  slack.createChannel("announce", { id: ANNOUNCE });
  slack.createChannel("ops", { id: TOPIC });

  const base = {
    pd,
    slack,
    alice,
    bob,
    carol,
    dave,
    primary,
    secondary,
    group,
    setTime: (date: Date) => void (clock = date),
    members: () => slack.usergroup(group)!.users,
    announcements: () => slack.messages(ANNOUNCE).map((m) => m.text),
    slackWrites: () => slack.calls.map((c) => c.operation).filter((m) => !READS.test(m)),
  };
  options.before?.(base);
  const config = {
    pagerduty: { token: pd.token, baseUrl: pd.url, retries: 2, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2_000 },
    // Never on its own during a test: the tests fire it.
    interval: "0 0 1 1 *",
    syncs: [{ usergroup: "oncall-sre", name: "SRE", schedules: [primary.id], announceChannel: ANNOUNCE }],
    ...options.config?.(base),
  };
  // The first sync runs on the timer right as the socket starts; on a loaded machine its cold
  // first run (the emulators' schema checks compile) can outlast the default 200 ms ping timeout.
  const t = await createTestBot(oncall, config, { slack, pingTimeoutMs: 2_000, ...(options.dryRun ? { dryRun: true } : {}) });
  const timerRuns = () => t.status().triggers.find((x) => x.name === `timer:${SHIFT_END_TIMER}`)?.runs ?? 0;
  if (!options.noWait) {
    // The first sync is a timer run the start hook sets off.
    await slack.waitFor(() => timerRuns() >= 1, 10_000);
    await t.settle();
  }
  return {
    ...base,
    t,
    timerRuns,
    sync: () => t.fireSchedule("sync"),
    fireTimer: async () => {
      await t.engine.fire(t.id, `timer:${SHIFT_END_TIMER}`);
      await t.settle();
    },
    timerNext: () => {
      const next = t.status().triggers.find((x) => x.name === `timer:${SHIFT_END_TIMER}`)?.nextRun;
      return next ? new Date(next) : undefined;
    },
    logs: (level) => t.logs.filter((l) => l.level === (level === "warn" ? 40 : 50)).map((l) => String(l.msg)),
    close: async () => {
      await t.close();
      await slack.close();
      await pd.close();
    },
  };
}
