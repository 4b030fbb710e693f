/**
 * Runs one operation (a request) with an abort signal of its own that aborts when `parent` does,
 * and unlinks it from `parent` as soon as the operation settles.
 *
 * Why: fetch (undici) and most HTTP clients add an abort listener to the signal they are given and
 * drop it only when the request is garbage collected, so a signal that outlives many requests (a
 * run's `ctx.signal` passed to every call of a long run) collects listeners, and Node warns
 * (`MaxListenersExceededWarning`). A child per operation keeps `parent`'s listeners to one per
 * operation in progress.
 */
export async function withChildSignal<T>(parent: AbortSignal | undefined, operation: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!parent) return operation(undefined);
  parent.throwIfAborted();
  const child = new AbortController();
  const onAbort = () => child.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  try {
    return await operation(child.signal);
  } finally {
    parent.removeEventListener("abort", onAbort);
  }
}
