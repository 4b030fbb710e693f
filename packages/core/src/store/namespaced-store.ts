import type { EnqueueOptions, Entry, Job, JobRef, ListOptions, SetOptions, Store } from "./store.js";

/**
 * A view of a store under a prefix: how each bot gets its own namespace and the host its own,
 * whatever the backend. Keys, queue names and lease names are all prefixed; the bot never sees the
 * prefix.
 */
export function namespaced(store: Store, namespace: string): Store {
  const p = `${namespace}/`;
  const strip = <T extends JobRef>(job: T): T => ({ ...job, queue: job.queue.slice(p.length) });
  const full = (job: JobRef): JobRef => ({ queue: p + job.queue, id: job.id, claim: job.claim });
  return {
    get: <T>(key: string) => store.get<T>(p + key),
    set: (key: string, value: unknown, o?: SetOptions) => store.set(p + key, value, o),
    delete: (key: string) => store.delete(p + key),
    setIfAbsent: (key: string, value: unknown, o?: SetOptions) => store.setIfAbsent(p + key, value, o),
    compareAndSet: (key: string, expected: unknown, next: unknown, o?: SetOptions) =>
      store.compareAndSet(p + key, expected, next, o),
    list: async <T>(prefix: string, o?: ListOptions): Promise<Array<Entry<T>>> =>
      (await store.list<T>(p + prefix, o)).map((e) => ({ key: e.key.slice(p.length), value: e.value })),
    enqueue: (queue: string, payload: unknown, o?: EnqueueOptions) => store.enqueue(p + queue, payload, o),
    claim: async <T>(queue: string, o: { claimMs: number }): Promise<Job<T> | undefined> => {
      const job = await store.claim<T>(p + queue, o);
      return job && strip(job);
    },
    ack: (job: JobRef) => store.ack(full(job)),
    release: (job: JobRef, o?: { delayMs?: number }) => store.release(full(job), o),
    extend: (job: JobRef, claimMs: number) => store.extend(full(job), claimMs),
    queueSize: (queue: string) => store.queueSize(p + queue),
    ...(store.nextReadyAt ? { nextReadyAt: (queue: string) => store.nextReadyAt!(p + queue) } : {}),
    acquireLease: (name: string, owner: string, ttlMs: number) => store.acquireLease(p + name, owner, ttlMs),
    renewLease: (name: string, owner: string, ttlMs: number) => store.renewLease(p + name, owner, ttlMs),
    releaseLease: (name: string, owner: string) => store.releaseLease(p + name, owner),
  };
}
