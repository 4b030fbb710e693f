import { ErrorCodes, type Logger, type SlackNeeds } from "@botyard/core";

/**
 * What the start-time comparison of the bot token's scopes with the loaded bots' needs found.
 * `granted` is undefined when Slack's answer named no scopes (no `x-oauth-scopes` header, as from
 * a proxy that strips it): nothing could be checked, which is said rather than reported as fine.
 */
export interface ScopeReport {
  checked: boolean;
  granted?: string[];
  /** Per bot, the scopes it needs that the token lacks; bots lacking none are left out. */
  missing: Record<string, string[]>;
}

export const SCOPE_FIX = "update the Slack app from `botyard manifest` (App Manifest in the app's settings), reinstall it to the workspace, then restart the host";

/** Compares the token's scopes with each bot's needs. */
export function checkScopes(needsByBot: ReadonlyMap<string, SlackNeeds>, granted: readonly string[] | undefined): ScopeReport {
  if (!granted) return { checked: false, missing: {} };
  const have = new Set(granted);
  const missing: Record<string, string[]> = {};
  for (const [bot, needs] of needsByBot) {
    const lacking = needs.scopes.filter((scope) => !have.has(scope));
    if (lacking.length > 0) missing[bot] = lacking;
  }
  return { checked: true, granted: [...granted].sort(), missing };
}

/** Logs, for each bot lacking scopes, which ones and how to fix it; or that no check was possible. */
export function logScopeReport(report: ScopeReport, log: Logger): void {
  if (!report.checked) {
    log.warn("Slack named no scopes for the bot token (no x-oauth-scopes header in auth.test's answer): the bots' scopes were not checked");
    return;
  }
  for (const [bot, scopes] of Object.entries(report.missing)) {
    log.warn(
      { bot, missingScopes: scopes, code: ErrorCodes.SLACK_SCOPES_MISSING },
      `bot "${bot}" needs the Slack scope${scopes.length === 1 ? "" : "s"} ${scopes.join(", ")}, which the bot token lacks: its calls needing ${scopes.length === 1 ? "it" : "them"} will fail with missing_scope. To fix: ${SCOPE_FIX}.`,
    );
  }
}
