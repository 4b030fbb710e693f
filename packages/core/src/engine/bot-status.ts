import type { BotEntry } from "./bot-entry.js";
import type { BotState } from "./observer.js";

export interface TriggerStatus {
  name: string;
  kind: string;
  description: string;
  nextRun?: string;
  lastRun?: string;
  lastError?: string;
  runs: number;
  errors: number;
}

export interface BotStatus {
  id: string;
  plugin: string;
  source?: string;
  version?: string;
  state: BotState;
  dryRun: boolean;
  /** Why the bot failed, and the error code (`BOTYARD_ERR_*`) when it had one. */
  reason?: string;
  code?: string;
  /** The config value the failure is about, when the error names one (an unknown timezone...): the host points at its line. */
  value?: string;
  triggers: TriggerStatus[];
  lastRun?: string;
  lastError?: string;
}

/** A bot's state, its triggers' next and last runs and its counters, as `botyard status` and `/status` show them. */
export function botStatus(entry: BotEntry, hostDryRun: boolean): BotStatus {
  const triggers = (entry.prepared?.registrations.triggers ?? []).map((t): TriggerStatus => {
    const stats = entry.stats.get(t.name);
    const next = entry.active.get(t.name)?.nextRun?.() ?? (entry.active.size === 0 ? t.nextRun?.() : undefined);
    return {
      name: t.name,
      kind: t.kind,
      description: t.describe(),
      ...(next ? { nextRun: next.toISOString() } : {}),
      ...(stats?.lastRun ? { lastRun: new Date(stats.lastRun).toISOString() } : {}),
      ...(stats?.lastError ? { lastError: stats.lastError } : {}),
      runs: stats?.runs ?? 0,
      errors: stats?.errors ?? 0,
    };
  });
  return {
    id: entry.id,
    plugin: entry.spec.plugin.name,
    ...(entry.spec.source ? { source: entry.spec.source } : {}),
    ...(entry.spec.version ?? entry.spec.plugin.version ? { version: entry.spec.version ?? entry.spec.plugin.version } : {}),
    state: entry.state,
    dryRun: (entry.spec.dryRun ?? false) || hostDryRun,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.value !== undefined ? { value: entry.value } : {}),
    ...(entry.code ? { code: entry.code } : {}),
    triggers,
    ...(entry.lastRun ? { lastRun: new Date(entry.lastRun).toISOString() } : {}),
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
  };
}
