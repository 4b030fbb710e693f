import { ErrorCodes, isBotyardError, type Logger, type StoreBackend } from "@botyard/core";

export interface StoreHealthOptions {
  store: StoreBackend;
  log: Logger;
  /** How often the store is pinged. */
  intervalMs?: number;
  /** A ping slower than this counts as a failure. */
  timeoutMs?: number;
  onChange: (healthy: boolean) => void;
}

/**
 * Watches the store. While it is unreachable the host degrades on purpose: readiness false, intake
 * paused (Slack redelivers unacked events, possibly to another replica's socket; webhooks get 503
 * from the load balancer's view), durable workers stop claiming; all of it resumes when the store
 * answers again. Nothing acts without the store, so nothing can act twice. A failed store call
 * (`reportFailure`) counts at once: intake pauses from the first call that finds the store
 * unavailable, not a ping later.
 */
export class StoreHealth {
  private timer: NodeJS.Timeout | undefined;
  private state: { healthy: boolean; error?: string; since: number } = { healthy: true, since: Date.now() };
  private checking = false;

  constructor(private readonly options: StoreHealthOptions) {}

  get healthy(): boolean {
    return this.state.healthy;
  }

  get status(): { ok: boolean; error?: string; since: string } {
    return { ok: this.state.healthy, ...(this.state.error ? { error: this.state.error } : {}), since: new Date(this.state.since).toISOString() };
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Any store call that failed: one that says the store is unavailable (unreachable, too slow, out
   * of disk) makes the store unhealthy now; the pings then tell when it answers again.
   */
  reportFailure(error: unknown): void {
    if (!this.state.healthy || !isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE)) return;
    this.change(false, (error as Error).message);
  }

  async check(): Promise<boolean> {
    if (this.checking) return this.state.healthy;
    this.checking = true;
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.store.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs ?? 2_000} ms`)), this.options.timeoutMs ?? 2_000);
        }),
      ]);
    } catch (e) {
      error = (e as Error).message;
    } finally {
      clearTimeout(timer);
      this.checking = false;
    }
    const healthy = error === undefined;
    if (healthy !== this.state.healthy) this.change(healthy, error);
    else if (error) this.state.error = error;
    return healthy;
  }

  private change(healthy: boolean, error: string | undefined): void {
    this.state = { healthy, ...(error ? { error } : {}), since: Date.now() };
    if (healthy) this.options.log.info({ store: this.options.store.kind }, "store reachable again: intake resumed");
    else this.options.log.error({ store: this.options.store.kind, error }, "store unreachable: intake paused, host not ready until it answers");
    this.options.onChange(healthy);
  }
}
