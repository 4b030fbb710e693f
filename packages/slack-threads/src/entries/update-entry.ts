import type { Store } from "@botyard/core";

const MAX_CAS_ATTEMPTS = 50;

/**
 * Changes one Store entry by compare-and-set, never a blind write: Slack events, webhook
 * deliveries and replicas update the same entry concurrently. `change` gets the current value
 * (or `undefined`) and returns the next one, or the very same value for "no change". Answers the
 * value that ended up stored.
 */
export async function updateEntry<T>(store: Store, key: string, change: (current: T | undefined) => T | undefined, options: { ttlMs?: number } = {}): Promise<T | undefined> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const current = await store.get<T>(key);
    const next = change(current);
    if (next === current || next === undefined) return current;
    if (await store.compareAndSet(key, current, next, options.ttlMs ? { ttlMs: options.ttlMs } : undefined)) return next;
  }
  throw new Error(`the Store entry ${key} kept changing under ${MAX_CAS_ATTEMPTS} concurrent updates`);
}
