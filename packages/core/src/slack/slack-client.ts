import { createRequire } from "node:module";
import type { WebAPICallResult, WebClient, WebClientOptions } from "@slack/web-api";
import type { Logger } from "../logging/logger.js";
import { toSlackLogger } from "../logging/slack-logger.js";
import { RateLimitGate } from "./rate-limit-gate.js";
import { classifySlackError, describeSlackFailure, wantsChannelName } from "./slack-failure.js";

// @slack/web-api (and the axios, undici... it loads) is required when the first client is made, not
// when core is imported: `botyard validate`, `list` and `schema` never make one, and a plugin's
// tests that only check its config do not pay for it. It is CommonJS, so require() is synchronous.
const require = createRequire(import.meta.url);
const slackWebApi = (): typeof import("@slack/web-api") => require("@slack/web-api") as typeof import("@slack/web-api");

// Methods that only read. Everything else is treated as a write: when unsure, a dry run skips it.
const READ_METHOD = /(^auth\.test$)|(\.(list|info|history|replies|members|lookupByEmail|getPermalink|get|test)$)/;

export function isSlackWriteMethod(method: string): boolean {
  return !READ_METHOD.test(method);
}

/**
 * How a call that got no answer or a 5xx is retried (Slack's `{ ok: false }` answers are not: they
 * would come back the same): 5 retries, 0.5 s to 8 s apart with jitter, so at most about 23 s of
 * waiting. A 429 is retried as many times, each after its Retry-After. The client's own default
 * (10 retries over about 30 minutes) would hold a run, and a chat-ops answer, for half an hour.
 */
export const SLACK_RETRY_POLICY = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 8_000, randomize: true } as const;

/**
 * One attempt gets this long to be answered, counted from when it is sent (the client's default is
 * no limit: a hung Slack hung the run).
 */
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;

/** How long the advice on a failure may wait for the channel's name. */
const NAME_LOOKUP_MS = 2_000;

export interface SlackCallObserver {
  slackCall(method: string, outcome: "ok" | "error" | "rate_limited"): void;
}

export interface SlackClientOptions {
  token: string;
  /** Base URL of the Web API (`https://slack.com/api/` by default; GovSlack and emulators differ). */
  apiUrl?: string;
  logger: Logger;
  observer?: SlackCallObserver;
  /** Passed to the WebClient (tests use short retry delays); `retryConfig` and `timeout` replace the defaults above. */
  clientOptions?: Omit<WebClientOptions, "slackApiUrl" | "logger">;
}

/**
 * The host's one WebClient. Every call is counted per method, 429s included; every failure is
 * thrown with a message that says what to do (the method, the channel, and the invite or scope that
 * is missing, see `describeSlackFailure`), once, after the retries: the run's logger, which names
 * the bot, logs it with the run's failure. The error keeps its class, `code` and `data`, so code
 * that handles Slack's errors (`error.data.error === "already_reacted"`) works as before.
 *
 * Retries: the WebClient's own (p-retry, `SLACK_RETRY_POLICY`) for no answer and 5xx; a 429 comes
 * back from it at once (`rejectRateLimitedCalls`) and is retried here, after its Retry-After and in
 * turn with the other callers of the method (`RateLimitGate`), as many times as the policy allows.
 * The WebClient would instead pause every call for the Retry-After, then release all that queued up
 * meanwhile at once, and retry each on its own schedule: one layer of retries either way.
 * Runs see the client through `scopedSlackClient`, which turns its write methods into actions of the run.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  const { WebClient, WebClientEvent } = slackWebApi();
  const observer = options.observer;
  const gate = new RateLimitGate();
  const timeoutMs = options.clientOptions?.timeout ?? SLACK_REQUEST_TIMEOUT_MS;
  const rateLimitRetries = options.clientOptions?.rejectRateLimitedCalls ? 0 : (options.clientOptions?.retryConfig?.retries ?? SLACK_RETRY_POLICY.retries);
  // The bot's handle, from the host's own auth.test at start, for "/invite @botyard".
  let botHandle: string | undefined;

  class BotyardWebClient extends WebClient {
    override async apiCall(method: string, args: Record<string, unknown> = {}): Promise<WebAPICallResult> {
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        const probe = attempt > 1 && (await gate.turn(method));
        try {
          const result = await super.apiCall(method, args);
          gate.lifted(method);
          const user = (result as { user?: unknown }).user;
          if (method === "auth.test" && typeof user === "string") botHandle = user;
          observer?.slackCall(method, "ok");
          return result;
        } catch (error) {
          const retryAfter = retryAfterOf(error);
          if (retryAfter !== undefined) {
            gate.limited(method, retryAfter * 1_000, probe);
            if (attempt <= rateLimitRetries) continue;
          } else if (probe) gate.probeFailed(method);
          observer?.slackCall(method, "error");
          // p-retry counts the attempts of a call that failed otherwise; the 429s are counted here.
          const attempts = retryAfter !== undefined ? attempt : (error as { attemptNumber?: number }).attemptNumber;
          throw await this.explain(error, method, args, { attempts, elapsedMs: Date.now() - started });
        }
      }
    }

    /** The same error, with a message saying what happened and what to do. */
    private async explain(error: unknown, method: string, args: Record<string, unknown>, tried: { attempts: number | undefined; elapsedMs: number }): Promise<unknown> {
      const failure = classifySlackError(error);
      const channel = typeof args.channel === "string" ? args.channel : undefined;
      const channelName = channel && wantsChannelName(failure) ? await this.channelName(channel) : undefined;
      const { message, hint } = describeSlackFailure(failure, {
        method,
        args,
        ...(tried.attempts !== undefined ? { attempts: tried.attempts } : {}),
        elapsedMs: tried.elapsedMs,
        timeoutMs,
        ...(botHandle ? { botHandle } : {}),
        ...(channelName ? { channelName } : {}),
      });
      return explained(error, message, hint);
    }

    /** Best effort, bounded: advice naming `#ops` beats `C0123`, but is not worth waiting for. */
    private async channelName(channel: string): Promise<string | undefined> {
      const lookup = super.apiCall("conversations.info", { channel }).then((r) => (r as { channel?: { name?: string } }).channel?.name);
      lookup.catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), NAME_LOOKUP_MS)));
      try {
        return await Promise.race([lookup, late]);
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  const client = new BotyardWebClient(options.token, {
    retryConfig: SLACK_RETRY_POLICY,
    ...options.clientOptions,
    timeout: timeoutMs,
    rejectRateLimitedCalls: true,
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    logger: toSlackLogger(options.logger.child({ component: "slack-web-api" })),
  });
  client.on(WebClientEvent.RATE_LIMITED, (_retrySec: number, { url }: { url: string }) => {
    observer?.slackCall(url.replace(/^.*\//, ""), "rate_limited");
  });
  return client;
}

/** The Retry-After of a 429 the client gave back (`WebAPIRateLimitedError`), in seconds. */
function retryAfterOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; retryAfter?: unknown } | undefined;
  return e?.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number" ? e.retryAfter : undefined;
}

// The same error object, so its class, `code` and `data` stay what callers test for.
function explained(error: unknown, message: string, hint: string | undefined): unknown {
  if (!(error instanceof Error)) return error;
  const before = error.message;
  error.message = message;
  if (error.stack?.includes(before)) error.stack = error.stack.replace(before, message);
  if (hint) Object.assign(error, { hint });
  return error;
}
