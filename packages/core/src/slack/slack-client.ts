import slackWebApi, { type WebAPICallResult, type WebClientOptions } from "@slack/web-api";
import type { Logger } from "../logging/logger.js";
import { toSlackLogger } from "../logging/slack-logger.js";

// @slack/web-api is CommonJS: named imports type-check but some fail at run time (see toolchain notes).
const { WebClient, WebClientEvent } = slackWebApi;

// Methods that only read. Everything else is treated as a write: when unsure, a dry run skips it.
const READ_METHOD = /(^auth\.test$)|(\.(list|info|history|replies|members|lookupByEmail|getPermalink|get|test)$)/;

export function isSlackWriteMethod(method: string): boolean {
  return !READ_METHOD.test(method);
}

export interface SlackCallObserver {
  slackCall(method: string, outcome: "ok" | "error" | "rate_limited"): void;
}

export interface SlackClientOptions {
  token: string;
  /** Base URL of the Web API (`https://slack.com/api/` by default; GovSlack and emulators differ). */
  apiUrl?: string;
  logger: Logger;
  observer?: SlackCallObserver;
  /** Passed to the WebClient (tests use short retry delays). */
  clientOptions?: Omit<WebClientOptions, "slackApiUrl" | "logger">;
}

/**
 * The host's one WebClient: every call is counted per method, 429s included. Runs see it through
 * `scopedSlackClient`, which turns its write methods into actions of the run.
 */
export function createSlackClient(options: SlackClientOptions): InstanceType<typeof WebClient> {
  const observer = options.observer;

  class BotyardWebClient extends WebClient {
    override async apiCall(method: string, args: Record<string, unknown> = {}): Promise<WebAPICallResult> {
      try {
        const result = await super.apiCall(method, args);
        observer?.slackCall(method, "ok");
        return result;
      } catch (error) {
        observer?.slackCall(method, "error");
        throw error;
      }
    }
  }

  const client = new BotyardWebClient(options.token, {
    ...options.clientOptions,
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    logger: toSlackLogger(options.logger.child({ component: "slack-web-api" })),
  });
  client.on(WebClientEvent.RATE_LIMITED, (_retrySec: number, { url }: { url: string }) => {
    observer?.slackCall(url.replace(/^.*\//, ""), "rate_limited");
  });
  return client;
}

