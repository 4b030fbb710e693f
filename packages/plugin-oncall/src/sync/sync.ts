import { backoffDelay, type BaseContext, type Clock, type Timer } from "@botyard/core";
import type { OncallConfig, SyncConfig } from "../config.js";
import { holdersOf, nobodyText, renderHandoff, topicText } from "../messages/messages.js";
import type { PagerDutyClient, PagerDutyError } from "../pagerduty/client.js";
import type { PdOnCall } from "../pagerduty/types.js";
import { slackErrorCode } from "../slack/slack-error.js";
import { currentGroup, reconcile } from "../slack/usergroup.js";
import { forgetSlackUser, slackUserFor } from "../slack/users.js";
import { Keys, syncKey, type Applied, type OnCallPerson, type Snapshot } from "./state.js";

export interface Syncer {
  config: OncallConfig;
  pagerduty: PagerDutyClient;
  /** Shift ends, "nobody" confirmations and snapshots are measured against it. */
  clock: Clock;
  /** The one-shot timer that re-syncs when the current shift ends (or PagerDuty is worth retrying). */
  timer: Timer;
}

// After PagerDuty failed, retry in 30 s, then 1, 2, 4 min, and every 5 min at most.
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 5 * 60_000;
// Never re-arm sooner than this: a shift end our clock sees as past, PagerDuty's may not yet.
const MIN_REARM_MS = 5_000;
const LEASE_MS = 60_000;

/**
 * How one group's sync ended: `failed` (PagerDuty or Slack failed: retried on the timer with
 * backoff), `stopped` (the host is shutting down), `unconfirmed` (PagerDuty said nobody is on call
 * for a group that had someone; see `confirmNobodyAfterMs`).
 */
type Outcome = "ok" | "failed" | "stopped" | "unconfirmed";

/**
 * Syncs every group, one run at a time across replicas (a lease). A run that finds another going
 * asks it to go round once more, so a shift end that lands mid-sync is not missed. Never throws:
 * failures are logged and leave the groups as they are.
 */
export async function syncAll(ctx: BaseContext<unknown>, s: Syncer): Promise<void> {
  const holder = ctx.runId;
  if (!(await ctx.store.acquireLease(Keys.lease, holder, LEASE_MS))) {
    await ctx.store.set(Keys.again, true, { ttlMs: LEASE_MS });
    ctx.log.debug("another sync is running; it will sync again when done");
    return;
  }
  const renew = setInterval(() => void ctx.store.renewLease(Keys.lease, holder, LEASE_MS).catch(() => false), LEASE_MS / 3);
  renew.unref();
  try {
    for (let round = 0; round < 2; round++) {
      await ctx.store.delete(Keys.again);
      const outcomes: Outcome[] = [];
      for (const sync of s.config.syncs) outcomes.push(await syncOne(ctx, s, sync));
      if (outcomes.includes("stopped")) break;
      await armTimer(ctx, s, outcomes.includes("failed"));
      if (!(await ctx.store.get(Keys.again))) break;
    }
  } catch (error) {
    // The store itself failed: nothing sensible to do but say so and wait for the next tick.
    ctx.log.error({ err: error }, "on-call sync failed");
  } finally {
    clearInterval(renew);
    await ctx.store.releaseLease(Keys.lease, holder).catch(() => false);
  }
}

async function syncOne(ctx: BaseContext<unknown>, s: Syncer, sync: SyncConfig): Promise<Outcome> {
  const key = syncKey(sync.usergroup);
  const previous = await ctx.store.get<Snapshot>(Keys.snapshot(key));
  const log = ctx.log.child({ usergroup: sync.usergroup });

  let oncalls: PdOnCall[];
  try {
    oncalls = await s.pagerduty.listOnCalls(sync.schedules ? { scheduleIds: sync.schedules } : { escalationPolicyIds: [sync.escalationPolicy!.id] }, {
      signal: ctx.signal,
      onRetry: ({ error, retry, delayMs }) => log.warn({ retry, delayMs, status: error.status }, `${error.message} Retrying.`),
    });
  } catch (error) {
    if (ctx.signal.aborted) return "stopped";
    const message = (error as Error).message;
    log.error({ err: error, status: (error as PagerDutyError).status }, `${message} The user group stays as it is.`);
    const since = previous?.failing?.since ?? s.clock.now().toISOString();
    await ctx.store.set(Keys.snapshot(key), {
      ...(previous ?? { name: sync.name ?? key, handle: undefined, syncedAt: undefined, people: [] }),
      failing: { since, error: message },
    } satisfies Snapshot);
    return "failed";
  }

  try {
    const current = await currentGroup(ctx, sync.usergroup, key);
    const group = current.group;
    const name = sync.name ?? group.handle;
    const people: OnCallPerson[] = [];
    for (const person of peopleOf(oncalls, sync)) {
      people.push({ ...person, slackUserId: await slackUserFor(ctx, person, { cacheMs: s.config.slackUserCacheMs, group: group.handle }) });
    }
    const holders = holdersOf(people);
    const policy = sync.whenNobody!;
    const nobody = holders.users.length === 0;
    if (nobody && previous && holdersOf(previous.people).users.length > 0) {
      const unconfirmed = await awaitConfirmation(ctx, s, log, key, previous, name);
      if (unconfirmed) return "unconfirmed";
    }
    const snapshot: Snapshot = { name, handle: group.handle, syncedAt: s.clock.now().toISOString(), people };
    await ctx.store.set(Keys.snapshot(key), snapshot);

    if (nobody && policy === "fallback") Object.assign(holders, { users: [sync.fallbackUser!], names: [], until: null });
    if (nobody && previous?.people.some((p) => p.slackUserId)) log.info(`nobody with a Slack account is on call; policy: ${policy}`);

    const target: Applied | undefined =
      holders.users.length > 0 ? { users: holders.users, enabled: true } : policy === "disable" ? { users: current.applied.users, enabled: false } : undefined;
    const changed = target ? await reconcile(ctx, group, current.applied, target) : false;

    if (changed) log.info({ users: target!.users, enabled: target!.enabled }, "user group updated");

    // The group is right from here on: a failure to tell people about it must not read as a failed sync.
    try {
      const handoff = holders.users.length > 0 ? renderHandoff(s.config.announceTemplate, { name, handle: group.handle, holders }) : undefined;
      const nobodySaid = nobodyText(name, group.handle, policy);
      if (changed && sync.announceChannel) {
        await ctx.slack.chat.postMessage({ channel: sync.announceChannel, text: handoff ?? nobodySaid });
      }
      if (sync.topicChannel) {
        const topic = topicText(holders.users.length > 0 ? renderHandoff(s.config.topicTemplate, { name, handle: group.handle, holders }) : nobodySaid);
        if ((await ctx.store.get<string>(Keys.topic(key))) !== topic) {
          await ctx.slack.conversations.setTopic({ channel: sync.topicChannel, topic });
          if (!ctx.dryRun) await ctx.store.set(Keys.topic(key), topic);
        }
      }
    } catch (error) {
      if (ctx.signal.aborted) return "stopped";
      // The client's error already says what to do (invite the app, add a scope...).
      log.error(
        { err: error, slackError: slackErrorCode(error) },
        `@${group.handle} is up to date, but telling the channel failed: ${(error as Error).message.replace(/\.?$/, ".")}`,
      );
    }
    return "ok";
  } catch (error) {
    if (ctx.signal.aborted) return "stopped";
    await explainSlackFailure(ctx, log, error, sync.usergroup, oncalls);
    return "failed";
  }
}

/**
 * PagerDuty has just said that nobody (with a Slack account) is on call for a group that had
 * someone. That is what a gap in a schedule looks like, and also what PagerDuty answers, with a
 * 200, for a schedule taken out of its escalation policy, a key whose access was narrowed, or a
 * degraded API during an incident: emptying, disabling or handing the group to the fallback user
 * on one such answer would leave alerts tagging nobody. So the group and the last known on-calls
 * are kept until PagerDuty has said "nobody" for `confirmNobodyAfterMs`; a sync is set for the
 * moment that time is up. Returns true while unconfirmed (the caller then changes nothing).
 */
async function awaitConfirmation(ctx: BaseContext<unknown>, s: Syncer, log: BaseContext<unknown>["log"], key: string, previous: Snapshot, name: string): Promise<boolean> {
  const now = s.clock.now().getTime();
  const since = previous.nobodySince ?? new Date(now).toISOString();
  const confirmAt = Date.parse(since) + s.config.confirmNobodyAfterMs;
  if (now >= confirmAt) {
    log.warn({ since }, `PagerDuty has said nobody is on call for ${name} since ${since}: applying whenNobody.`);
    return false;
  }
  const { failing: _, ...kept } = previous;
  await ctx.store.set(Keys.snapshot(key), { ...kept, nobodySince: since } satisfies Snapshot);
  if (previous.nobodySince === undefined) {
    const who = previous.people.filter((p) => p.slackUserId).map((p) => p.name).join(", ");
    log.warn(
      { since, confirmAt: new Date(confirmAt).toISOString() },
      `PagerDuty says nobody is on call for ${name}, where ${who} just was. The user group is kept as it is until PagerDuty still says so at ${new Date(confirmAt).toISOString()} (confirmNobodyAfterMs).`,
    );
  }
  return true;
}

/** One entry per person (PagerDuty lists a person once per policy, level and schedule), in PagerDuty's order. */
function peopleOf(oncalls: readonly PdOnCall[], sync: SyncConfig): Array<Omit<OnCallPerson, "slackUserId">> {
  const level = sync.escalationPolicy?.level;
  const byId = new Map<string, Omit<OnCallPerson, "slackUserId">>();
  for (const o of oncalls) {
    if (level !== undefined && o.escalation_level !== level) continue;
    const seen = byId.get(o.user.id);
    if (!seen) {
      byId.set(o.user.id, { pagerDutyId: o.user.id, name: o.user.name ?? o.user.summary ?? o.user.id, email: o.user.email, end: o.end });
    } else if (seen.end !== null && (o.end === null || Date.parse(o.end) > Date.parse(seen.end))) {
      // On call through several entries: until the last of them.
      seen.end = o.end;
    }
  }
  return [...byId.values()];
}

async function explainSlackFailure(ctx: BaseContext<unknown>, log: BaseContext<unknown>["log"], error: unknown, usergroup: string, oncalls: readonly PdOnCall[]) {
  const code = slackErrorCode(error);
  if (code === "permission_denied") {
    log.error(
      { err: error, slackError: code },
      `Slack refused to change user group ${usergroup} (permission_denied): this workspace restricts who may manage user groups. ` +
        "A Workspace Admin can allow it under Settings & administration > Workspace settings > Permissions > User Groups " +
        '("People who can change user groups" and "People who can disable user groups"), then the next sync applies it. ' +
        "The app also needs the usergroups:write scope.",
    );
  } else if (code === "invalid_user" || code === "invalid_users") {
    // An account changed since it was matched (deactivated, turned guest): look everyone up again next time.
    for (const o of oncalls) await forgetSlackUser(ctx, o.user.email);
    log.error({ err: error, slackError: code }, `Slack refused a member of ${usergroup} (${code}); the accounts are looked up again at the next sync.`);
  } else if (code === "missing_scope") {
    const needed = (error as { data?: { needed?: string } }).data?.needed;
    log.error({ err: error, slackError: code }, `The Slack app lacks the ${needed ?? "needed"} scope: add it (see the oncall plugin docs) and reinstall the app.`);
  } else {
    log.error({ err: error, slackError: code }, `Syncing ${usergroup} failed: ${(error as Error).message}. The user group stays as it is.`);
  }
}

/**
 * Sets the one-shot timer to the earliest moment a sync matters: the end of the earliest current
 * shift, the end of a "nobody is on call" being confirmed, or a retry with backoff when PagerDuty
 * or Slack failed.
 */
async function armTimer(ctx: BaseContext<unknown>, s: Syncer, failed: boolean): Promise<void> {
  const now = s.clock.now().getTime();
  const candidates: number[] = [];
  for (const sync of s.config.syncs) {
    const snapshot = await ctx.store.get<Snapshot>(Keys.snapshot(syncKey(sync.usergroup)));
    for (const p of snapshot?.people ?? []) {
      const end = p.end ? Date.parse(p.end) : Number.NaN;
      // A minute of slack for clocks: an end that just passed may not have passed for PagerDuty.
      if (end > now - 60_000) candidates.push(end);
    }
    // When PagerDuty's "nobody is on call" is to be believed, if it still says so.
    if (snapshot?.nobodySince) candidates.push(Date.parse(snapshot.nobodySince) + s.config.confirmNobodyAfterMs);
  }
  if (failed) {
    const failures = ((await ctx.store.get<number>(Keys.failures)) ?? 0) + 1;
    await ctx.store.set(Keys.failures, failures);
    candidates.push(now + backoffDelay(failures, RETRY_FIRST_MS, RETRY_MAX_MS));
  } else {
    await ctx.store.delete(Keys.failures);
  }
  if (candidates.length === 0) {
    s.timer.clear();
    return;
  }
  const at = new Date(Math.max(Math.min(...candidates), now + MIN_REARM_MS));
  s.timer.set(at);
  ctx.log.debug({ next: at.toISOString() }, "next sync at shift end");
}
