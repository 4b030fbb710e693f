// A message's content as the Web API takes it: text, blocks (checked as Slack checks them), attachments.
import { apiError, invalidBlocks } from "../errors.js";
import { alnum } from "../events.js";
import { type SlackMessageMetadata } from "../state.js";
import { Args, required } from "./web-api-call.js";

export interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: SlackMessageMetadata;
}

/** Parse and check text/blocks/attachments/metadata; `undefined` fields were not sent. */
export function readContent(args: Args): Content {
  const content: Content = {};
  const text = args.str("text");
  if (text !== undefined) content.text = text;
  const blocks = args.json("blocks", "invalid_blocks_format");
  if (blocks !== undefined) content.blocks = normalizeBlocks(blocks);
  const attachments = args.json("attachments", "invalid_attachments");
  if (attachments !== undefined) {
    if (!Array.isArray(attachments) || attachments.some((a) => typeof a !== "object" || a === null)) throw apiError("invalid_attachments");
    if (attachments.length > 100) throw apiError("too_many_attachments");
    // Slack numbers attachments; readers of history see these ids.
    content.attachments = attachments.map((a, i) => ({ id: i + 1, ...(a as object) }));
  }
  const metadata = args.json("metadata", "invalid_metadata_format");
  if (metadata !== undefined) {
    const m = metadata as Partial<SlackMessageMetadata>;
    if (typeof m !== "object" || typeof m.event_type !== "string" || !m.event_type || (m.event_payload !== undefined && (typeof m.event_payload !== "object" || m.event_payload === null))) {
      throw apiError("invalid_metadata_format");
    }
    content.metadata = { event_type: m.event_type, event_payload: m.event_payload ?? {} };
  }
  return content;
}

export function hasContent(content: Content): boolean {
  return Boolean(content.text) || Boolean(content.blocks?.length) || Boolean(content.attachments?.length);
}

export const KNOWN_TEXT_TYPES = new Set(["plain_text", "mrkdwn"]);

/**
 * Check the Block Kit rules bots most often trip over (limits, required fields, text types) and
 * fill in the ids Slack generates (`block_id`, `action_id`). Block types not checked here pass.
 */
export function normalizeBlocks(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw apiError("invalid_blocks_format");
  const problems: { message: string; pointer: string }[] = [];
  const fail = (message: string, pointer: string) => problems.push({ message, pointer });
  if (value.length > 50) fail("must contain no more than 50 items", "/blocks");
  const blockIds = new Set<string>();
  const blocks = value.map((raw, i) => {
    const at = `/blocks/${i}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      fail("must be an object", at);
      return raw;
    }
    const block = { ...(raw as Record<string, unknown>) };
    if (typeof block.type !== "string") {
      fail("missing required field: type", at);
      return block;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== "string" || block.block_id.length > 255) fail("must be a string of at most 255 characters", `${at}/block_id`);
      else if (blockIds.has(block.block_id)) fail(`duplicate block_id: ${block.block_id}`, `${at}/block_id`);
      else blockIds.add(block.block_id);
    } else {
      block.block_id = alnum(5);
    }
    const text = block.text as Record<string, unknown> | undefined;
    const checkText = (t: unknown, pointer: string, max: number, plainOnly = false) => {
      const obj = t as Record<string, unknown> | undefined;
      if (!obj || typeof obj !== "object") return fail("must be a text object", pointer);
      if (typeof obj.type !== "string" || !KNOWN_TEXT_TYPES.has(obj.type)) fail("must be plain_text or mrkdwn", `${pointer}/type`);
      else if (plainOnly && obj.type !== "plain_text") fail("must be plain_text", `${pointer}/type`);
      if (typeof obj.text !== "string" || obj.text.length === 0) fail("must be at least 1 character", `${pointer}/text`);
      else if (obj.text.length > max) fail(`must be less than ${max + 1} characters`, `${pointer}/text`);
    };
    const actionIds = new Set<string>();
    const checkElement = (el: unknown, pointer: string) => {
      if (typeof el !== "object" || el === null) return fail("must be an object", pointer);
      const element = el as Record<string, unknown>;
      if (typeof element.type !== "string") return fail("missing required field: type", pointer);
      if (element.action_id === undefined && element.type !== "image") element.action_id = alnum(5);
      if (typeof element.action_id === "string") {
        if (actionIds.has(element.action_id)) fail(`duplicate action_id: ${element.action_id}`, `${pointer}/action_id`);
        actionIds.add(element.action_id);
      }
      if (element.type === "button") {
        checkText(element.text, `${pointer}/text`, 75, true);
        if (typeof element.value === "string" && element.value.length > 2000) fail("must be less than 2001 characters", `${pointer}/value`);
        if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") fail("must be primary or danger", `${pointer}/style`);
      }
    };
    switch (block.type) {
      case "section":
        if (text === undefined && block.fields === undefined) fail("must provide text or fields", at);
        if (text !== undefined) checkText(text, `${at}/text`, 3000);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) fail("must be an array of at most 10 items", `${at}/fields`);
          else block.fields.forEach((f, j) => checkText(f, `${at}/fields/${j}`, 2000));
        }
        if (block.accessory !== undefined) {
          const accessory = { ...(block.accessory as Record<string, unknown>) };
          checkElement(accessory, `${at}/accessory`);
          block.accessory = accessory;
        }
        break;
      case "header":
        checkText(text, `${at}/text`, 150, true);
        break;
      case "actions":
      case "context": {
        const max = block.type === "actions" ? 25 : 10;
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > max) {
          fail(`must be an array of 1 to ${max} items`, `${at}/elements`);
        } else {
          block.elements = block.elements.map((el, j) => {
            const copy = typeof el === "object" && el !== null ? { ...(el as object) } : el;
            if (block.type === "actions") checkElement(copy, `${at}/elements/${j}`);
            return copy;
          });
        }
        break;
      }
      default:
        break;
    }
    return block;
  });
  if (problems.length) throw invalidBlocks(problems);
  return withEmojiFlags(structuredClone(blocks)) as unknown[];
}

/** Slack stores every `plain_text` object with `emoji` set, `true` when the poster left it out. */
function withEmojiFlags(value: unknown): unknown {
  if (Array.isArray(value)) value.forEach(withEmojiFlags);
  else if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj.type === "plain_text" && typeof obj.text === "string" && obj.emoji === undefined) obj.emoji = true;
    Object.values(obj).forEach(withEmojiFlags);
  }
  return value;
}
