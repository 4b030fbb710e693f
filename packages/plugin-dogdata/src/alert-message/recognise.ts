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
 *
 * The bot's own messages are never read as Datadog's, even when a sender rule would take them
 * (its app named in `senders.names`, its bot id in `senders.botIds`): its replies and standalone
 * recoveries carry Datadog titles and links. The engine keeps them out of live events; this keeps
 * them out of the history scan too, where only its own alert posts count, by their metadata.
 */
export function createRecogniser(
  options: { senders: SenderRule; patterns: LinkPatterns },
  self: () => { botId?: string | undefined; userId?: string | undefined },
): (message: SlackMessageLike) => RecognisedAlert | undefined {
  return (message) => {
    if (!message.ts) return undefined;
    const { botId, userId } = self();
    const fromSelf = (botId !== undefined && message.bot_id === botId) || (userId !== undefined && message.user === userId);
    const read = fromSelf ? readOwnAlert(message, botId) : isFromDatadog(message, options.senders) ? readAlertMessage(message, options.patterns) : undefined;
    if (!read || read.isTest) return undefined;
    return { ...read, ts: message.ts };
  };
}
