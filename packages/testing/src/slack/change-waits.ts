// Waiting for the emulator to reach a state: a condition re-checked on every change (a call, an ack,
// a connection) and every 25 ms, and what a timeout reports.
// See socket-mode.ts: the emulator keeps real time even when a test fakes the global timers.
import { clearInterval, clearTimeout, setInterval, setTimeout } from "node:timers";

export class ChangeWaits {
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<(error: Error) => void>();

  /** `describeRecent` says what happened lately, for the message of a wait that timed out. */
  constructor(private readonly describeRecent: () => string) {}

  /** Something changed: re-check every pending condition. */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Fail every pending wait (the emulator is closing). */
  abortAll(error: Error): void {
    for (const abort of [...this.pending]) abort(error);
  }

  until<T>(check: () => T, timeoutMs: number, description: string): Promise<NonNullable<T>> {
    return new Promise((resolve, reject) => {
      let lastError: unknown;
      let done = false;
      const finish = () => {
        done = true;
        this.listeners.delete(evaluate);
        this.pending.delete(abort);
        clearInterval(poll);
        clearTimeout(deadline);
      };
      const abort = (error: Error) => {
        finish();
        reject(error);
      };
      function evaluate(): void {
        if (done) return;
        try {
          const value = check();
          if (value) {
            finish();
            resolve(value as NonNullable<T>);
          }
        } catch (error) {
          lastError = error;
        }
      }
      this.listeners.add(evaluate);
      this.pending.add(abort);
      const poll = setInterval(evaluate, 25);
      const deadline = setTimeout(() => {
        if (done) return;
        finish();
        const cause = lastError instanceof Error ? `\nLast error from the condition: ${lastError.message}` : "";
        reject(new Error(`SlackEmulator: timed out after ${timeoutMs} ms waiting for ${description}.${cause}\n${this.describeRecent()}`));
      }, timeoutMs);
      evaluate();
    });
  }
}
