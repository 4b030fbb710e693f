import { Octokit } from "@octokit/rest";
import { backoffDelay, sleep, withChildSignal, type Logger, type PluginMetrics, type Store } from "@botyard/core";
import type { ReleaseConfig } from "../config.js";
import { RateLimitBudget } from "./rate-limit-budget.js";
import { graphqlRateLimitWait, rateLimitWait } from "./rate-limit.js";

export type GitHub = Octokit;

export interface GitHubClientOptions {
  log: Logger;
  /** The run's signal: every request gets a child of it (see below), and waits stop when it aborts. */
  signal?: AbortSignal;
  /** Where the remaining rate-limit points are reported (`github_rate_limit_remaining{resource}`). */
  metrics?: PluginMetrics;
  /** Where "the rate limit is low" is remembered, so it is said once per reset window, not once per run. */
  store?: Store;
}

/** Server errors and timeouts are retried after a short backoff; rate limits wait as long as GitHub asks. */
const SERVER_ERROR_MIN_DELAY_MS = 500;
const SERVER_ERROR_MAX_DELAY_MS = 8_000;

/**
 * The real Octokit, pointed at `github.baseUrl` (GitHub Enterprise Server, or an emulator in
 * tests; GraphQL goes to `<host>/api/graphql` there, to `/graphql` on api.github.com), logging
 * through the run's logger, with one request hook that:
 *
 * - gives each request an abort signal of its own, linked to the run's (`withChildSignal`): fetch
 *   keeps a listener on the signal it is given until the request is garbage collected, so handing
 *   the run's signal to every request piled hundreds of listeners on it
 *   (`MaxListenersExceededWarning`);
 * - bounds each request by `timeoutSeconds`;
 * - waits out rate limits (REST 403/429, GraphQL's `RATE_LIMITED`) when GitHub says how long, for
 *   at most `maxRateLimitWaitSeconds`, and waits for the reset instead of sending a request it
 *   knows will be refused once the budget is spent;
 * - retries server errors (5xx) and timeouts with a backoff. Every write this plugin makes is safe to
 *   repeat: GitHub refuses a second open PR for one head and base ("A pull request already
 *   exists"), and updates, review requests, labels and assignees are idempotent;
 * - reports the remaining points of each resource as a metric, and warns once per reset window
 *   when fewer than 10% are left.
 *
 * Rate limits are handled here rather than by @octokit/plugin-throttling, which runs every request
 * through Bottleneck queues that space writes a second apart and knows nothing of the run's signal.
 */
export function createGitHub(github: ReleaseConfig["github"], options: GitHubClientOptions): GitHub {
  const log = options.log.child({ component: "github" });
  const octokit = new Octokit({
    baseUrl: github.baseUrl.replace(/\/+$/, ""),
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
  });

  const maxWaitMs = github.maxRateLimitWaitSeconds * 1000;
  const maxRetries = github.maxRetries;
  const timeoutMs = github.timeoutSeconds * 1000;
  const budget = new RateLimitBudget({ log, ...(options.metrics ? { metrics: options.metrics } : {}), ...(options.store ? { store: options.store } : {}) });

  octokit.hook.wrap("request", async (request, params) => {
    // The path as sent (`/repos/acme/web/compare/main...develop`), so errors name the repository.
    const path = readablePath(String(octokit.request.endpoint.parse(params).url));
    const route = `${params.method} ${path}`;
    const resource = /\/graphql$/.test(path) ? "graphql" : "core";
    const giveUp = (why: string, status: number | undefined, cause: unknown) =>
      Object.assign(new Error(`GitHub ${why} on ${route}`), { status, cause, rateLimited: true });

    for (let attempt = 0; ; attempt++) {
      const exhausted = budget.waitBeforeSending(resource);
      if (exhausted) {
        if (exhausted.ms > maxWaitMs) throw giveUp(`${resource} rate limit is spent until ${new Date(exhausted.resetAt).toISOString()}: it lifts in ${Math.ceil(exhausted.ms / 1000)} s, beyond maxRateLimitWaitSeconds (${maxWaitMs / 1000} s).`, 403, undefined);
        log.warn({ route, resource, waitMs: exhausted.ms }, `GitHub ${resource} rate limit spent: waiting ${Math.ceil(exhausted.ms / 1000)} s for it to reset`);
        await sleep(exhausted.ms, options.signal);
      }
      let failure: unknown;
      let timedOut = false;
      try {
        const response = await withChildSignal(options.signal, async (child) => {
          // One controller per request, aborted by the run's signal (through the child) or by the timeout.
          const controller = new AbortController();
          const abort = () => controller.abort(child?.reason);
          child?.addEventListener("abort", abort, { once: true });
          const timer = setTimeout(() => {
            timedOut = true;
            controller.abort(new Error(`timed out after ${timeoutMs} ms`));
          }, timeoutMs);
          // Set on `params` itself: the hooks below this one were bound to this very object.
          params.request = { ...params.request, signal: controller.signal };
          try {
            return await request(params);
          } finally {
            clearTimeout(timer);
            child?.removeEventListener("abort", abort);
          }
        });
        const limited = graphqlRateLimitWait(response);
        await budget.observe(resource, response.headers, { refused: limited !== undefined });
        if (!limited) return response;
        failure = Object.assign(new Error("GitHub GraphQL rate limit exceeded"), { status: 200, response, graphqlLimit: limited });
      } catch (error) {
        failure = error;
        await budget.observe(resource, (error as { response?: { headers?: Record<string, unknown> } }).response?.headers, { refused: rateLimitWait(error) !== undefined });
      }
      if (options.signal?.aborted) throw options.signal.reason;
      const status = (failure as { status?: number }).status;
      if (status === 304) throw failure; // "not modified": the caller's answer, not a failure

      const wait = (failure as { graphqlLimit?: ReturnType<typeof graphqlRateLimitWait> }).graphqlLimit ?? rateLimitWait(failure);
      if (wait) {
        if (attempt >= maxRetries || wait.ms > maxWaitMs) {
          const why = attempt >= maxRetries ? `still limited after ${maxRetries} retries` : `it lifts in ${Math.ceil(wait.ms / 1000)} s, beyond maxRateLimitWaitSeconds (${maxWaitMs / 1000} s)`;
          throw Object.assign(new Error(`GitHub ${wait.kind} rate limit on ${route}: ${why}.`), { status, cause: failure, rateLimited: true });
        }
        log.warn({ route, kind: wait.kind, waitMs: wait.ms, attempt: attempt + 1 }, `GitHub ${wait.kind} rate limit: waiting ${Math.ceil(wait.ms / 1000)} s before retrying`);
        await sleep(wait.ms, options.signal);
        continue;
      }

      const transient = timedOut || (typeof status === "number" && status >= 500);
      if (!transient || attempt >= maxRetries) {
        if (timedOut) throw Object.assign(new Error(`GitHub did not answer ${route} within ${timeoutMs / 1000} s (timeoutSeconds)${attempt ? `, ${attempt + 1} times` : ""}.`), { status: 504, cause: failure });
        throw failure;
      }
      const delayMs = backoffDelay(attempt + 1, SERVER_ERROR_MIN_DELAY_MS, SERVER_ERROR_MAX_DELAY_MS);
      log.warn({ route, status: timedOut ? "timeout" : status, attempt: attempt + 1, waitMs: delayMs }, `GitHub ${timedOut ? `did not answer within ${timeoutMs / 1000} s` : `answered ${status}`}: retrying in ${delayMs} ms`);
      await sleep(delayMs, options.signal);
    }
  });
  return octokit;
}

/** `/repos/acme/web/compare/main...develop`: the URL's path, decoded where it can be. */
function readablePath(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, "").replace(/\?.*$/, "");
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
