import type { FetchFunction } from "@slack/web-api";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

interface Blocked {
  /** No request for the method leaves before this (epoch ms): Slack's Retry-After. */
  until: number;
  /** A request is out to see whether the limit has lifted; the others wait for its answer. */
  probing: boolean;
  waiters: Set<() => void>;
  timer?: NodeJS.Timeout;
}

/**
 * Makes one WebClient's callers, together, wait as long as Slack's `Retry-After` says. The client
 * honours a 429 for the call that got it (it pauses, then retries), but every call already in flight
 * gets its own 429 and retries on its own schedule, so N concurrent callers keep sending about N
 * requests per `Retry-After` through a rate-limit storm. Here, once a method is rate limited, its
 * requests wait until `Retry-After` has passed, then one goes first: if Slack answers it with another
 * 429 the wait starts over, otherwise the rest go. It only delays requests; the client's own retry
 * policy stays the one place that decides to retry.
 */
export class RateLimitGate {
  private readonly blocked = new Map<string, Blocked>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `fetch`, with each request to a rate-limited method held back as described above. */
  wrap(fetchFn: FetchFunction): FetchFunction {
    return async (url, init) => {
      // Nothing is rate limited almost always: then this costs one Map size check.
      const method = this.blocked.size > 0 ? methodOf(url) : undefined;
      const probe = method !== undefined && (await this.admit(method, init?.signal ?? undefined));
      let response: FetchResponse;
      try {
        response = await fetchFn(url, init);
      } catch (error) {
        if (probe) this.probeDone(method!, false);
        throw error;
      }
      if (response.status === 429) this.limited(method ?? methodOf(url), retryAfterMs(response), probe);
      else if (probe) this.probeDone(method!, true);
      return response;
    };
  }

  /** Methods being held back now (for tests and diagnostics). */
  get limitedMethods(): string[] {
    return [...this.blocked.keys()];
  }

  /** Resolves when a request for `method` may leave; `true` when it leaves as the probe. */
  private async admit(method: string, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      const b = this.blocked.get(method);
      if (!b) return false;
      if (!b.probing && this.now() >= b.until) {
        b.probing = true;
        return true;
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          b.waiters.delete(wake);
          reject(signal!.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        b.waiters.add(wake);
      });
    }
  }

  private limited(method: string, waitMs: number, wasProbe: boolean): void {
    let b = this.blocked.get(method);
    if (!b) this.blocked.set(method, (b = { until: 0, probing: false, waiters: new Set() }));
    // A request sent before the limit was known extends the wait but does not end a probe in flight.
    if (wasProbe) b.probing = false;
    b.until = Math.max(b.until, this.now() + waitMs);
    clearTimeout(b.timer);
    b.timer = setTimeout(() => this.wakeAll(b), Math.max(0, b.until - this.now()));
    b.timer.unref();
  }

  /** The probe got an answer other than 429 (the limit lifted) or no answer (let the next one try). */
  private probeDone(method: string, lifted: boolean): void {
    const b = this.blocked.get(method);
    if (!b) return;
    b.probing = false;
    if (lifted) {
      clearTimeout(b.timer);
      this.blocked.delete(method);
    }
    this.wakeAll(b);
  }

  private wakeAll(b: Blocked): void {
    const waiters = [...b.waiters];
    b.waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** `https://slack.com/api/chat.postMessage` → `chat.postMessage`. */
function methodOf(url: string | URL): string {
  const href = typeof url === "string" ? url : url.href;
  const path = href.split("?")[0]!;
  return path.slice(path.lastIndexOf("/") + 1);
}

// Slack always sends Retry-After with a 429; a second is the cautious reading of one without it.
function retryAfterMs(response: FetchResponse): number {
  const seconds = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 1) * 1000;
}
