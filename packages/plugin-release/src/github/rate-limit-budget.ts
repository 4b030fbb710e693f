import type { Logger, PluginMetrics, Store } from "@botyard/core";

/** Below this share of its points left, a resource's budget is "low": said once per reset window. */
export const LOW_SHARE = 0.1;

interface Known {
  remaining: number;
  limit: number;
  /** Epoch ms. */
  resetAt: number;
}

/**
 * What the run knows of its token's rate limits, read from the `x-ratelimit-*` headers GitHub sends
 * on every answer (REST `core` and `graphql` alike): reported as the gauge
 * `github_rate_limit_remaining{resource}`, warned about below 10%, and, once spent, a reason to
 * wait for the reset instead of sending requests GitHub will refuse.
 */
export class RateLimitBudget {
  private readonly known = new Map<string, Known>();
  private readonly warned = new Set<string>();

  constructor(private readonly options: { log: Logger; metrics?: PluginMetrics; store?: Store }) {}

  /** Reads an answer's headers; `refused` (a rate-limited answer) is logged by the retry, not warned about again here. */
  async observe(requested: string, headers: Record<string, unknown> | undefined, { refused = false } = {}): Promise<void> {
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    const limit = Number(headers?.["x-ratelimit-limit"]);
    const reset = Number(headers?.["x-ratelimit-reset"]);
    if (!Number.isFinite(remaining) || !Number.isFinite(limit) || !Number.isFinite(reset)) return;
    const resource = typeof headers?.["x-ratelimit-resource"] === "string" ? (headers["x-ratelimit-resource"] as string) : requested;
    this.known.set(resource, { remaining, limit, resetAt: reset * 1000 });
    this.options.metrics?.gauge("github_rate_limit_remaining", remaining, { resource });
    if (!refused && limit > 0 && remaining < limit * LOW_SHARE && (await this.firstWarning(resource, reset))) {
      const at = new Date(reset * 1000).toISOString();
      this.options.log.warn(
        { resource, remaining, limit, resetAt: at },
        `GitHub ${resource} rate limit is low: ${remaining} of ${limit} points left until ${at}. The bot waits for the reset once they are spent; other tools using the same token share them.`,
      );
    }
  }

  /** How long to wait before sending to `resource`, when its points are known to be spent until a reset still ahead. */
  waitBeforeSending(resource: string, now = Date.now()): { ms: number; resetAt: number } | undefined {
    const known = this.known.get(resource);
    if (!known || known.remaining > 0) return undefined;
    if (known.resetAt <= now) {
      this.known.delete(resource);
      return undefined;
    }
    // The reset is in whole seconds: a little slack avoids waking just before it.
    return { ms: known.resetAt - now + 500, resetAt: known.resetAt };
  }

  private async firstWarning(resource: string, reset: number): Promise<boolean> {
    const key = `warned/rate-limit/${resource}/${reset}`;
    if (this.warned.has(key)) return false;
    this.warned.add(key);
    if (!this.options.store) return true;
    const ttlMs = Math.max(60_000, reset * 1000 - Date.now() + 60_000);
    return this.options.store.setIfAbsent(key, { at: new Date().toISOString() }, { ttlMs }).catch(() => true);
  }
}
