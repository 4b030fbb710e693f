import { readFileSync } from "node:fs";
import { recordShape } from "./registry.js";
import { violation } from "./exchange.js";
import { compareShape, emptyDiff, type ShapeDiff } from "./sample-shapes.js";
import { sampleRules } from "./sample-optional.js";
import { SPECS_DIR } from "./specs.js";

/**
 * The recorded Slack payloads (packages/testing/specs/slack-samples/, from slackapi/java-slack-sdk;
 * see its SOURCE.md) the emulator's answers and deliveries are compared with, by file in this
 * package → file in java-slack-sdk's `json-logs/samples/`.
 */
export const SAMPLE_FILES: Record<string, string> = {
  ...Object.fromEntries(
    [
      "apps.connections.open",
      "auth.test",
      "bots.info",
      "chat.delete",
      "chat.getPermalink",
      "chat.postEphemeral",
      "chat.postMessage",
      "chat.update",
      "conversations.history",
      "conversations.info",
      "conversations.join",
      "conversations.list",
      "conversations.members",
      "conversations.open",
      "conversations.replies",
      "conversations.setTopic",
      "reactions.add",
      "reactions.get",
      "reactions.remove",
      "team.info",
      "usergroups.create",
      "usergroups.disable",
      "usergroups.enable",
      "usergroups.list",
      "usergroups.users.list",
      "usergroups.users.update",
      "users.info",
      "users.list",
      "users.lookupByEmail",
    ].map((m) => [`api/${m}.json`, `api/${m}.json`]),
  ),
  ...Object.fromEntries(Object.values(eventSampleNames()).map((name) => [`events/${name}.json`, `events/${name}.json`])),
  "app-backend/BlockActionPayload.json": "app-backend/interactive-components/BlockActionPayload.json",
  "app-backend/SlashCommandPayload.json": "app-backend/slash-commands/SlashCommandPayload.json",
};

/** Event shapes (an event's `type`, `message.<subtype>` for message subtypes) → their sample's name. */
function eventSampleNames(): Record<string, string> {
  return {
    app_mention: "AppMentionPayload",
    member_joined_channel: "MemberJoinedChannelPayload",
    member_left_channel: "MemberLeftChannelPayload",
    message: "MessagePayload",
    "message.bot_message": "MessageBotPayload",
    "message.message_changed": "MessageChangedPayload",
    "message.message_deleted": "MessageDeletedPayload",
    "message.thread_broadcast": "MessageThreadBroadcastPayload",
    "message.channel_join": "MessageChannelJoinPayload",
    "message.channel_leave": "MessageChannelLeavePayload",
    "message.channel_name": "MessageChannelNamePayload",
    "message.channel_purpose": "MessageChannelPurposePayload",
    "message.channel_topic": "MessageChannelTopicPayload",
    "message.channel_archive": "MessageChannelArchivePayload",
    "message.file_share": "MessageFileSharePayload",
    "message.me_message": "MessageMePayload",
    reaction_added: "ReactionAddedPayload",
    reaction_removed: "ReactionRemovedPayload",
    subteam_members_changed: "SubteamMembersChangedPayload",
    subteam_updated: "SubteamUpdatedPayload",
  };
}

let shapes: Record<string, string> | undefined;

/** Every shape compared with a sample: Web API methods by name, events by shape, and the two interactive payloads. */
export function sampledShapes(): Record<string, string> {
  shapes ??= shapesToSamples();
  return { ...shapes };
}

function shapesToSamples(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const local of Object.keys(SAMPLE_FILES)) if (local.startsWith("api/")) out[local.slice(4, -5)] = local;
  out["conversations.open without return_im"] = "api/conversations.open.json";
  for (const [shape, name] of Object.entries(eventSampleNames())) out[`event ${shape}`] = `events/${name}.json`;
  out["interactive block_actions"] = "app-backend/BlockActionPayload.json";
  out["slash_commands"] = "app-backend/SlashCommandPayload.json";
  return out;
}

/** The shape name of a delivered payload, `undefined` when no sample covers it. */
export function payloadShape(type: "events_api" | "slash_commands" | "interactive", payload: Record<string, unknown>): string | undefined {
  if (type === "slash_commands") return "slash_commands";
  if (type === "interactive") return payload.type === "block_actions" ? "interactive block_actions" : undefined;
  const event = (payload.event ?? {}) as { type?: unknown; subtype?: unknown };
  const shape = event.type === "message" && typeof event.subtype === "string" ? `message.${event.subtype}` : String(event.type);
  return `event ${shape}`;
}

/** Where the samples are, with their SOURCE.md and LICENSE. */
export const SAMPLES_DIR = `${SPECS_DIR}slack-samples/`;

const cache = new Map<string, unknown>();

function loadSample(file: string): unknown {
  let sample = cache.get(file);
  if (sample === undefined) {
    sample = JSON.parse(readFileSync(`${SAMPLES_DIR}${file}`, "utf8")) as unknown;
    cache.set(file, sample);
  }
  return sample;
}

/**
 * Compare one answer or payload with the sample for its shape, and record the outcome; a key Slack
 * sends that the emulator left out, or a value of another type, is a conformance violation. Shapes
 * without a sample are not compared.
 */
export function checkAgainstSample(shape: string, operation: string, direction: "response" | "event", body: unknown): ShapeDiff | undefined {
  shapes ??= shapesToSamples();
  const file = shapes[shape];
  if (!file) return undefined;
  const diff = compareShape(loadSample(file), body, sampleRules(shape), emptyDiff());
  recordShape(shape, diff);
  if (diff.missing.size || diff.typeDiffers.size) {
    violation(
      "slack",
      operation,
      direction,
      `the ${direction === "event" ? "payload" : "answer"} lacks keys (or has other JSON types than) Slack's recorded ${shape} (packages/testing/specs/slack-samples/${file}); keys Slack sends only in some circumstances belong in sample-optional.ts with a reason`,
      [...[...diff.missing].map((p) => `missing ${p}`), ...[...diff.typeDiffers].map((p) => `type of ${p}`)],
    );
  }
  return diff;
}
