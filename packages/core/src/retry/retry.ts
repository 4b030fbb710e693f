/** How `retry` paces and bounds its attempts. */
export interface RetryOptions {
  /** Attempts after the first (default 3); 0 runs `attempt` once. */
  retries?: number;
  /** Backoff before the first retry (default 500 ms); doubles on each retry. */
  minDelayMs?: number;
  /** Upper bound of any wait, including one a server asked for (default 30 s). */
  maxDelayMs?: number;
  /** Whether an error deserves another attempt (default: every error). */
  retryable?: (error: unknown) => boolean;
  /** A wait the server asked for (`Retry-After`, `ratelimit-reset`), in ms; used instead of the backoff, still capped. */
  delayFor?: (error: unknown) => number | undefined;
  /** Stops waiting and attempting at once when aborted (`ctx.signal`); the abort reason is thrown. */
  signal?: AbortSignal;
  /** Called before each wait (for a log line). */
  onRetry?: (info: { error: unknown; retry: number; delayMs: number }) => void;
  /** Source of jitter in [0, 1) (tests pass a constant). */
  random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, the error is not retryable, the retries are spent or `signal`
 * aborts; then throws the last error. The waits back off exponentially with jitter, so that
 * replicas and bots that failed together do not retry together.
 *
 * ```ts
 * const body = await retry(() => fetchJson(url), { retries: 3, retryable: (e) => isTransient(e), signal: ctx.signal });
 * ```
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const minDelayMs = options.minDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  for (let n = 0; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= retries || options.signal?.aborted || !(options.retryable?.(error) ?? true)) throw error;
      const asked = options.delayFor?.(error);
      const delayMs = Math.min(maxDelayMs, asked ?? backoffDelay(n + 1, minDelayMs, maxDelayMs, options.random));
      options.onRetry?.({ error, retry: n + 1, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * The wait before retry number `retry` (1, 2, ...): `minDelayMs * 2^(retry-1)`, capped at
 * `maxDelayMs`, of which the upper half is random ("equal jitter"): never less than half the step.
 */
export function backoffDelay(retry: number, minDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

/** Waits `ms`, or rejects with the abort reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
