import type { DedupeCursor, Statements } from "./statements.js";

/**
 * Deletes what has expired (keys, leases, dedupe markers). Reads already ignore it; this only
 * keeps the file from growing. On open and on the timer, the dedupe markers (a day's deliveries by
 * default) go a slice per event-loop turn, so that a large table never stalls the host. Errors
 * are left to the next sweep; a database that stays broken shows in ping().
 */
export class Sweeper {
  private readonly timer: NodeJS.Timeout;
  /** A sliced sweep of the dedupe markers is under way. */
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly sql: Statements,
    intervalMs: number,
  ) {
    this.sweepInSlices();
    this.timer = setInterval(() => this.sweepInSlices(), intervalMs);
    // The sweep is housekeeping: it must never be what keeps the process alive.
    this.timer.unref();
  }

  /** Everything expired, all in one go. */
  sweepNow(): void {
    const now = Date.now();
    this.sql.sweep(now);
    let cursor: DedupeCursor | undefined;
    do cursor = this.sql.sweepDedupeSlice(cursor, now);
    while (cursor !== undefined);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private sweepInSlices(): void {
    if (this.sweeping || this.stopped) return;
    try {
      this.sql.sweep(Date.now());
    } catch {
      return;
    }
    this.sweeping = true;
    const slice = (after: DedupeCursor | undefined): void => {
      let cursor: DedupeCursor | undefined;
      try {
        cursor = this.stopped ? undefined : this.sql.sweepDedupeSlice(after, Date.now());
      } catch {
        cursor = undefined;
      }
      if (cursor === undefined) this.sweeping = false;
      else setImmediate(slice, cursor).unref();
    };
    slice(undefined);
  }
}
