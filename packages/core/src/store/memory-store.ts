import { randomUUID } from "node:crypto";
import { Type } from "typebox";
import { defineStore } from "./define-store.js";
import {
  DEFAULT_DEDUPE_TTL_MS,
  encodeValue,
  type ClaimOptions,
  type EnqueueOptions,
  type EnqueueResult,
  type Entry,
  type Job,
  type JobRef,
  type ListOptions,
  type SetOptions,
  type StoreBackend,
} from "./store.js";

interface Slot {
  text: string;
  expiresAt: number;
}

interface QueuedJob {
  id: string;
  queue: string;
  text: string;
  enqueuedAt: number;
  readyAt: number;
  attempt: number;
  claim: string | undefined;
}

/**
 * Everything in process memory: for tests and throwaway runs. Values are stored as JSON text, as
 * the durable backends do, so a bot cannot come to depend on sharing object identity with the store.
 */
export class MemoryStore implements StoreBackend {
  readonly kind = "memory";
  private readonly data = new Map<string, Slot>();
  // Kept apart from `data` so that `list("")` shows only what bots stored.
  private readonly dedupe = new Map<string, Slot>();
  private readonly leases = new Map<string, Slot>();
  private readonly jobs = new Map<string, QueuedJob>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get<T>(key: string): Promise<T | undefined> {
    const slot = this.live(key);
    return slot ? (JSON.parse(slot.text) as T) : undefined;
  }

  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    this.data.set(key, this.slot(value, options));
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.data.delete(key);
    return existed;
  }

  async setIfAbsent(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    if (this.live(key)) return false;
    this.data.set(key, this.slot(value, options));
    return true;
  }

  async compareAndSet(key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    const current = this.live(key);
    const matches = expected === undefined ? current === undefined : current?.text === encodeValue(expected);
    if (!matches) return false;
    this.data.set(key, this.slot(next, options));
    return true;
  }

  async list<T>(prefix: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix) && this.live(k)).sort(byCodePoint);
    const limited = options?.limit === undefined ? keys : keys.slice(0, options.limit);
    return limited.map((key) => ({ key, value: JSON.parse(this.data.get(key)!.text) as T }));
  }

  async enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    const text = encodeValue(payload);
    if (options?.dedupeKey !== undefined) {
      const marker = `${queue}\u0000${options.dedupeKey}`;
      const existing = this.live(marker, this.dedupe);
      if (existing) return { id: JSON.parse(existing.text) as string, duplicate: true };
      const id = this.nextId();
      this.dedupe.set(marker, { text: JSON.stringify(id), expiresAt: this.now() + (options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS) });
      return this.push(id, queue, text, options);
    }
    return this.push(this.nextId(), queue, text, options);
  }

  async claim<T>(queue: string, options: ClaimOptions): Promise<Job<T> | undefined> {
    const now = this.now();
    // Map iteration is insertion order, so the first ready job is the oldest.
    for (const job of this.jobs.values()) {
      if (job.queue !== queue || job.readyAt > now) continue;
      job.claim = randomUUID();
      job.attempt += 1;
      job.readyAt = now + options.claimMs;
      // Move it to the back so that a redelivered job does not starve the jobs behind it forever.
      this.jobs.delete(job.id);
      this.jobs.set(job.id, job);
      return { queue, id: job.id, claim: job.claim, payload: JSON.parse(job.text) as T, attempt: job.attempt, enqueuedAt: job.enqueuedAt };
    }
    return undefined;
  }

  async ack(ref: JobRef): Promise<boolean> {
    const job = this.owned(ref);
    if (!job) return false;
    this.jobs.delete(job.id);
    return true;
  }

  async release(ref: JobRef, options?: { delayMs?: number }): Promise<boolean> {
    const job = this.owned(ref);
    if (!job) return false;
    job.claim = undefined;
    job.readyAt = this.now() + (options?.delayMs ?? 0);
    return true;
  }

  async extend(ref: JobRef, claimMs: number): Promise<boolean> {
    const job = this.owned(ref);
    if (!job) return false;
    job.readyAt = this.now() + claimMs;
    return true;
  }

  async nextReadyAt(queue: string): Promise<number | undefined> {
    let next: number | undefined;
    for (const job of this.jobs.values()) if (job.queue === queue && (next === undefined || job.readyAt < next)) next = job.readyAt;
    return next;
  }

  async queueSize(queue: string): Promise<number> {
    let n = 0;
    for (const job of this.jobs.values()) if (job.queue === queue) n++;
    return n;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.live(name, this.leases);
    if (current && JSON.parse(current.text) !== owner) return false;
    this.leases.set(name, { text: JSON.stringify(owner), expiresAt: this.now() + ttlMs });
    return true;
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.live(name, this.leases);
    if (!current || JSON.parse(current.text) !== owner) return false;
    current.expiresAt = this.now() + ttlMs;
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    const current = this.live(name, this.leases);
    if (!current || JSON.parse(current.text) !== owner) return false;
    this.leases.delete(name);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private owned(ref: JobRef): QueuedJob | undefined {
    const job = this.jobs.get(ref.id);
    if (!job || job.queue !== ref.queue || job.claim !== ref.claim) return undefined;
    // A claim that ran out is lost even if nobody has re-claimed the job yet.
    if (job.readyAt <= this.now()) return undefined;
    return job;
  }

  private push(id: string, queue: string, text: string, options: EnqueueOptions | undefined): EnqueueResult {
    const now = this.now();
    if (options?.claim && !options.delayMs && !this.anyReady(queue, now)) {
      const claim = randomUUID();
      this.jobs.set(id, { id, queue, text, enqueuedAt: now, readyAt: now + options.claim.claimMs, attempt: 1, claim });
      return { id, duplicate: false, claimed: { claim, attempt: 1, enqueuedAt: now } };
    }
    this.jobs.set(id, { id, queue, text, enqueuedAt: now, readyAt: now + (options?.delayMs ?? 0), attempt: 0, claim: undefined });
    return { id, duplicate: false };
  }

  private anyReady(queue: string, now: number): boolean {
    for (const job of this.jobs.values()) if (job.queue === queue && job.readyAt <= now) return true;
    return false;
  }

  private nextId(): string {
    return `${this.now().toString(36)}-${(++this.seq).toString(36)}`;
  }

  private slot(value: unknown, options?: SetOptions): Slot {
    return { text: encodeValue(value), expiresAt: options?.ttlMs ? this.now() + options.ttlMs : Number.POSITIVE_INFINITY };
  }

  private live(key: string, map: Map<string, Slot> = this.data): Slot | undefined {
    const slot = map.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt <= this.now()) {
      // Expired keys are swept lazily on access; memory is for tests, where that is enough.
      map.delete(key);
      return undefined;
    }
    return slot;
  }
}

/**
 * Key order for `list`: Unicode code point order, which is the byte order of UTF-8 and so what
 * SQLite and Redis give. The default sort compares UTF-16 code units, which puts characters beyond
 * U+FFFF (stored as surrogate pairs, D800-DFFF) before U+E000-U+FFFF.
 */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000-U+FFFF so that comparing code units compares code points. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** The memory store as bots.yaml names it (`store: { type: memory }`): for tests, lost on restart. */
export const memoryStore = defineStore({
  name: "memory",
  description: "In process memory: state is lost on restart. For tests.",
  config: Type.Object({}, { additionalProperties: false }),
  open: () => new MemoryStore(),
});
