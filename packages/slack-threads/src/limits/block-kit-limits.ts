import { truncate } from "@botyard/core";

/**
 * Slack's limits on what one message may hold (docs.slack.dev/reference/block-kit/blocks and
 * chat.postMessage): past them Slack refuses the whole message (`invalid_blocks`, `msg_too_long`).
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3_000,
  headerText: 150,
  contextElements: 10,
  sectionFields: 10,
  sectionFieldText: 2_000,
  /** `text` beside blocks is the notification fallback; Slack truncates past 40,000, keep it short. */
  fallbackText: 3_000,
} as const;

export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}

export type Block =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji?: boolean } }
  | { type: "section"; text: MrkdwnText; fields?: MrkdwnText[] }
  | { type: "context"; elements: MrkdwnText[] }
  | { type: "divider" };

/** A section of mrkdwn, cut to Slack's 3,000 characters. */
export function section(text: string): Block {
  return { type: "section", text: { type: "mrkdwn", text: truncate(text || " ", SLACK_LIMITS.sectionText) } };
}

/**
 * A header, cut to 150 characters. Plain text is not parsed for mentions, but `<` and `>` become
 * `‹ ›` anyway: a header is copied into notifications and fallbacks, where `<!channel>` would ping.
 */
export function header(text: string): Block {
  const plain = (text || " ").replace(/</g, "‹").replace(/>/g, "›");
  return { type: "header", text: { type: "plain_text", text: truncate(plain, SLACK_LIMITS.headerText), emoji: true } };
}

/** A context line of up to 10 mrkdwn elements, each cut like a section. */
export function context(elements: string[]): Block {
  return { type: "context", elements: elements.filter(Boolean).slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: "mrkdwn", text: truncate(text, SLACK_LIMITS.sectionText) })) };
}

/**
 * Keeps a message within 50 blocks: the first `blocksPerMessage - 1` are kept and the last says how
 * many were left out (a storm of 200 alerts in one group still posts).
 */
export function fitBlocks(blocks: Block[], omitted: (count: number) => string = (n) => `_…and ${n} more_`): Block[] {
  if (blocks.length <= SLACK_LIMITS.blocksPerMessage) return blocks;
  const kept = blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1);
  return [...kept, context([omitted(blocks.length - kept.length)])];
}

/** The notification text beside blocks, within bounds. */
export function fallbackText(text: string): string {
  return truncate(text, SLACK_LIMITS.fallbackText);
}
