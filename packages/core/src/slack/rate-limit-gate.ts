interface Blocked {
  /** No retry of the method before this (epoch ms): Slack's Retry-After. */
  until: number;
  /** A retry is out to see whether the limit has lifted; the others wait for its answer. */
  probing: boolean;
  waiters: Set<() => void>;
  timer?: NodeJS.Timeout;
}

/**
 * Makes the retries of one client's rate-limited calls wait together for as long as Slack's
 * `Retry-After` says. Left to itself, each call that got a 429 waits and retries on its own, so N
 * callers hit by a storm keep sending about N requests per `Retry-After` (and @slack/web-api, which
 * pauses its queue meanwhile, then releases everything that queued up at once). Here, once a method
 * is rate limited, a caller that wants to try again waits its `turn`: when `Retry-After` has passed,
 * one goes first; if Slack answers it with another 429 the wait starts over, otherwise the rest go.
 * A call that was never rate limited is not held back: one request per new call is not a loop.
 */
export class RateLimitGate {
  private readonly blocked = new Map<string, Blocked>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Slack answered a call to `method` with 429 and this wait; `probe` when that call was let through by `turn`. */
  limited(method: string, waitMs: number, probe: boolean): void {
    let b = this.blocked.get(method);
    if (!b) this.blocked.set(method, (b = { until: 0, probing: false, waiters: new Set() }));
    // A call that was out before the limit was known extends the wait but does not end a probe in flight.
    if (probe) b.probing = false;
    b.until = Math.max(b.until, this.now() + waitMs);
    this.wakeAt(b);
  }

  /** A call to `method` was answered without a 429: the limit has lifted, everyone waiting goes. */
  lifted(method: string): void {
    const b = this.blocked.get(method);
    if (!b) return;
    clearTimeout(b.timer);
    this.blocked.delete(method);
    this.wakeAll(b);
  }

  /** The probe failed some other way (no answer, 5xx): the next caller may try. */
  probeFailed(method: string): void {
    const b = this.blocked.get(method);
    if (!b) return;
    b.probing = false;
    this.wakeAll(b);
  }

  /**
   * Resolves when a rate-limited call to `method` may be tried again: at once when the method is not
   * limited (`false`), else once `Retry-After` has passed and no other retry is out (`true`: this
   * caller is the probe, and reports how it went with `limited`, `lifted` or `probeFailed`).
   */
  async turn(method: string): Promise<boolean> {
    for (;;) {
      const b = this.blocked.get(method);
      if (!b) return false;
      if (!b.probing && this.now() >= b.until) {
        b.probing = true;
        return true;
      }
      await new Promise<void>((resolve) => b.waiters.add(resolve));
    }
  }

  /** Methods being held back now (for tests and diagnostics). */
  get limitedMethods(): string[] {
    return [...this.blocked.keys()];
  }

  /** Wakes the waiters once `until` has passed on the clock `turn` reads (a timer may fire a millisecond early by it). */
  private wakeAt(b: Blocked): void {
    clearTimeout(b.timer);
    b.timer = setTimeout(() => (this.now() >= b.until ? this.wakeAll(b) : this.wakeAt(b)), Math.max(1, b.until - this.now()));
    b.timer.unref();
  }

  private wakeAll(b: Blocked): void {
    const waiters = [...b.waiters];
    b.waiters.clear();
    for (const wake of waiters) wake();
  }
}
