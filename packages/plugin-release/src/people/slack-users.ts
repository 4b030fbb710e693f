import { escapeSlack } from "@botyard/core";
import { readFailure } from "../github/errors.js";
import type { ReleaseRun } from "../release-run.js";

const FOUND_TTL_MS = 7 * 24 * 3600_000;
const NOT_FOUND_TTL_MS = 24 * 3600_000;

/**
 * Slack users for GitHub logins: the config's `slackUsers` map first, else the GitHub account's
 * public e-mail looked up with `users.lookupByEmail` (cached in the store). A login that resolves
 * to nobody is named in plain text, and a warning says how to map it, once per login.
 */
export class SlackPeople {
  constructor(private readonly run: ReleaseRun) {}

  /** `<@U123>`, or the login in plain text (no ping) when it has no Slack user. */
  async mention(login: string): Promise<string> {
    const id = await this.userId(login);
    return id ? `<@${id}>` : escapeSlack(login);
  }

  async userId(login: string): Promise<string | undefined> {
    const { ctx, config } = this.run;
    const lower = login.toLowerCase();
    const mapped = Object.entries(config.slackUsers).find(([l]) => l.toLowerCase() === lower)?.[1];
    if (mapped) return mapped;

    const cacheKey = `slack-user/${lower}`;
    const cached = await ctx.store.get<{ id: string | null }>(cacheKey);
    if (cached) return cached.id ?? undefined;

    const found = await this.lookUp(login);
    if (found === "unknown") return undefined; // a failure, not an answer: ask again next time
    await ctx.store.set(cacheKey, { id: found ?? null }, { ttlMs: found ? FOUND_TTL_MS : NOT_FOUND_TTL_MS });
    if (!found && (await ctx.store.setIfAbsent(`warned/unresolved/${lower}`, { at: new Date().toISOString() }))) {
      ctx.log.warn(
        { login },
        `no Slack user for GitHub login "${login}" (no public e-mail on GitHub, or none matching in Slack): reminders name it in plain text. Map it in \`slackUsers\`.`,
      );
    }
    return found;
  }

  private async lookUp(login: string): Promise<string | undefined | "unknown"> {
    const { ctx, gh } = this.run;
    let email: string | null | undefined;
    try {
      email = (await gh.users.getByUsername({ username: login })).data.email;
    } catch (error) {
      if (readFailure(error).status === 404) return undefined;
      ctx.log.warn({ login, err: error }, `could not read GitHub user "${login}"`);
      return "unknown";
    }
    if (!email) return undefined;
    try {
      const res = await ctx.slack.users.lookupByEmail({ email });
      return res.user?.id;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === "users_not_found") return undefined;
      ctx.log.warn({ login, error: code ?? String(error) }, "users.lookupByEmail failed (the app needs the users:read.email scope)");
      return "unknown";
    }
  }
}
