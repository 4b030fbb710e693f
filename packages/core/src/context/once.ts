import { backoffDelay, sleep } from "../retry/retry.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/store.js";
import type { OnceResult } from "./context.js";

/**
 * How long the lease around a `ctx.once` effect lasts without renewal. It is renewed while the
 * effect runs, so this bounds how long a holder that died (a killed process) can keep a *different*
 * unit of work waiting; the same unit of work, redelivered, takes the lease over at once.
 */
export const ONCE_LEASE_MS = 10_000;
/** Waits between looks at a lease another run holds: short at first (most effects are one call), capped. */
const WAIT_MIN_MS = 20;
const WAIT_MAX_MS = 1_000;

export interface OnceOptions {
  /** How long the record that the effect is done is kept (by default, as long as the store keeps keys). */
  ttlMs?: number;
  /**
   * Tells whether the effect happened, for the one case `ctx.once` cannot know: an attempt
   * started it and died before recording it (a SIGKILL between the API's answer and the record).
   * Asked only then; true records the effect as done without doing it again. Look for the effect
   * itself (a message carrying the key in its metadata, a pull request with the branch name).
   * With a probe, the start of each effect is recorded too: one more store write.
   */
  probe?: () => Promise<boolean>;
}

/**
 * Effects done while the store could not record them, by store (a bot's namespace) and record key:
 * looked at before the store, and removed once recorded. Holds only what an outage left.
 */
const unrecorded = new WeakMap<Store, Map<string, OnceRecord>>();

/**
 * Effects running in this process, by store and record key. An earlier attempt of the same work
 * that lost its claim while its run stalled (a loaded machine, a claim shorter than the stall) may
 * still be doing the effect here: the redelivered attempt waits for it rather than taking the
 * lease over, which is right only when the earlier attempt's process is gone.
 */
const running = new WeakMap<Store, Map<string, Promise<unknown>>>();

/** What the store keeps under `once/<key>`: the effect started (with a probe only), or done. */
interface OnceRecord {
  at: number;
  run: string;
  started?: true;
}

function isDone(record: OnceRecord | undefined): boolean {
  return record !== undefined && record.started !== true;
}

export interface OnceRun {
  store: Store;
  /**
   * Who the effect is done for: the unit of work (a durable job, the same across its redeliveries)
   * or, for work that is never redelivered, the run. A lease this owner already holds was left by
   * an earlier attempt of the same work, which the queue only redelivers once that attempt has lost
   * its claim: it is taken over rather than waited for.
   */
  owner: string;
  runId: string;
  signal: AbortSignal;
  log: () => Logger;
}

/**
 * `ctx.once`: runs `effect` unless `key` is recorded as done, then records it. While another unit
 * of work holds the key's lease, waits for it: until it records the key as done (then answers
 * "done" without acting), or gives the lease up without doing so (its effect failed: then this run
 * does the effect), or dies (its lease expires within ONCE_LEASE_MS). So it returns only once the
 * effect is done, by this run or another; it throws when the effect throws, when the store fails,
 * or when the run is aborted — never answers "done" for work nobody did, and a durable job whose
 * handler awaits it is acked only after the effect.
 */
export async function once<T>(run: OnceRun, key: string, effect: () => Promise<T>, options: OnceOptions = {}): Promise<OnceResult<T>> {
  const { store, owner } = run;
  const recordKey = `once/${key}`;
  const ttl = options.ttlMs ? { ttlMs: options.ttlMs } : undefined;
  const remembered = unrecorded.get(store)?.get(recordKey);
  if (remembered) {
    // Done by this process while the store could not record it: record it now (or fail again).
    await store.set(recordKey, remembered, ttl);
    unrecorded.get(store)?.delete(recordKey);
    return { ran: false, reason: "done" };
  }
  for (let inHand = running.get(store)?.get(recordKey); inHand; inHand = running.get(store)?.get(recordKey)) {
    run.log().debug({ once: key }, "ctx.once: an earlier attempt in this process is still doing this effect; waiting for it");
    await untilSettledOrAborted(inHand, run.signal);
  }
  if (isDone(await store.get<OnceRecord>(recordKey))) return { ran: false, reason: "done" };
  const lease = `once/${key}`;
  for (let look = 1; !(await store.acquireLease(lease, owner, ONCE_LEASE_MS)); look++) {
    if (look === 1) run.log().debug({ once: key }, "ctx.once: another run is doing this effect; waiting for it");
    await sleep(backoffDelay(look, WAIT_MIN_MS, WAIT_MAX_MS), run.signal);
    if (isDone(await store.get<OnceRecord>(recordKey))) return { ran: false, reason: "done" };
  }
  // Kept while the effect runs (a slow API, retries): the timer exists only for effects slower than a third of the lease.
  const renew = setInterval(() => {
    store.renewLease(lease, owner, ONCE_LEASE_MS).then(
      (held) => held || run.log().warn({ once: key }, "ctx.once: lost the lease while the effect ran (the store was unreachable for longer than the lease)"),
      () => {},
    );
  }, ONCE_LEASE_MS / 3);
  renew.unref();
  try {
    // Recorded as done between the first look and the lease: by a run that had it and released it.
    const record = await store.get<OnceRecord>(recordKey);
    if (isDone(record)) return { ran: false, reason: "done" };
    if (options.probe) {
      // An attempt started the effect and never recorded it (its process died): ask whether it happened.
      if (record?.started && (await options.probe())) {
        run.log().info({ once: key }, "ctx.once: an attempt that died had done the effect (the probe found it); recorded, not repeated");
        await store.set(recordKey, { at: Date.now(), run: run.runId, probed: true }, ttl);
        return { ran: false, reason: "done" };
      }
      await store.set(recordKey, { started: true, at: Date.now(), run: run.runId }, ttl);
    }
    let inFlight = running.get(store);
    if (!inFlight) running.set(store, (inFlight = new Map()));
    const doing = effect();
    inFlight.set(recordKey, doing);
    let value: T;
    try {
      value = await doing;
    } finally {
      if (inFlight.get(recordKey) === doing) inFlight.delete(recordKey);
    }
    const done = { at: Date.now(), run: run.runId };
    try {
      await store.set(recordKey, done, ttl);
    } catch (error) {
      // The effect happened and the store cannot say so (a full disk, Redis gone): remember it here
      // so that this process's retry of the work does not repeat it, and let the retry record it.
      let remembering = unrecorded.get(store);
      if (!remembering) unrecorded.set(store, (remembering = new Map()));
      remembering.set(recordKey, done);
      run.log().warn({ once: key, err: error }, "ctx.once: the effect is done but the store could not record it; remembered in this process until it can");
      throw error;
    }
    return { ran: true, value };
  } finally {
    clearInterval(renew);
    await store.releaseLease(lease, owner).catch(() => false);
  }
}

/** Resolves once `promise` settles, either way; rejects with the signal's reason if it aborts first. */
function untilSettledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      () => (signal.removeEventListener("abort", onAbort), resolve()),
      () => (signal.removeEventListener("abort", onAbort), resolve()),
    );
  });
}
