import type { BaseContext } from "@botyard/core";
import { Keys } from "../sync/state.js";
import { slackErrorCode } from "./slack-error.js";

// An email without a Slack account is asked about again after this long (someone may create it).
const NOT_FOUND_TTL_MS = 60 * 60 * 1000;

interface CachedUser {
  id: string | null;
}

/**
 * The Slack user with a PagerDuty user's email (`users.lookupByEmail`, cached in the store), or
 * `null` when there is none usable: no account, a deactivated one, or a guest (Slack does not let
 * guests into user groups). Each such email is warned about once. Slack failures throw: the caller
 * then leaves the group as it is rather than act on a partial answer.
 */
export async function slackUserFor(
  ctx: BaseContext<unknown>,
  person: { name: string; email: string | undefined },
  options: { cacheMs: number; group: string },
): Promise<string | null> {
  const email = person.email?.trim().toLowerCase();
  if (!email) {
    await warnOnce(ctx, `name:${person.name}`, { pagerDutyUser: person.name }, `PagerDuty user ${person.name} has no email, so no Slack account can be matched; left out of @${options.group}.`);
    return null;
  }
  const cached = await ctx.store.get<CachedUser>(Keys.slackUser(email));
  if (cached) return cached.id;

  let found: { id?: string; deleted?: boolean; is_restricted?: boolean; is_ultra_restricted?: boolean; is_bot?: boolean } | undefined;
  try {
    found = (await ctx.slack.users.lookupByEmail({ email })).user;
  } catch (error) {
    if (slackErrorCode(error) !== "users_not_found") throw error;
  }

  if (found?.id && !found.deleted && !found.is_bot && !found.is_restricted && !found.is_ultra_restricted) {
    if (options.cacheMs > 0) await ctx.store.set(Keys.slackUser(email), { id: found.id } satisfies CachedUser, { ttlMs: options.cacheMs });
    // Found now: should the account go away later, that deserves a warning again.
    await ctx.store.delete(Keys.warned(email));
    return found.id;
  }

  await ctx.store.set(Keys.slackUser(email), { id: null } satisfies CachedUser, { ttlMs: NOT_FOUND_TTL_MS });
  const why = !found?.id || found.deleted
    ? "no active Slack account has this email"
    : "their Slack account is a guest or a bot, which Slack keeps out of user groups";
  await warnOnce(
    ctx,
    email,
    { pagerDutyUser: person.name, email },
    `PagerDuty user ${person.name} (${email}) is on call but ${why}: left out of @${options.group}. Use the same email in PagerDuty and Slack.`,
  );
  return null;
}

/** Forgets a cached match (Slack refused the user in a group: the account changed). */
export async function forgetSlackUser(ctx: BaseContext<unknown>, email: string | undefined): Promise<void> {
  if (email) await ctx.store.delete(Keys.slackUser(email.trim().toLowerCase()));
}

async function warnOnce(ctx: BaseContext<unknown>, key: string, fields: Record<string, unknown>, message: string): Promise<void> {
  if (await ctx.store.setIfAbsent(Keys.warned(key), new Date().toISOString())) ctx.log.warn(fields, message);
}
