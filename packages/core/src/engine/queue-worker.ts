import type { Logger } from "../logging/logger.js";
import { backoffDelay } from "../retry/retry.js";
import type { EnqueueOptions, EnqueueResult, Job, Store } from "../store/store.js";
import type { ConsumeOptions, JobInHand, QueueRunner } from "../triggers/trigger.js";
import { DEFAULT_DEAD_LETTER_TTL_MS, deadLetterKey, type DeadLetter } from "./dead-letter.js";
import { Held } from "./held-job.js";
import type { Consumer } from "./queue-consumer.js";

export interface QueueWorkerOptions {
  /** How long a claim lasts before the job returns to the queue (renewed while the handler runs). */
  claimMs?: number;
  /** Jobs handled at once per queue. */
  concurrency?: number;
  /** First poll delay when idle; doubles up to `maxPollMs`. Local enqueues wake the worker at once. */
  pollMs?: number;
  maxPollMs?: number;
  /** How long a job that failed for good is kept as a dead letter (default 14 days). */
  deadLetterTtlMs?: number;
  /** Told of every job moved to the dead letters (for metrics). */
  onDeadLetter?: (letter: DeadLetter) => void;
  /**
   * Takes secrets out of text the store keeps (a dead letter's error, which may quote a token a
   * client put in its message), as the logger does from log lines.
   */
  redact?: (text: string) => string;
}

/**
 * Runs consumers of durable queues: claims kept alive while the handler runs, acks on
 * success, retries with exponential backoff on failure and dead-letters after `maxAttempts`. A
 * claim that dies with its process expires and the job is redelivered, here or on another replica.
 */
export class QueueWorker implements QueueRunner {
  private readonly consumers = new Map<string, Consumer>();
  private readonly claimMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly deadLetterTtlMs: number;
  private paused = false;
  /** Jobs in hand (see `renewClaims`). */
  private readonly held = new Map<Job, Held>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: QueueWorkerOptions = {},
  ) {
    this.claimMs = options.claimMs ?? 30_000;
    this.concurrency = options.concurrency ?? 32;
    this.pollMs = options.pollMs ?? 250;
    this.maxPollMs = options.maxPollMs ?? 5_000;
    this.deadLetterTtlMs = options.deadLetterTtlMs ?? DEFAULT_DEAD_LETTER_TTL_MS;
  }

  /** `bot` and `trigger`: who consumes the queue, recorded with its dead letters. */
  consume<T>(queue: string, handler: (payload: T, job: JobInHand) => Promise<void>, options: ConsumeOptions<T> = {}, bot?: string, trigger?: string): () => void {
    if (this.consumers.has(queue)) throw new Error(`Queue "${queue}" already has a consumer.`);
    const consumer: Consumer = {
      queue,
      bot,
      trigger,
      handler: handler as Consumer["handler"],
      options: options as ConsumeOptions<unknown>,
      stopped: false,
      wake: () => {
        consumer.woken = true;
        consumer.sleeping?.();
      },
      woken: false,
      sleeping: undefined,
      inflight: new Set(),
      active: 0,
      reserved: 0,
      // Jobs left by an earlier run (or enqueued by other replicas) go first.
      backlog: true,
      queuedSeq: 0,
      chains: new Map(),
      loop: Promise.resolve(),
    };
    this.consumers.set(queue, consumer);
    consumer.loop = this.loop(consumer);
    return () => {
      consumer.stopped = true;
      consumer.wake();
      this.consumers.delete(queue);
    };
  }

  /**
   * Each consumed queue's backlog, for metrics: jobs waiting or in hand, and how long the oldest
   * claimable job has waited for a worker (0 when none is ready: every job is in hand or held
   * back by a retry delay). Needs the store's `nextReadyAt`; without it the wait is unknown.
   */
  async backlog(): Promise<Array<{ queue: string; bot?: string; jobs: number; readyWaitMs?: number }>> {
    const now = Date.now();
    return Promise.all(
      [...this.consumers.values()].map(async (c) => {
        const [jobs, readyAt] = await Promise.all([this.store.queueSize(c.queue), this.store.nextReadyAt?.(c.queue)]);
        const readyWaitMs = this.store.nextReadyAt ? (readyAt === undefined ? 0 : Math.max(0, now - readyAt)) : undefined;
        return { queue: c.queue, ...(c.bot ? { bot: c.bot } : {}), jobs, ...(readyWaitMs !== undefined ? { readyWaitMs } : {}) };
      }),
    );
  }

  notify(queue: string): void {
    this.consumers.get(queue)?.wake();
  }

  /**
   * Enqueues a job and, when the local consumer has a free slot, asks the store to keep it claimed
   * by that consumer if no older job is ready (see `EnqueueOptions.claim`); the consumer then
   * starts it at once, without a claim and without decoding its payload. It is as durable as any
   * job: the claim runs out, and if this process dies the job is redelivered. Otherwise the job
   * waits in the queue and the consumer is woken.
   */
  async enqueue(queue: string, payload: unknown, options: Omit<EnqueueOptions, "claim"> = {}): Promise<EnqueueResult> {
    const c = this.consumers.get(queue);
    const direct = c !== undefined && !c.stopped && !this.paused && !options.delayMs && c.active + c.reserved < this.concurrency;
    if (direct) c.reserved++;
    let result: EnqueueResult;
    try {
      const stored = c?.options.encode ? c.options.encode(payload) : payload;
      result = await this.store.enqueue(queue, stored, direct ? { ...options, claim: { claimMs: this.claimMs } } : options);
    } finally {
      if (direct) c.reserved--;
    }
    if (!c || result.duplicate) return result;
    if (!result.claimed) {
      // Older jobs were ready, no slot was free, or the backend does not claim on enqueue.
      this.leftWaiting(c);
    } else if (c.stopped) {
      // Stopped while the enqueue was on its way: give the job back rather than let its claim run out.
      await this.store.release({ queue, id: result.id, claim: result.claimed.claim }).catch(() => false);
    } else {
      this.start(c, { queue, id: result.id, payload, ...result.claimed });
    }
    return result;
  }

  /** A job of `c`'s queue waits in the store: wake the loop, and on every freed slot until a claim finds none. */
  private leftWaiting(c: Consumer): void {
    c.queuedSeq++;
    c.backlog = true;
    c.wake();
  }

  /** Stops claiming (e.g. while the store is unreachable); in-flight jobs go on. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) for (const c of this.consumers.values()) c.wake();
  }

  /**
   * Keeps `job`'s claim alive until it is settled. One timer serves every job in hand rather than
   * one per job: most jobs are done long before their claim needs renewing, and a host runs many.
   */
  private hold(job: Job): Held {
    const held = new Held(job);
    this.held.set(job, held);
    if (this.renewTimer) return held;
    // A tick every sixth of the claim time renews what is a third old, so each claim is renewed at
    // most half a claim time after it was last taken.
    this.renewTimer = setInterval(() => this.renewClaims(), this.claimMs / 6);
    // Housekeeping: never what keeps the process alive.
    this.renewTimer.unref();
    return held;
  }

  private renewClaims(): void {
    if (this.held.size === 0) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
      return;
    }
    const now = Date.now();
    for (const [job, held] of this.held) {
      if (now - held.since < this.claimMs / 3) continue;
      held.since = now;
      this.store.extend(job, this.claimMs).then(
        (kept) => {
          // The claim ran out before this renewal (the process stalled, the store was unreachable for
          // longer than the claim): the job is back in the queue and another worker may run it now.
          // Tell the run (its ctx.signal) to stop acting, and do not ack or release a claim that is gone.
          if (!kept && this.held.get(job) === held) {
            this.log.warn({ queue: job.queue, job: job.id, attempt: job.attempt }, "lost the claim of a job still in hand (it ran out); aborting its run");
            held.lose();
          }
        },
        // Unreachable for now: the next tick tries again, and the claim may still hold.
        () => {},
      );
    }
  }

  /** Stops every consumer and waits for the jobs in hand. */
  async stop(): Promise<void> {
    const all = [...this.consumers.values()];
    for (const c of all) {
      c.stopped = true;
      c.wake();
    }
    this.consumers.clear();
    await Promise.all(all.map(async (c) => {
      await c.loop;
      await Promise.allSettled([...c.inflight]);
    }));
  }

  /**
   * Resolves once every consumed queue is empty and no job is in hand: queued work, retries in
   * backoff included (tests use it to wait for durable processing). Rejects after `timeoutMs`.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.idle();
      let waiting = 0;
      for (const c of this.consumers.values()) waiting += await this.store.queueSize(c.queue);
      if (waiting === 0 && [...this.consumers.values()].every((c) => c.inflight.size === 0)) return;
      if (Date.now() > deadline) throw new Error(`queues still hold ${waiting} job(s) after ${timeoutMs} ms`);
      for (const c of this.consumers.values()) c.wake();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resolves when no consumer holds a job (tests use it to wait for processing). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.consumers.values()].flatMap((c) => [...c.inflight]);
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  private async loop(c: Consumer): Promise<void> {
    let delay = this.pollMs;
    // How many claims to issue at once: one while the queue runs dry, every free slot while each
    // claim finds a job. Claims issued together share a round trip (Redis pipelines them, SQLite
    // commits them as one group), which is what keeps a busy queue's overhead per job low.
    let batch = 1;
    while (!c.stopped) {
      let claimed = false;
      // A claim answered that nothing was ready (not one that failed: then the loop backs off).
      let foundNone = false;
      // A wake that comes while the claims below are in flight (an enqueue committed just after
      // them, a job finished) must not be lost to a sleep of up to maxPollMs.
      c.woken = false;
      const free = this.concurrency - c.active - c.reserved;
      if (!this.paused && free > 0) {
        const want = Math.min(batch, free);
        const queuedBefore = c.queuedSeq;
        // Settled, not all: a job another claim of the batch took must be started even if one failed.
        const outcomes = await Promise.allSettled(Array.from({ length: want }, () => this.store.claim(c.queue, { claimMs: this.claimMs })));
        let found = 0;
        let empty = false;
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") {
            this.log.warn({ err: outcome.reason, queue: c.queue }, "queue claim failed; will retry");
          } else if (outcome.value) {
            found++;
            const decode = c.options.decode;
            this.start(c, decode ? { ...outcome.value, payload: decode(outcome.value.payload) } : outcome.value);
          } else {
            empty = true;
          }
        }
        // Nothing was ready when the claims ran, and no job was left waiting since: stop looking on every freed slot.
        if (empty && c.queuedSeq === queuedBefore) c.backlog = false;
        foundNone = empty;
        claimed = found > 0;
        batch = found === want ? Math.min(want * 2, this.concurrency) : 1;
      }
      if (claimed || c.woken) {
        delay = this.pollMs;
        continue;
      }
      const wait = c.active >= this.concurrency ? this.pollMs : foundNone ? await this.untilReady(c.queue, delay) : delay;
      if (c.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        timer.unref();
        c.sleeping = () => {
          clearTimeout(timer);
          delay = this.pollMs;
          resolve();
        };
      });
      c.sleeping = undefined;
      delay = Math.min(delay * 2, this.maxPollMs);
    }
  }

  /**
   * How long an idle loop sleeps: `delay`, or less when the store can tell that a job becomes
   * claimable sooner (a claim left by a process that died runs out, a retry's delay ends), so that
   * the job is picked up then rather than at the next poll.
   */
  private async untilReady(queue: string, delay: number): Promise<number> {
    if (!this.store.nextReadyAt) return delay;
    try {
      const at = await this.store.nextReadyAt(queue);
      // A millisecond late: a claim is over once its end is in the past.
      return at === undefined ? delay : Math.max(1, Math.min(delay, at - Date.now() + 1));
    } catch {
      return delay;
    }
  }

  private start(c: Consumer, job: Job): void {
    const key = c.options.orderingKey?.(job.payload);
    const previous = key === undefined ? undefined : c.chains.get(key);
    const held = this.hold(job);
    c.active++;
    let handled = false;
    const settled = () => {
      if (handled) return;
      handled = true;
      c.active--;
      // A free slot matters to the loop only when jobs wait for one; otherwise its poll finds late ones.
      if (c.backlog) c.wake();
    };
    const work = (async () => {
      // Same ordering key: wait for the earlier job of this process, in claim (queue) order.
      if (previous) await previous.catch(() => {});
      try {
        try {
          await c.handler(job.payload, held);
        } finally {
          settled();
        }
        await this.store.ack(job);
      } catch (error) {
        const max = c.options.maxAttempts ?? 10;
        if (job.attempt >= max) {
          this.log.error({ err: error, queue: c.queue, job: job.id, attempt: job.attempt }, "job failed for the last time; moved to the dead-letter list");
          const letter: DeadLetter = {
            queue: c.queue,
            job: job.id,
            ...(c.bot !== undefined ? { bot: c.bot } : {}),
            ...(c.trigger !== undefined ? { trigger: c.trigger } : {}),
            payload: c.options.encode ? c.options.encode(job.payload) : job.payload,
            attempts: job.attempt,
            error: this.options.redact ? this.options.redact(String(error)) : String(error),
            enqueuedAt: job.enqueuedAt,
            failedAt: Date.now(),
          };
          // Acked only once the letter is kept: a store that fails here leaves the job to come back.
          const kept = await this.store.set(deadLetterKey(c.queue, job.id), letter, { ttlMs: this.deadLetterTtlMs }).then(
            () => true,
            (storeError: unknown) => {
              this.log.warn({ err: storeError, queue: c.queue, job: job.id }, "could not keep the dead letter; the job stays in the queue");
              return false;
            },
          );
          if (kept) {
            await this.store.ack(job).catch(() => false);
            this.options.onDeadLetter?.(letter);
          } else {
            await this.store.release(job, { delayMs: this.maxPollMs }).catch(() => false);
            this.leftWaiting(c);
          }
        } else {
          const delayMs = backoffDelay(job.attempt, 1_000, 60_000);
          this.log.warn({ queue: c.queue, job: job.id, attempt: job.attempt, retryInMs: delayMs }, "job failed; will retry");
          await this.store.release(job, { delayMs }).catch(() => false);
          // It waits in the queue now: the loop should look for it when its delay is over.
          this.leftWaiting(c);
        }
      } finally {
        this.held.delete(job);
        settled();
      }
    })();
    c.inflight.add(work);
    if (key !== undefined) c.chains.set(key, work);
    void work.finally(() => {
      c.inflight.delete(work);
      if (key !== undefined && c.chains.get(key) === work) c.chains.delete(key);
      if (c.backlog) c.wake();
    });
  }
}
