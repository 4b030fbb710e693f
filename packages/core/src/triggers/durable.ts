import type { ContextExtras } from "../context/context.js";
import { withoutCredentials } from "../secrets/without-credentials.js";
import type { ConsumeOptions, JobInHand, TriggerRuntime } from "./trigger.js";

/** What a durable trigger puts in the queue: the event and what its context needs, nothing else. */
export interface DurableDelivery<E> {
  event: E;
  extras: ContextExtras;
}

export interface DurableQueue<E> {
  /** Resolves once the delivery is committed (or recognised as a duplicate of `dedupeKey`). */
  deliver(delivery: DurableDelivery<E>, dedupeKey?: string): Promise<{ id: string; duplicate: boolean }>;
  stop(): void;
}

/**
 * Puts a trigger's deliveries through the host store's work queue: `deliver` resolves once the
 * delivery is committed, a worker runs `handle` (a failure is retried with backoff), and after a
 * crash the queue hands the delivery out again. `handle` gets the job: pass it to `rt.run` as
 * `work`, so that `ctx.once` in the handler survives a redelivery. `stop` ends consumption. Credentials in a
 * delivery's headers and query are not queued (see `withoutCredentials`).
 */
export function durableQueue<E>(
  rt: TriggerRuntime,
  triggerName: string,
  handle: (delivery: DurableDelivery<E>, job: JobInHand) => Promise<{ ok: boolean; error?: unknown }>,
  options: ConsumeOptions<DurableDelivery<E>> & { dedupeTtlMs?: number; credentials?: string[] } = {},
): DurableQueue<E> {
  const queue = `deliveries/${rt.botId}/${triggerName}`;
  const alsoCredentials = new Set((options.credentials ?? []).map((name) => name.toLowerCase()));
  const stop = rt.queues.consume<DurableDelivery<E>>(
    queue,
    async (delivery, job) => {
      const outcome = await handle(delivery, job);
      // Throwing makes the queue retry: a failed handler is not a processed delivery.
      if (!outcome.ok) throw outcome.error;
    },
    options,
  );
  return {
    async deliver(delivery, dedupeKey) {
      const { id, duplicate } = await rt.queues.enqueue(
        queue,
        { event: withoutCredentials(delivery.event, alsoCredentials), extras: delivery.extras },
        dedupeKey === undefined ? undefined : { dedupeKey, ...(options.dedupeTtlMs ? { dedupeTtlMs: options.dedupeTtlMs } : {}) },
      );
      return { id, duplicate };
    },
    stop,
  };
}
