import { DEFAULT_TEMPLATES, type DogdataConfig } from "./config.js";
import type { SenderRule } from "./alert-message/match-alert-message.js";
import { DEFAULT_MONITOR_PATTERN, DEFAULT_SCOPE_PATTERN, type LinkPatterns } from "./payload/monitor-link.js";

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
  templates: Required<NonNullable<DogdataConfig["templates"]>>;
}

/** Settles a validated config (the host has applied the schema's defaults). Throws naming the field on a bad regex. */
export function resolveSettings(config: DogdataConfig): Settings {
  const senders = config.senders ?? {};
  const match = config.match ?? {};
  const index = config.index ?? {};
  const scan = config.scan ?? {};
  const notFound = config.notFound ?? {};
  const templates = config.templates ?? {};
  return {
    channels: config.channels,
    postChannel: config.postChannel ?? config.channels[0]!,
    senders: { names: senders.names ?? ["Datadog"], botIds: senders.botIds ?? [], appIds: senders.appIds ?? [] },
    patterns: {
      monitor: compile("match.monitorPattern", match.monitorPattern ?? DEFAULT_MONITOR_PATTERN),
      scope: compile("match.scopePattern", match.scopePattern ?? DEFAULT_SCOPE_PATTERN),
    },
    index: { enabled: index.enabled ?? true, ttlMs: (index.ttlHours ?? 168) * HOUR },
    ownPosts: config.ownPosts ?? false,
    scan: { enabled: scan.enabled ?? true, lookbackMs: (scan.lookbackHours ?? 24) * HOUR, pageSize: scan.pageSize ?? 100, maxPages: scan.maxPages ?? 10 },
    notFound: { action: notFound.action ?? "standalone", afterMs: (notFound.afterSeconds ?? 120) * 1000 },
    reaction: config.reaction ?? "white_check_mark",
    dedupeTtlMs: (config.dedupeTtlHours ?? 24) * HOUR,
    templates: checkTemplates({ ...DEFAULT_TEMPLATES, ...templates }),
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
