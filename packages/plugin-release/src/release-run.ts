import { token, Tokens, type BaseContext } from "@botyard/core";
import type { ReleaseConfig } from "./config.js";
import type { GitHub, GitHubClientOptions } from "./github/client.js";
import type { PullView } from "./github/pull-reader.js";
import type { RepoTarget } from "./release/repo-target.js";

/** What one run of the bot works with: its context, its config, a GitHub client bound to the run. */
export interface ReleaseRun {
  ctx: BaseContext<unknown>;
  config: ReleaseConfig;
  targets: RepoTarget[];
  gh: GitHub;
  /** The moment the run is for (a schedule tick's planned time): dates in titles, reminder ticks. */
  now: Date;
  /** Pull requests already read in this run (see `readPull`), by `owner/name#number`. */
  pulls: Map<string, Promise<PullView>>;
}

/**
 * The bot's services, in its container. GitHub is a factory rather than a client because each run
 * binds its client to the run's logger, signal and metrics. `bot.provide` in setup registers
 * `createGitHub(config.github, ...)`; a test or the host may register another first.
 */
export const ReleaseTokens = {
  GitHub: token<(options: GitHubClientOptions) => GitHub>("release:github"),
} as const;

/** `now`: a schedule tick's planned time; otherwise the bot's clock (`Tokens.Clock`). */
export function startRun(ctx: BaseContext<unknown>, config: ReleaseConfig, targets: RepoTarget[], now?: Date): ReleaseRun {
  const gh = ctx.container.resolve(ReleaseTokens.GitHub)({ log: ctx.log, signal: ctx.signal, metrics: ctx.metrics, store: ctx.store });
  return { ctx, config, targets, gh, now: now ?? ctx.container.resolve(Tokens.Clock).now(), pulls: new Map() };
}

/** `2024-06-03` in the configured zone. */
export function isoDate(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}
