import { SLACK_BOT_SCOPES } from "@botyard/core";

/**
 * The scopes Slack accepts for the Web API methods the emulator implements, as it names them in
 * each answer's `x-accepted-oauth-scopes` header (docs.slack.dev/reference/methods: "Bot token"
 * scopes). Methods not listed need no scope (`auth.test`) or are not called by bot tokens.
 */
const ACCEPTED_SCOPES: Record<string, readonly string[]> = {
  "chat.postMessage": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  "chat.update": ["chat:write"],
  "chat.delete": ["chat:write"],
  "chat.getPermalink": [],
  "conversations.history": ["channels:history", "groups:history", "im:history", "mpim:history"],
  "conversations.replies": ["channels:history", "groups:history", "im:history", "mpim:history"],
  "conversations.info": ["channels:read", "groups:read", "im:read", "mpim:read"],
  "conversations.list": ["channels:read", "groups:read", "im:read", "mpim:read"],
  "conversations.members": ["channels:read", "groups:read", "im:read", "mpim:read"],
  "conversations.setTopic": ["channels:write.topic", "groups:write.topic", "im:write.topic", "mpim:write.topic"],
  "reactions.add": ["reactions:write"],
  "reactions.remove": ["reactions:write"],
  "reactions.get": ["reactions:read"],
  "users.info": ["users:read"],
  "users.list": ["users:read"],
  "users.lookupByEmail": ["users:read.email"],
  "usergroups.list": ["usergroups:read"],
  "usergroups.users.list": ["usergroups:read"],
  "usergroups.create": ["usergroups:write"],
  "usergroups.update": ["usergroups:write"],
  "usergroups.enable": ["usergroups:write"],
  "usergroups.disable": ["usergroups:write"],
  "usergroups.users.update": ["usergroups:write"],
};

/** Every bot scope Slack has: what the emulator's bot token holds unless a test says otherwise. */
export const ALL_BOT_SCOPES: readonly string[] = SLACK_BOT_SCOPES;

/**
 * The scope headers Slack puts on a Web API answer: the token's scopes (`x-oauth-scopes`, on
 * every answer to a call with a token) and, where the method needs one, the scopes it accepts.
 * The Slack clients read them (`response_metadata.scopes` / `acceptedScopes` in @slack/web-api).
 */
export function scopeHeaders(method: string, tokenScopes: readonly string[]): Record<string, string> {
  const accepted = ACCEPTED_SCOPES[method];
  return {
    "x-oauth-scopes": tokenScopes.join(","),
    ...(accepted && accepted.length > 0 ? { "x-accepted-oauth-scopes": accepted.join(",") } : {}),
  };
}
