import type { BaseContext } from "../context/context.js";
import { BotyardError, ErrorCodes, isBotyardError } from "../errors/botyard-error.js";
import { durableQueue, type DurableDelivery, type DurableQueue } from "./durable.js";
import type { ActiveTrigger, JobInHand, Trigger, TriggerRuntime, WebhookRequest, WebhookResponse } from "./trigger.js";
import { parseWebhookBody } from "./webhook-body.js";
import { readWebhookBody, type WebhookBodySpec } from "./webhook-body-spec.js";

/** `B`: the body's type, when the webhook declares `body`. */
export type WebhookContext<B = unknown> = BaseContext<WebhookRequest<B>>;
/** A handler may return the HTTP answer; `undefined` means 200 `{ "ok": true }`. Durable handlers' answers are not sent. */
export type WebhookHandler<B = unknown> = (ctx: WebhookContext<B>) => WebhookResponse | void | Promise<WebhookResponse | void>;

export interface WebhookOptions<B = unknown> {
  name?: string;
  /**
   * The body's shape: a TypeBox schema (`ctx.event.body` is then `Static<Schema>`, its defaults
   * applied) or a reader function. The body is checked once, as the request arrives, before
   * `verify`: a body that does not match is answered 400 `{ ok: false, error: "invalid_body",
   * path, message }` (`path` the JSON pointer of the first problem), and `verify`, `dedupeKey`,
   * the ordering key and the handler all get the checked value. A durable delivery is queued
   * with it, so a redelivery is not read again (a reader's value must be JSON, as the queue
   * stores it). Without `body`, the body is what the host parsed (`unknown`).
   */
  body?: WebhookBodySpec<B>;
  /**
   * Checks a request before anything else happens (authentication, required fields). Return a
   * response to refuse it (401, 400...): the handler never sees it. Runs synchronously with the request.
   */
  verify?: (req: WebhookRequest<B>) => WebhookResponse | undefined | Promise<WebhookResponse | undefined>;
  /**
   * A key identifying the delivery (an event id from the payload). A second delivery with the same
   * key within `dedupeTtlMs` is answered 200 `{ duplicate: true }` and not handled again.
   */
  dedupeKey?: (req: WebhookRequest<B>) => string | undefined;
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
  durable?: boolean | { maxAttempts?: number; orderingKey?: (req: WebhookRequest<B>) => string | undefined };
}

const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

/** `bot.webhook(path, handler)`: `POST /hooks/<bot id><path>`. */
export class WebhookTrigger<B = unknown> implements Trigger {
  readonly kind = "webhook";
  readonly name: string;
  readonly path: string;

  constructor(
    path: string,
    private readonly handler: WebhookHandler<B>,
    private readonly options: WebhookOptions<B> = {},
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
    const spec = this.options.body;
    const queue = durable
      ? durableQueue<WebhookRequest<B>>(rt, this.name, (d, job) => this.runDelivery(rt, d, job), {
          dedupeTtlMs: this.options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS,
          // A declared body is queued as read, so that a redelivery is not read again.
          ...(spec ? { decode: (stored: DurableDelivery<WebhookRequest<B>>) => restoredReadDelivery(spec, stored) } : { encode: storedDelivery, decode: restoredDelivery }),
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
          ...(typeof durable === "object" && durable.maxAttempts ? { maxAttempts: durable.maxAttempts } : {}),
          ...(typeof durable === "object" && durable.orderingKey
            ? { orderingKey: (d: DurableDelivery<WebhookRequest<B>>) => (durable.orderingKey as (r: WebhookRequest<B>) => string | undefined)(d.event) }
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

  private runDelivery(rt: TriggerRuntime, delivery: DurableDelivery<WebhookRequest<B>>, job: JobInHand): Promise<{ ok: boolean; error?: unknown }> {
    // Queued before the webhook declared its body, and refused by it now: failed, so it is
    // retried and then kept as a dead letter, rather than handled as what it is not.
    if (!("body" in delivery.event)) {
      return Promise.resolve({ ok: false, error: new BotyardError(ErrorCodes.WEBHOOK_BODY_INVALID, `A delivery to ${this.name} queued before the webhook declared its body does not match it.`, { hint: "Have the sender deliver it again in the shape the plugin's docs describe." }) });
    }
    return rt.run(delivery.event, this.handler, undefined, { work: job });
  }

  private async answer(rt: TriggerRuntime, received: WebhookRequest, queue: DurableQueue<WebhookRequest<B>> | undefined): Promise<WebhookResponse> {
    const verify = this.options.verify;
    let req: WebhookRequest<B>;
    if (this.options.body) {
      const read = readWebhookBody(this.options.body, received);
      if (!read.ok) return read.response;
      req = read.request;
    } else {
      // Without a declared body, B is unknown.
      req = received as WebhookRequest<B>;
    }
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
function storedDelivery<B>({ event, extras }: DurableDelivery<WebhookRequest<B>>): unknown {
  return { event: { method: event.method, path: event.path, headers: event.headers, query: event.query, rawBody: event.rawBody }, extras };
}

function restoredDelivery<B>(stored: DurableDelivery<WebhookRequest<B>>): DurableDelivery<WebhookRequest<B>> {
  const event: Omit<WebhookRequest, "body"> & { body?: unknown } = stored.event;
  // Stored whole: by an earlier version, or by a process with no consumer of the queue to ask.
  if ("body" in event) return stored;
  // It was read once already at intake, where a body that does not parse is refused.
  return { event: { ...event, body: reparsed(event) as B }, extras: stored.extras };
}

/**
 * A delivery to a webhook with a declared body comes back with the body as it was read. One
 * queued before the webhook declared it (or whose body was `undefined`, which JSON drops) is read
 * again; when the body refuses it, it comes back without `body`, and `runDelivery` fails it.
 */
function restoredReadDelivery<B>(spec: WebhookBodySpec<B>, stored: DurableDelivery<WebhookRequest<B>>): DurableDelivery<WebhookRequest<B>> {
  const kept: Omit<WebhookRequest, "body"> & { body?: unknown } = stored.event;
  if ("body" in kept) return stored;
  const event = { ...kept, body: reparsed(kept) };
  const read = readWebhookBody(spec, event);
  if (read.ok) return { event: read.request, extras: stored.extras };
  const { body: _refused, ...withoutBody } = event;
  return { event: withoutBody as WebhookRequest<B>, extras: stored.extras };
}

function reparsed(event: Pick<WebhookRequest, "headers" | "rawBody">): unknown {
  const type = event.headers["content-type"];
  const parsed = parseWebhookBody(Array.isArray(type) ? type[0] : type, event.rawBody);
  return parsed.ok ? parsed.body : undefined;
}
