import type { BaseContext } from "@botyard/core";
import { Keys, type Applied, type GroupRef } from "../sync/state.js";

// A handle rarely changes: resolving it once a day keeps a steady state free of Slack calls.
const GROUP_CACHE_MS = 24 * 60 * 60 * 1000;

/** The group a sync targets, and the membership to compare with: last applied, or as Slack has it on a first sync. */
export async function currentGroup(ctx: BaseContext<unknown>, usergroup: string, sync: string): Promise<{ group: GroupRef; applied: Applied }> {
  const cachedRef = await ctx.store.get<GroupRef>(Keys.group(sync));
  const applied = cachedRef ? await ctx.store.get<Applied>(Keys.applied(cachedRef.id)) : undefined;
  if (cachedRef && applied) return { group: cachedRef, applied };

  const listed = await ctx.slack.usergroups.list({ include_users: true, include_disabled: true });
  const handle = usergroup.replace(/^@/, "");
  const found = listed.usergroups?.find((g) => g.id === usergroup || g.handle === handle);
  if (!found?.id) {
    throw new Error(
      `No Slack user group "${usergroup}": create it in Slack (People > User groups) and give its handle or id in the config. The bot never creates groups.`,
    );
  }
  const group: GroupRef = { id: found.id, handle: found.handle ?? handle };
  await ctx.store.set(Keys.group(sync), group, { ttlMs: GROUP_CACHE_MS });
  const stored = await ctx.store.get<Applied>(Keys.applied(group.id));
  return { group, applied: stored ?? { users: found.users ?? [], enabled: !found.date_delete } };
}

/**
 * Makes the group hold `target` with as few writes as possible: none when it already does.
 * Each write that went through is recorded at once, so a failure half-way is not repeated.
 * Returns whether anything changed.
 */
export async function reconcile(ctx: BaseContext<unknown>, group: GroupRef, applied: Applied, target: Applied): Promise<boolean> {
  let state = applied;
  const record = async (next: Applied) => {
    state = next;
    // Under dry-run nothing was written: remember nothing, so going live applies it for real.
    if (!ctx.dryRun) await ctx.store.set(Keys.applied(group.id), next);
  };
  let changed = false;
  if (target.enabled) {
    // Slack keeps a disabled group's members: enable first, then update only if they differ.
    if (!state.enabled) {
      await ctx.slack.usergroups.enable({ usergroup: group.id });
      await record({ ...state, enabled: true });
      changed = true;
    }
    if (!sameMembers(state.users, target.users)) {
      await ctx.slack.usergroups.users.update({ usergroup: group.id, users: target.users.join(",") });
      await record({ users: target.users, enabled: true });
      changed = true;
    }
  } else if (state.enabled) {
    await ctx.slack.usergroups.disable({ usergroup: group.id });
    await record({ ...state, enabled: false });
    changed = true;
  }
  return changed;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
