// The Slack Web API methods the emulator implements, by family (web-api/*-methods.ts), and the call
// that runs one of them with Slack's token checks and error answers.
import { apiError, SlackApiError } from "./errors.js";
import { CHAT_METHODS } from "./web-api/chat-methods.js";
import { CONVERSATION_METHODS } from "./web-api/conversation-methods.js";
import { PEOPLE_METHODS } from "./web-api/people-methods.js";
import type { Args, Method, TokenKind, WebApiContext } from "./web-api/web-api-call.js";
import { WORKSPACE_METHODS } from "./web-api/workspace-methods.js";

export { Args, type WebApiContext } from "./web-api/web-api-call.js";
export { normalizeBlocks, readContent } from "./web-api/message-content.js";
export { permalink } from "./web-api/channel-access.js";

const METHODS: Record<string, Method> = { ...WORKSPACE_METHODS, ...CHAT_METHODS, ...CONVERSATION_METHODS, ...PEOPLE_METHODS };

/** Methods the emulator implements, for error messages and docs. */
export const WEB_API_METHODS: readonly string[] = Object.keys(METHODS);

/** Run one Web API call; returns the JSON body (HTTP 200, as Slack answers errors too). */
export function callWebApi(method: string, args: Args, token: string | undefined, ctx: WebApiContext): Record<string, unknown> {
  const entry = METHODS[method];
  if (!entry) return { ok: false, error: "unknown_method", req_method: method };
  try {
    if (!token) throw apiError("not_authed");
    if (token !== ctx.botToken && token !== ctx.appToken) throw apiError("invalid_auth");
    const kind: TokenKind = token === ctx.appToken ? "app" : "bot";
    if (kind !== entry.token) throw apiError("not_allowed_token_type");
    return { ok: true, ...entry.handle(args, ctx) };
  } catch (error) {
    if (error instanceof SlackApiError) return { ok: false, error: error.error, ...error.extra };
    throw error;
  }
}
