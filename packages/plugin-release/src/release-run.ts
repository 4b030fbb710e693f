import type { BaseContext } from "@botyard/core";
import type { ReleaseConfig } from "./config.js";
import { createGitHub, type GitHub } from "./github/client.js";
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

export function startRun(ctx: BaseContext<unknown>, config: ReleaseConfig, targets: RepoTarget[], now = new Date()): ReleaseRun {
  return { ctx, config, targets, gh: createGitHub(config.github, { log: ctx.log, signal: ctx.signal, metrics: ctx.metrics, store: ctx.store }), now, pulls: new Map() };
}

/** `2024-06-03` in the configured zone. */
export function isoDate(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}
