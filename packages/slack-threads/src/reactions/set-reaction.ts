import type { Logger, WebClient } from "@botyard/core";

/** The `error` of a Slack platform error (`already_reacted`...), if it is one. */
export function slackError(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === "string" ? code : undefined;
}

// States rather than failures: the reaction is already as wanted, or the message is gone (nothing to mark).
const SETTLED = new Set(["already_reacted", "no_reaction", "message_not_found"]);

/** Adds or removes the check on messages. Rate limits are retried by the client; other errors throw (the delivery is retried). */
export async function setReaction(
  slack: WebClient,
  log: Logger,
  action: "add" | "remove",
  channel: string,
  timestamps: string[],
  name: string,
): Promise<void> {
  for (const timestamp of timestamps) {
    try {
      if (action === "add") await slack.reactions.add({ channel, timestamp, name });
      else await slack.reactions.remove({ channel, timestamp, name });
    } catch (error) {
      const code = slackError(error);
      if (!code || !SETTLED.has(code)) throw error;
      if (code === "message_not_found") log.warn({ channel, ts: timestamp }, `the alert message is gone; no :${name}: to ${action}`);
    }
  }
}
