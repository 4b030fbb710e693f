/**
 * What went wrong with a Slack call, sorted by what an operator can do about it. The Slack clients
 * throw four error classes, told apart by `@slack/web-api`'s `code`s (compared by value, as a plugin
 * may bring its own copy of the clients).
 */
export type SlackFailure =
  /** Slack answered `{ ok: false, error }` (HTTP 200): retrying the same call gives the same answer. */
  | { kind: "platform"; error: string; needed?: string; provided?: string }
  /** Slack answered HTTP 429, on every attempt the call was allowed. */
  | { kind: "rate_limited"; retryAfterSec?: number }
  /** Slack answered another HTTP status (5xx during an outage) on every attempt. */
  | { kind: "http"; status: number }
  /** No answer: refused, reset, or no answer within the timeout. */
  | { kind: "unreachable"; detail: string; timedOut: boolean }
  | { kind: "other"; message: string };

export function classifySlackError(error: unknown): SlackFailure {
  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    data?: { error?: unknown; needed?: unknown; provided?: unknown; response_metadata?: { scopes?: unknown; acceptedScopes?: unknown } };
    statusCode?: unknown;
    retryAfter?: unknown;
    original?: { name?: unknown; message?: unknown; cause?: { message?: unknown; code?: unknown } };
  };
  const message = typeof e.message === "string" ? e.message : String(error);
  switch (e.code) {
    case "slack_webapi_platform_error": {
      const data = e.data ?? {};
      const meta = data.response_metadata ?? {};
      // Slack names the scopes in the body (`needed`, `provided`); the client also maps its headers.
      const needed = typeof data.needed === "string" ? data.needed : scopeList(meta.acceptedScopes);
      const provided = typeof data.provided === "string" ? data.provided : scopeList(meta.scopes);
      return { kind: "platform", error: String(data.error), ...(needed ? { needed } : {}), ...(provided ? { provided } : {}) };
    }
    case "slack_webapi_rate_limited_error":
      return { kind: "rate_limited", ...(typeof e.retryAfter === "number" ? { retryAfterSec: e.retryAfter } : {}) };
    case "slack_webapi_http_error":
      return { kind: "http", status: Number(e.statusCode) };
    case "slack_webapi_request_error": {
      const original = e.original ?? {};
      const timedOut = original.name === "TimeoutError" || original.name === "AbortError";
      const cause = original.cause?.message ?? original.message;
      return { kind: "unreachable", detail: typeof cause === "string" ? cause : message, timedOut };
    }
  }
  return { kind: "other", message };
}

/** Errors that mean the bot token is no good, whatever the method. */
const TOKEN_REFUSED = new Set(["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"]);

export interface FailureContext {
  method: string;
  args: Record<string, unknown>;
  /** How many attempts the client made (p-retry counts them on the error). */
  attempts?: number;
  elapsedMs?: number;
  /** The request timeout, to say how long "no answer" was. */
  timeoutMs?: number;
  /** The bot user's handle (`botyard`), for "/invite @botyard". */
  botHandle?: string;
  /** The channel's name, when it could be looked up (`ops`). */
  channelName?: string;
}

/**
 * One sentence an operator can act on: the method, what it was called for (channel, user group),
 * what Slack said and what to do, e.g. `chat.postMessage in C0123 failed: not_in_channel — invite
 * the app: /invite @botyard in #ops`. `hint` is the part after the dash, when there is advice to give.
 */
export function describeSlackFailure(failure: SlackFailure, c: FailureContext): { message: string; hint?: string } {
  const channel = typeof c.args.channel === "string" ? c.args.channel : undefined;
  const target = channel
    ? ` in ${channel}`
    : typeof c.args.usergroup === "string"
      ? ` for user group ${c.args.usergroup}`
      : typeof c.args.user === "string"
        ? ` for user ${c.args.user}`
        : "";
  const where = c.channelName ? `#${c.channelName}` : channel ? `the channel ${channel}` : "the channel";
  const app = c.botHandle ? `@${c.botHandle}` : "@<the app's bot name>";
  const tries = attemptsText(c);
  let what: string;
  let hint: string | undefined;
  switch (failure.kind) {
    case "platform":
      what = failure.error;
      if (failure.error === "not_in_channel") hint = `invite the app: /invite ${app} in ${where}`;
      else if (failure.error === "channel_not_found") {
        hint = `the app sees no channel ${channel ?? ""}: check the channel id in the bot's config (ids look like C0123ABCD), or, for a private channel, invite the app: /invite ${app} in it`;
      } else if (failure.error === "is_archived") hint = `${where} is archived: unarchive it, or point the bot at another channel`;
      else if (failure.error === "missing_scope") {
        const scope = failure.needed ? `the ${failure.needed} scope` : "a scope it lacks";
        hint =
          `the app needs ${scope}${failure.provided ? ` (it has ${failure.provided})` : ""}: add it under OAuth & Permissions at ` +
          "https://api.slack.com/apps, reinstall the app to the workspace, and restart botyard with the new slack.botToken if it changed";
      } else if (TOKEN_REFUSED.has(failure.error)) {
        hint = "Slack refused the bot token: check slack.botToken (xoxb-...); if the app was uninstalled or the token revoked, reinstall the app and update slack.botToken";
      }
      break;
    case "rate_limited":
      what = `rate limited (HTTP 429${failure.retryAfterSec !== undefined ? `, Retry-After ${failure.retryAfterSec} s` : ""})${tries}`;
      hint = `the bots call ${c.method} faster than Slack allows for this workspace: spread the calls out or make fewer`;
      break;
    case "http":
      what = `Slack answered HTTP ${failure.status}${tries}`;
      hint = "Slack may be having trouble (https://slack-status.com); the call was retried as far as it is allowed to be";
      break;
    case "unreachable":
      what = failure.timedOut
        ? `no answer from Slack${c.timeoutMs ? ` within ${duration(c.timeoutMs)}` : ""}${tries}`
        : `cannot reach Slack (${failure.detail})${tries}`;
      hint = "check the network path to Slack (slack.apiUrl, proxy, DNS, firewall) and https://slack-status.com";
      break;
    default:
      what = failure.message;
  }
  return { message: `${c.method}${target} failed: ${what}${hint ? ` — ${hint}` : ""}`, ...(hint ? { hint } : {}) };
}

/** Whether naming the channel (one `conversations.info` call) makes the advice better. */
export function wantsChannelName(failure: SlackFailure): boolean {
  return failure.kind === "platform" && (failure.error === "not_in_channel" || failure.error === "is_archived");
}

function attemptsText(c: FailureContext): string {
  if (!c.attempts || c.attempts < 2) return "";
  const over = c.elapsedMs !== undefined ? ` over ${duration(c.elapsedMs)}` : "";
  return ` on each of ${c.attempts} attempts${over}`;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

function scopeList(value: unknown): string | undefined {
  return Array.isArray(value) && value.length > 0 ? value.join(",") : undefined;
}
