import type { Store } from "../store/store.js";
import { DEAD_LETTER_PREFIX, DEFAULT_DEAD_LETTER_TTL_MS, type DeadLetter } from "./dead-letter.js";

/** A dead letter with the id operators name it by (`<queue>/<job id>`). */
export interface DeadLetterView extends DeadLetter {
  id: string;
}

export interface ReplayResult {
  /** The letter replayed. */
  id: string;
  /** The new job's id (a new job: its attempts start at 1). */
  job: string;
  /** True when another replay of the same letter had already enqueued it (this call enqueued nothing). */
  duplicate: boolean;
}

/**
 * Reads and acts on the dead letters in the host's store (the `host/` namespace), whatever the
 * backend: only the Store contract is used, so memory, SQLite, Redis and third-party stores all
 * support it, and every replica sharing a store sees every letter.
 *
 * Replay is safe to race (two replicas, two CLIs): the new job is enqueued with a dedupe key that
 * names the letter and its failure, so the store enqueues it once however many replays run, and
 * only then is the letter deleted. A crash between the two leaves the letter, and replaying it
 * again finds the dedupe key and only deletes it: the job is never enqueued twice nor lost.
 */
export class DeadLetters {
  constructor(
    /** The host's namespace of the store (`namespaced(store, "host")`). */
    private readonly hostStore: Store,
    private readonly options: {
      ttlMs?: number;
      /** Wakes the local consumer of a queue a replay enqueued to. */
      notify?: (queue: string) => void;
      /** Told after a drop or replay (the host recounts its gauge). */
      onChange?: () => void;
    } = {},
  ) {}

  /** Every letter (oldest failure first), or those of one bot. */
  async list(filter: { bot?: string } = {}): Promise<DeadLetterView[]> {
    const entries = await this.hostStore.list<DeadLetter>(DEAD_LETTER_PREFIX);
    const letters = entries.map((e) => ({ id: e.key.slice(DEAD_LETTER_PREFIX.length), ...e.value }));
    return letters.filter((l) => filter.bot === undefined || l.bot === filter.bot).sort((a, b) => a.failedAt - b.failedAt);
  }

  async get(id: string): Promise<DeadLetterView | undefined> {
    const letter = await this.hostStore.get<DeadLetter>(DEAD_LETTER_PREFIX + id);
    return letter === undefined ? undefined : { id, ...letter };
  }

  /** Deletes a letter for good; false when there was none. */
  async drop(id: string): Promise<boolean> {
    const dropped = await this.hostStore.delete(DEAD_LETTER_PREFIX + id);
    if (dropped) this.options.onChange?.();
    return dropped;
  }

  /** Re-enqueues a letter's payload as a new job of its queue and deletes the letter; undefined when there is none. */
  async replay(id: string): Promise<ReplayResult | undefined> {
    const letter = await this.hostStore.get<DeadLetter>(DEAD_LETTER_PREFIX + id);
    if (letter === undefined) return undefined;
    const { id: job, duplicate } = await this.hostStore.enqueue(letter.queue, letter.payload, {
      dedupeKey: `replay/${id}/${letter.failedAt}`,
      // As long as the letter could have been kept: a replay retried later still finds the key.
      dedupeTtlMs: this.options.ttlMs ?? DEFAULT_DEAD_LETTER_TTL_MS,
    });
    await this.hostStore.delete(DEAD_LETTER_PREFIX + id);
    this.options.onChange?.();
    if (!duplicate) this.options.notify?.(letter.queue);
    return { id, job, duplicate };
  }

  /** How many letters each bot has ("" for letters of no bot). */
  async countByBot(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const letter of await this.list()) counts.set(letter.bot ?? "", (counts.get(letter.bot ?? "") ?? 0) + 1);
    return counts;
  }
}
