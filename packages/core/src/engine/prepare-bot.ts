import type { BotInfo } from "../context/context.js";
import type { Container } from "../di/container.js";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { Logger } from "../logging/logger.js";
import type { Plugin } from "../plugin/define-plugin.js";
import { createBotBuilder, type Registrations } from "../plugin/bot.js";
import { validateAgainst, type ConfigIssue } from "../config/validate.js";

/** One bot as bots.yaml declares it. */
export interface BotSpec {
  id: string;
  plugin: Plugin;
  /** The raw `config:` (defaults are applied here). */
  config: unknown;
  dryRun?: boolean;
  /** The npm package (or path) the plugin came from, and its version, for `botyard list`. */
  source?: string;
  version?: string;
}

/** A bot whose config is valid and whose setup has run: ready to be started by an engine. */
export interface PreparedBot {
  spec: BotSpec;
  info: BotInfo;
  config: unknown;
  registrations: Registrations;
  container: Container;
  log: Logger;
}

/** Checks a bot's `config:` against its plugin's schema, defaults applied. */
export function validatePluginConfig(plugin: Plugin, raw: unknown): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[]; value: unknown } {
  return validateAgainst(plugin.config, raw);
}

/**
 * Validates the config and runs `setup`, which only registers. Throws `BOTYARD_ERR_PLUGIN_CONFIG_INVALID`
 * or `BOTYARD_ERR_PLUGIN_SETUP_FAILED`; the host reports the bot as failed and goes on with the others.
 */
export function prepareBot(spec: BotSpec, deps: { logger: Logger; container: Container }): PreparedBot {
  const checked = validatePluginConfig(spec.plugin, spec.config);
  if (!checked.ok) {
    const lines = checked.issues.map((i) => `  config${i.path.replace(/\//g, ".")} ${i.message}`).join("\n");
    throw new BotyardError(ErrorCodes.PLUGIN_CONFIG_INVALID, `Bot "${spec.id}" (${spec.plugin.name}) has an invalid config:\n${lines}`, {
      hint: `See the plugin's documentation, or run \`botyard schema\` for the fields it accepts.`,
      details: { bot: spec.id, issues: checked.issues },
    });
  }
  const info: BotInfo = { id: spec.id, plugin: spec.plugin.name, dryRun: spec.dryRun ?? false };
  const log = deps.logger.child({ bot: spec.id, plugin: spec.plugin.name });
  const container = deps.container.createChild();
  const { bot, registrations } = createBotBuilder(info, checked.value, log, container);
  let result: unknown;
  try {
    result = spec.plugin.setup(bot, checked.value as never);
  } catch (cause) {
    throw new BotyardError(ErrorCodes.PLUGIN_SETUP_FAILED, `Bot "${spec.id}" (${spec.plugin.name}) failed in setup: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
      hint: "Fix the plugin or its config; the other bots keep running.",
      // The config value a trigger refused (a timezone, a cron pattern), for the host to locate.
      details: { bot: spec.id, ...(typeof (cause as { details?: { value?: unknown } })?.details?.value === "string" ? { value: (cause as { details: { value: string } }).details.value } : {}) },
    });
  }
  if (result && typeof (result as Promise<unknown>).then === "function") {
    // Swallow the stray promise's outcome: the error below is the one to report.
    (result as Promise<unknown>).then(undefined, () => {});
    throw new BotyardError(ErrorCodes.PLUGIN_SETUP_FAILED, `Bot "${spec.id}" (${spec.plugin.name}): setup must not be async.`, {
      hint: "setup only registers triggers and services; move start-up I/O into bot.onStart(async (ctx) => ...).",
      details: { bot: spec.id },
    });
  }
  return { spec, info, config: checked.value, registrations, container, log };
}

/**
 * The bots to fail for a trigger conflict (every claimant but the first), each with the error
 * naming what it claims: the engine fails them, and the host refuses the config before opening its store.
 */
export function triggerConflictErrors(bots: PreparedBot[]): Map<string, BotyardError> {
  const clashes = new Map<string, string[]>();
  for (const conflict of findTriggerConflicts(bots)) {
    for (const id of conflict.bots.slice(1)) {
      clashes.set(id, [...(clashes.get(id) ?? []), `the ${conflict.what} "${conflict.value}", which bot "${conflict.bots[0]}" already claims`]);
    }
  }
  return new Map(
    [...clashes].map(([id, what]) => [
      id,
      new BotyardError(ErrorCodes.TRIGGER_CONFLICT, `Bot "${id}" claims ${what.join("; and ")}.`, {
        hint: "Slash commands and mention keywords are exclusive: give each bot its own.",
      }),
    ]),
  );
}

/** Exclusive claims (slash commands, mention keywords) held by more than one bot. */
export function findTriggerConflicts(bots: PreparedBot[]): Array<{ what: string; value: string; bots: string[] }> {
  const owners = new Map<string, { what: string; value: string; bots: string[] }>();
  for (const bot of bots) {
    for (const trigger of bot.registrations.triggers) {
      for (const claim of trigger.claims?.() ?? []) {
        const id = `${claim.what}\u0000${claim.value.toLowerCase()}`;
        const entry = owners.get(id) ?? { what: claim.what, value: claim.value, bots: [] };
        if (!entry.bots.includes(bot.info.id)) entry.bots.push(bot.info.id);
        owners.set(id, entry);
      }
    }
  }
  return [...owners.values()].filter((e) => e.bots.length > 1);
}
