import type { BaseContext } from "../context/context.js";
import { BotyardError, ErrorCodes, isBotyardError } from "../errors/botyard-error.js";
import { durableQueue, type DurableDelivery, type DurableQueue } from "./durable.js";
import type { ActiveTrigger, Trigger, TriggerRuntime, WebhookRequest, WebhookResponse } from "./trigger.js";
import { parseWebhookBody } from "./webhook-body.js";

export type WebhookContext = BaseContext<WebhookRequest>;
/** A handler may return the HTTP answer; `undefined` means 200 `{ "ok": true }`. Durable handlers' answers are not sent. */
export type WebhookHandler = (ctx: WebhookContext) => WebhookResponse | void | Promise<WebhookResponse | void>;

export interface WebhookOptions {
  name?: string;
  /**
   * Checks a request before anything else happens (authentication, required fields). Return a
   * response to refuse it (401, 400...): the handler never sees it. Runs synchronously with the request.
   */
  verify?: (req: WebhookRequest) => WebhookResponse | undefined | Promise<WebhookResponse | undefined>;
  /**
   * A key identifying the delivery (an event id from the payload). A second delivery with the same
   * key within `dedupeTtlMs` is answered 200 `{ duplicate: true }` and not handled again.
   */
  dedupeKey?: (req: WebhookRequest) => string | undefined;
  /** How long dedupe keys are remembered (default one day). */
  dedupeTtlMs?: number;
  /**
   * Headers (or query parameters) that carry credentials under a name that does not say so, such
   * as a configurable secret header. A durable delivery is queued without them, as it is without
   * Authorization, Cookie and any name containing secret, token or signature: `verify` has
   * checked them, and the store must not keep them.
   */
  credentials?: string[];
  /**
   * Durable intake: the request is answered 202 only once it is committed to the store's queue;
   * a worker runs the handler, and after a crash the queue redelivers it. `true` or options.
   */
  durable?: boolean | { maxAttempts?: number; orderingKey?: (req: WebhookRequest) => string | undefined };
}

const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

/** `bot.webhook(path, handler)`: `POST /hooks/<bot id><path>`. */
export class WebhookTrigger implements Trigger {
  readonly kind = "webhook";
  readonly name: string;
  readonly path: string;

  constructor(
    path: string,
    private readonly handler: WebhookHandler,
    private readonly options: WebhookOptions = {},
  ) {
    if (!path.startsWith("/") || /[?#\s]/.test(path)) {
      throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Invalid webhook path ${JSON.stringify(path)}.`, {
        hint: 'A webhook path starts with "/" and has no query or spaces ("/", "/datadog").',
      });
    }
    this.path = path.length > 1 ? path.replace(/\/+$/, "") : path;
    this.name = options.name ?? `webhook:${this.path}`;
  }

  describe(): string {
    return `webhook POST ${this.path}${this.options.durable ? " (durable)" : ""}`;
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const durable = this.options.durable;
    const queue = durable
      ? durableQueue<WebhookRequest>(rt, this.name, (d, job) => rt.run(d.event, this.handler, undefined, { work: job }), {
          dedupeTtlMs: this.options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS,
          encode: storedDelivery,
          decode: restoredDelivery,
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
          ...(typeof durable === "object" && durable.maxAttempts ? { maxAttempts: durable.maxAttempts } : {}),
          ...(typeof durable === "object" && durable.orderingKey
            ? { orderingKey: (d: DurableDelivery<WebhookRequest>) => (durable.orderingKey as (r: WebhookRequest) => string | undefined)(d.event) }
            : {}),
        })
      : undefined;

    const offRoute = rt.http.route(this.path, (req) => this.answer(rt, req, queue));
    return {
      stop: () => {
        offRoute();
        queue?.stop();
      },
    };
  }

  private async answer(rt: TriggerRuntime, req: WebhookRequest, queue: DurableQueue<WebhookRequest> | undefined): Promise<WebhookResponse> {
    const verify = this.options.verify;
    try {
      if (verify) {
        const refused = await verify(req);
        if (refused) return refused;
      }
      const key = this.options.dedupeKey?.(req);
      const ttlMs = this.options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
      if (queue) {
        const result = await queue.deliver({ event: req, extras: {} }, key);
        return { status: result.duplicate ? 200 : 202, body: { ok: true, accepted: !result.duplicate, duplicate: result.duplicate, id: result.id } };
      }
      if (key !== undefined) {
        const fresh = await rt.hostStore.setIfAbsent(`dedupe/${rt.botId}/${this.name}/${key}`, Date.now(), { ttlMs });
        if (!fresh) return { status: 200, body: { ok: true, duplicate: true } };
      }
      const outcome = await rt.run(req, this.handler);
      if (!outcome.ok) {
        // The dedupe key must not turn a failed delivery into a silently dropped retry.
        if (key !== undefined) await rt.hostStore.delete(`dedupe/${rt.botId}/${this.name}/${key}`);
        // A handler that failed because the store is down did nothing wrong: the sender should retry.
        if (isBotyardError(outcome.error, ErrorCodes.STORE_UNAVAILABLE)) return unavailable(outcome.error);
        return { status: 500, body: { ok: false, error: "handler_failed", run: outcome.runId } };
      }
      return outcome.value ?? { status: 200, body: { ok: true } };
    } catch (error) {
      return unavailable(error);
    }
  }
}

/**
 * While the store does not answer, nothing can be deduplicated or committed: 503 with
 * Retry-After, which senders (Datadog, Alertmanager, GitHub) retry, rather than a 500 that says
 * the request was at fault. Anything else is rethrown.
 */
function unavailable(error: unknown): WebhookResponse {
  if (!isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE)) throw error;
  return { status: 503, headers: { "retry-after": "5" }, body: { ok: false, error: "store_unavailable" } };
}

// A durable delivery is stored without its parsed body: `body` is `rawBody` read by its content
// type, so it is read again when the delivery comes back from the store, rather than written (on
// enqueue and again on ack) twice over. The job handed to this process's worker at once keeps it.
function storedDelivery({ event, extras }: DurableDelivery<WebhookRequest>): unknown {
  return { event: { method: event.method, path: event.path, headers: event.headers, query: event.query, rawBody: event.rawBody }, extras };
}

function restoredDelivery(stored: DurableDelivery<WebhookRequest>): DurableDelivery<WebhookRequest> {
  const event: Omit<WebhookRequest, "body"> & { body?: unknown } = stored.event;
  // Stored whole: by an earlier version, or by a process with no consumer of the queue to ask.
  if ("body" in event) return stored;
  const type = event.headers["content-type"];
  const parsed = parseWebhookBody(Array.isArray(type) ? type[0] : type, event.rawBody);
  // It was read once already at intake, where a body that does not parse is refused.
  return { event: { ...event, body: parsed.ok ? parsed.body : undefined }, extras: stored.extras };
}
