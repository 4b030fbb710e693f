import type { HostConfig } from "../config/config-schema.js";

/**
 * The top-level settings a running host took at start and does not change live: the Slack app and
 * connection, the HTTP listeners, the store, logging, queue workers, timeouts, host-wide dry-run
 * and the admin endpoint. `bots:` is what a reload applies.
 */
const RESTART_ONLY = ["slack", "http", "store", "log", "queue", "dryRun", "shutdownTimeoutMs", "startTimeoutMs", "admin"] as const;

/**
 * Which of those differ between two configs, each said as what to do. Only names are reported:
 * the values (tokens, a store URL with its password) never are.
 */
export function hostSettingsChanged(before: HostConfig, after: HostConfig): string[] {
  const changed: string[] = [];
  for (const key of RESTART_ONLY) {
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) changed.push(`${key}: changed in bots.yaml; restart the host to apply it (the running host keeps the value it started with)`);
  }
  return changed;
}
