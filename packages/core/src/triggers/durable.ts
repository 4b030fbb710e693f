import type { ContextExtras } from "../context/context.js";
import type { ConsumeOptions, TriggerRuntime } from "./trigger.js";

/** What a durable trigger puts in the queue: the event and what its context needs, nothing else. */
export interface DurableDelivery<E> {
  event: E;
  extras: ContextExtras;
}

/**
 * Puts a trigger's deliveries through the host store's work queue: `deliver` resolves once the
 * delivery is committed, a worker runs `handle` (a failure is retried with backoff), and after a
 * crash the queue hands the delivery out again. `stop` ends consumption.
 */
export function durableQueue<E>(
  rt: TriggerRuntime,
  triggerName: string,
  handle: (delivery: DurableDelivery<E>) => Promise<{ ok: boolean; error?: unknown }>,
  options: ConsumeOptions<DurableDelivery<E>> & { dedupeTtlMs?: number } = {},
): { deliver(delivery: DurableDelivery<E>, dedupeKey?: string): Promise<{ id: string; duplicate: boolean }>; stop(): void } {
  const queue = `deliveries/${rt.botId}/${triggerName}`;
  const stop = rt.queues.consume<DurableDelivery<E>>(
    queue,
    async (delivery) => {
      const outcome = await handle(delivery);
      // Throwing makes the queue retry: a failed handler is not a processed delivery.
      if (!outcome.ok) throw outcome.error;
    },
    options,
  );
  return {
    async deliver(delivery, dedupeKey) {
      const result = await rt.hostStore.enqueue(queue, delivery, dedupeKey === undefined ? {} : { dedupeKey, ...(options.dedupeTtlMs ? { dedupeTtlMs: options.dedupeTtlMs } : {}) });
      if (!result.duplicate) rt.queues.notify(queue);
      return result;
    },
    stop,
  };
}
