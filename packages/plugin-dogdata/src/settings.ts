import type { DogdataConfig } from "./config.js";
import type { SenderRule } from "./alert-message/match-alert-message.js";
import type { LinkPatterns } from "./payload/monitor-link.js";

const HOUR = 3_600_000;

/** The config in the form the bot works with: durations in ms, patterns compiled, defaults settled. */
export interface Settings {
  channels: string[];
  postChannel: string;
  senders: SenderRule;
  patterns: LinkPatterns;
  index: { enabled: boolean; ttlMs: number };
  ownPosts: boolean;
  scan: { enabled: boolean; lookbackMs: number; pageSize: number; maxPages: number };
  notFound: { action: "standalone" | "log"; afterMs: number };
  reaction: string;
  dedupeTtlMs: number;
  templates: DogdataConfig["templates"];
}

/** Settles a validated config (the host has applied the schema's defaults). Throws naming the field on a bad regex. */
export function resolveSettings(config: DogdataConfig): Settings {
  const { senders, match, index, scan, notFound, templates } = config;
  return {
    channels: config.channels,
    postChannel: config.postChannel ?? config.channels[0]!,
    senders: { names: senders.names, botIds: senders.botIds, appIds: senders.appIds },
    patterns: {
      monitor: compile("match.monitorPattern", match.monitorPattern),
      scope: compile("match.scopePattern", match.scopePattern),
    },
    index: { enabled: index.enabled, ttlMs: index.ttlHours * HOUR },
    ownPosts: config.ownPosts,
    scan: { enabled: scan.enabled, lookbackMs: scan.lookbackHours * HOUR, pageSize: scan.pageSize, maxPages: scan.maxPages },
    notFound: { action: notFound.action, afterMs: notFound.afterSeconds * 1000 },
    reaction: config.reaction,
    dedupeTtlMs: config.dedupeTtlHours * HOUR,
    templates: checkTemplates(templates),
  };
}

// Only the links the bot builds itself may go in unescaped; anything from Datadog is escaped.
const RAW_PLACEHOLDERS = new Set(["links", "datadog_link", "original_link"]);

function checkTemplates<T extends Record<string, string>>(templates: T): T {
  for (const [name, template] of Object.entries(templates)) {
    for (const [, placeholder] of template.matchAll(/\{\{\{\s*([\w.]+)\s*\}\}\}/g)) {
      if (!RAW_PLACEHOLDERS.has(placeholder!)) {
        throw new Error(`dogdata: config templates.${name} uses {{{${placeholder}}}}, which would put Datadog's text in unescaped (a title could ping @channel). Write {{${placeholder}}}.`);
      }
    }
  }
  return templates;
}

function compile(field: string, source: string): RegExp {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (error) {
    throw new Error(`dogdata: config ${field} is not a valid regular expression: ${(error as Error).message}`);
  }
  if (!/\((?!\?)|\(\?<[^=!]/.test(source.replace(/\\./g, ""))) throw new Error(`dogdata: config ${field} needs a capturing group (the part in parentheses is what is read).`);
  return pattern;
}
