import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import type { WebhookRequest, WebhookResponse } from "../triggers/trigger.js";

type WebhookRoute = (req: WebhookRequest) => Promise<WebhookResponse>;

/**
 * Routes `/hooks/<bot id><path>` to the webhook trigger registered there, as the Slack router
 * routes envelopes. Paths are compared normalised (leading slash, no trailing one), so
 * `/hooks/bot/alerts/` and `/hooks/bot/alerts` reach the same handler.
 */
export class WebhookRouter {
  private readonly routes = new Map<string, Map<string, WebhookRoute>>();

  /** Registers `handler` for `botId`'s `path`; returns the unregistering function. Two handlers at one path are refused. */
  add(botId: string, path: string, handler: WebhookRoute): () => void {
    let byPath = this.routes.get(botId);
    if (!byPath) this.routes.set(botId, (byPath = new Map()));
    const key = normaliseWebhookPath(path);
    if (byPath.has(key)) {
      throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Bot "${botId}" registers two webhooks at "${key}".`, {
        hint: "Give each bot.webhook(...) of a bot its own path.",
      });
    }
    byPath.set(key, handler);
    const routes = byPath;
    return () => routes.delete(key);
  }

  /** Whether `/hooks/<botId><path>` has a handler (checked before the body is read). */
  has(botId: string, path: string): boolean {
    return this.routes.get(botId)?.has(normaliseWebhookPath(path)) ?? false;
  }

  /**
   * The handler at `/hooks/<botId><path>` and the path as it is registered, or `undefined`. The
   * path is normalised here once per request; the request handed on carries it.
   */
  find(botId: string, path: string): { route: WebhookRoute; path: string } | undefined {
    const normal = normaliseWebhookPath(path);
    const route = this.routes.get(botId)?.get(normal);
    return route ? { route, path: normal } : undefined;
  }
}

/** `/alerts/` and `alerts` as `/alerts`; `""` as `/`. */
export function normaliseWebhookPath(path: string): string {
  if (!path || path === "/") return "/";
  // The common case, already normal, costs no regex: this runs for every webhook request.
  if (path.charCodeAt(0) === 47 && path.charCodeAt(path.length - 1) !== 47) return path;
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.replace(/\/+$/, "") || "/";
}
