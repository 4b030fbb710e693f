// @botyard/plugin-dogdata: Datadog recoveries threaded under the original alert, with a green check.
export { default } from "./plugin.js";
export { DogdataConfig, DEFAULT_TEMPLATES } from "./config.js";

// The payload parser and the Slack message matcher, for authors of related bots.
export { parseDatadogPayload, alertKey, PAYLOAD_DOCS } from "./payload/parse-payload.js";
export type { DatadogEvent, ParsedPayload } from "./payload/parse-payload.js";
export { parseAlertTitle } from "./payload/title.js";
export type { AlertTitle } from "./payload/title.js";
export { TRANSITIONS, parseTransition, transitionKind } from "./payload/transition.js";
export type { Transition, TransitionKind } from "./payload/transition.js";
export { normalizeScope } from "./payload/scope.js";
export { DEFAULT_MONITOR_PATTERN, DEFAULT_SCOPE_PATTERN, findMonitorLink } from "./payload/monitor-link.js";
export type { LinkPatterns, MonitorLink } from "./payload/monitor-link.js";
export { isFromDatadog, readAlertMessage } from "./alert-message/match-alert-message.js";
export type { AlertMessage, SenderRule, SlackMessageLike } from "./alert-message/match-alert-message.js";
export { OWN_ALERT_EVENT_TYPE } from "./alert-message/own-alert.js";
