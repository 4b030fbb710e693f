import type { Logger, StoreBackend } from "@botyard/core";

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
 * answers again. Nothing acts without the store, so nothing can act twice.
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
    if (healthy !== this.state.healthy) {
      this.state = { healthy, ...(error ? { error } : {}), since: Date.now() };
      if (healthy) this.options.log.info({ store: this.options.store.kind }, "store reachable again: intake resumed");
      else this.options.log.error({ store: this.options.store.kind, error }, "store unreachable: intake paused, host not ready until it answers");
      this.options.onChange(healthy);
    } else if (error) this.state.error = error;
    return healthy;
  }
}
