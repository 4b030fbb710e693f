// The contract suite's options and the timings its waits use.

/** How the contract suite lets time pass. */
export interface StoreContractClock {
  sleep(ms: number): Promise<void>;
}

export interface StoreContractOptions {
  /**
   * By default the suite really waits: TTLs, leases and delays are 150 ms and every wait for them
   * to run out is 300 ms longer, so a slow machine does not make it flaky. A backend that reads an
   * injectable clock can pass one whose `sleep` advances that clock instead, which makes the suite
   * instant. Backends whose server keeps the time (Redis) must use the default.
   */
  clock?: StoreContractClock;
  /**
   * Whether the backend stores a job already claimed when `enqueue` is given `claim` (default
   * true). A backend that does not may say so: the suite then checks that it ignores the option
   * (the job waits in the queue, and `claimed` is undefined), which consumers handle.
   */
  claimOnEnqueue?: boolean;
}

/** Short enough to wait out in a test; long enough that nothing expires between two calls. */
export const SHORT_MS = 150;
/** Waited after a SHORT_MS deadline; generous so that scheduling jitter never decides a test. */
export const PAST_SHORT_MS = SHORT_MS + 300;
export const LONG_MS = 60_000;

export const realClock: StoreContractClock = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
