import type { LinkPatterns } from "../payload/monitor-link.js";
import { isFromDatadog, readAlertMessage, type AlertMessage, type SenderRule, type SlackMessageLike } from "./match-alert-message.js";
import { readOwnAlert } from "./own-alert.js";

export interface RecognisedAlert extends AlertMessage {
  ts: string;
}

/**
 * The one test for "is this an alert message": Datadog's own posts (by sender, then read by the
 * matcher) and this bot's own alert posts (by bot id and metadata). Test notifications are not
 * alerts: they never recover.
 */
export function createRecogniser(
  options: { senders: SenderRule; patterns: LinkPatterns },
  selfBotId: () => string | undefined,
): (message: SlackMessageLike) => RecognisedAlert | undefined {
  return (message) => {
    if (!message.ts) return undefined;
    const read = isFromDatadog(message, options.senders) ? readAlertMessage(message, options.patterns) : readOwnAlert(message, selfBotId());
    if (!read || read.isTest) return undefined;
    return { ...read, ts: message.ts };
  };
}
