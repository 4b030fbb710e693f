import { BotyardError, ErrorCodes, type Logger, type createSlackClient } from "@botyard/core";

/** Refuses tokens of the wrong kind before any round trip, saying where each kind is found. */
export function checkTokens(slack: { appToken: string; botToken: string }): void {
  if (!slack.appToken.startsWith("xapp-")) {
    throw new BotyardError(ErrorCodes.HOST_START, "slack.appToken is not an app-level token (it must start with xapp-).", {
      hint: "Create one under Basic Information > App-Level Tokens with the connections:write scope.",
    });
  }
  if (!slack.botToken.startsWith("xoxb-")) {
    throw new BotyardError(ErrorCodes.HOST_START, "slack.botToken is not a bot token (it must start with xoxb-).", {
      hint: "Install the app to the workspace and copy the Bot User OAuth Token.",
    });
  }
}

/**
 * Checks the bot token with Slack and learns the app's identity (so bots do not see their own
 * messages) and the token's scopes (from the answer's `x-oauth-scopes` header, which the client
 * puts in `response_metadata.scopes`; absent when no header came).
 */
export async function authTest(slack: ReturnType<typeof createSlackClient>, log: Logger): Promise<{ userId?: string; botId?: string; scopes?: string[] }> {
  try {
    const auth = await slack.auth.test();
    log.info({ team: auth.team, user: auth.user }, "Slack bot token accepted");
    const scopes = auth.response_metadata?.scopes;
    return {
      ...(auth.user_id ? { userId: auth.user_id } : {}),
      ...(auth.bot_id ? { botId: auth.bot_id as string } : {}),
      ...(Array.isArray(scopes) ? { scopes: scopes.filter((s) => s !== "") } : {}),
    };
  } catch (cause) {
    const code = (cause as { data?: { error?: string } }).data?.error;
    throw new BotyardError(ErrorCodes.HOST_START, `Slack refused the bot token${code ? ` (${code})` : ""}: ${(cause as Error).message}`, {
      hint: "Check slack.botToken (xoxb-...) and, for GovSlack or an emulator, slack.apiUrl.",
      cause,
    });
  }
}
