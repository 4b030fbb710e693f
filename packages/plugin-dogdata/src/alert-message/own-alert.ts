import type { DatadogEvent } from "../payload/parse-payload.js";
import { parseTransition } from "../payload/transition.js";
import type { AlertMessage, SlackMessageLike } from "./match-alert-message.js";

/** The Slack `metadata.event_type` of alert messages the bot posts itself. */
export const OWN_ALERT_EVENT_TYPE = "botyard_dogdata_alert";

/** Machine-readable data on the bot's own alert posts, so a history scan finds them without the Store. */
export function ownAlertMetadata(event: DatadogEvent): { event_type: string; event_payload: Record<string, string> } {
  return {
    event_type: OWN_ALERT_EVENT_TYPE,
    event_payload: {
      event_id: event.id,
      transition: event.transition ?? event.transitionText ?? "",
      scope: event.scope,
      name: event.name,
      ...(event.monitorId ? { monitor_id: event.monitorId } : {}),
      ...(event.cycleKey ? { cycle_key: event.cycleKey } : {}),
    },
  };
}

/** An alert message this bot posted (recognised by its bot id and its metadata, never by text). */
export function readOwnAlert(message: SlackMessageLike, selfBotId: string | undefined): (AlertMessage & { cycleKey: string | undefined }) | undefined {
  if (!selfBotId || message.bot_id !== selfBotId || message.metadata?.event_type !== OWN_ALERT_EVENT_TYPE) return undefined;
  const p = message.metadata.event_payload ?? {};
  if (typeof p.monitor_id !== "string") return undefined;
  return {
    monitorId: p.monitor_id,
    scope: typeof p.scope === "string" ? p.scope : "",
    transition: parseTransition(typeof p.transition === "string" ? p.transition : undefined),
    name: typeof p.name === "string" ? p.name : "",
    eventId: typeof p.event_id === "string" ? p.event_id : undefined,
    isTest: false,
    cycleKey: typeof p.cycle_key === "string" ? p.cycle_key : undefined,
  };
}
