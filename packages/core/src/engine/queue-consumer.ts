import type { ConsumeOptions, JobInHand } from "../triggers/trigger.js";

/** One queue's consumer in the `QueueWorker`: its handler, its claim loop's state and its jobs in hand. */
export interface Consumer {
  queue: string;
  /** The bot that consumes it, if a bot does. */
  bot: string | undefined;
  /** The bot's trigger that consumes it. */
  trigger: string | undefined;
  handler: (payload: unknown, job: JobInHand) => Promise<void>;
  options: ConsumeOptions<unknown>;
  stopped: boolean;
  /** Wakes the loop: at once when it sleeps, or, when it is claiming, by making it look again. */
  wake: () => void;
  /** Set by `wake`; the loop clears it before it claims and looks again instead of sleeping while it is set. */
  woken: boolean;
  /** Ends the loop's current sleep, while it sleeps. */
  sleeping: (() => void) | undefined;
  /** Jobs in hand until they are settled: handled, then acked, released or dead-lettered. */
  inflight: Set<Promise<void>>;
  /**
   * Jobs whose handler has not finished (or not started: waiting behind an earlier job of the same
   * ordering key). These take the `concurrency` slots; a job whose handler is done only waits for
   * its ack to be committed, which costs the process nothing.
   */
  active: number;
  /** Slots promised to enqueues that may come back claimed (see `enqueue`). */
  reserved: number;
  /**
   * Whether jobs may be waiting in the queue: then a freed slot wakes the loop to claim one. Set
   * when a local enqueue or a retry leaves a job waiting, cleared when a claim comes back empty.
   * Only a hint (the loop also polls); the order of jobs is the store's.
   */
  backlog: boolean;
  /** Counts jobs left waiting; a claim clears `backlog` only if none was counted after it was issued. */
  queuedSeq: number;
  chains: Map<string, Promise<void>>;
  loop: Promise<void>;
}
