import { Octokit } from "@octokit/rest";
import { sleep, type Logger } from "@botyard/core";
import type { ReleaseConfig } from "../config.js";
import { rateLimitWait } from "./rate-limit.js";

export type GitHub = Octokit;

export interface GitHubClientOptions {
  log: Logger;
  signal?: AbortSignal;
}

/**
 * The real Octokit, pointed at `github.baseUrl` (GitHub Enterprise Server, or an emulator in
 * tests), logging through the run's logger, and retrying calls that hit a rate limit.
 *
 * Rate limits are handled by a small request hook rather than @octokit/plugin-throttling: the
 * plugin runs every request through Bottleneck queues that space writes a second apart and knows
 * nothing of the run's abort signal; here a call waits only when GitHub says so, for at most
 * `maxRateLimitWaitSeconds`, at most `maxRetries` times, and stops waiting when the host shuts down.
 */
export function createGitHub(github: ReleaseConfig["github"], options: GitHubClientOptions): GitHub {
  const log = options.log.child({ component: "github" });
  const octokit = new Octokit({
    baseUrl: (github.baseUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    auth: github.token,
    userAgent: "botyard-plugin-release",
    // Octokit's own log lines go to the run's logger and never carry the token. Its request log
    // reports each failed request as an error, but a failure is the caller's to judge (a 422
    // "already exists" is a normal state, a 404 gets diagnosed): those lines are debug here.
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.debug(message),
    },
    request: options.signal ? { signal: options.signal } : {},
  });

  const maxWaitMs = (github.maxRateLimitWaitSeconds ?? 300) * 1000;
  const maxRetries = github.maxRetries ?? 3;
  octokit.hook.wrap("request", async (request, params) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(params);
      } catch (error) {
        const wait = rateLimitWait(error);
        if (!wait) throw error;
        // A route template (`/repos/{owner}/{repo}`) or, from the paginator, a full URL: keep the path only.
        const route = `${params.method} ${String(params.url).replace(/^https?:\/\/[^/]+/, "").replace(/\?.*$/, "")}`;
        if (attempt >= maxRetries || wait.ms > maxWaitMs) {
          const why = attempt >= maxRetries ? `still limited after ${maxRetries} retries` : `it lifts in ${Math.ceil(wait.ms / 1000)} s, beyond maxRateLimitWaitSeconds (${maxWaitMs / 1000} s)`;
          throw Object.assign(new Error(`GitHub ${wait.kind} rate limit on ${route}: ${why}.`), { status: (error as { status?: number }).status, cause: error, rateLimited: true });
        }
        log.warn({ route, kind: wait.kind, waitMs: wait.ms, attempt: attempt + 1 }, `GitHub ${wait.kind} rate limit: waiting ${Math.ceil(wait.ms / 1000)} s before retrying`);
        await sleep(wait.ms, options.signal);
      }
    }
  });
  return octokit;
}
