// @botyard/slack-threads: the Slack threading machinery alert plugins share.
//
// Why a package and not core: core is the plugin contract and the engine every bot loads; this is
// one kind of bot's toolkit (alerts kept as one Slack message each, answered in its thread). A
// plugin that does not thread alerts should not carry it, and it can change at its own pace
// without a core release. It builds only on core's public API (Store, ctx.once, WebClient).

export { Workspace, type WorkspaceInfo } from "./workspace/workspace.js";
export { setReaction, slackError } from "./reactions/set-reaction.js";
export { compareTs, postedAt } from "./slack-ts/slack-ts.js";
export { formatDuration, messageUrl, safeUrl, slackLink } from "./links/links.js";
export { SLACK_LIMITS, context, fallbackText, fitBlocks, header, section, type Block, type MrkdwnText } from "./limits/block-kit-limits.js";
export { findMarked, isMarked, postOnce, type MarkedMessage, type PostMarker, type PostOnceOptions } from "./post-once/post-once.js";
export { updateEntry } from "./entries/update-entry.js";
export { ChannelPace } from "./pacing/channel-pace.js";
export { createAuthenticator, createWebhookVerifier, type AuthOptions, type Headers } from "./intake/authenticate.js";
