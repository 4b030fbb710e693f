import type { SetOptions } from "@botyard/core";

/** The TTL argument of a write: "0" for none (no ttlMs, 0 or Infinity, as in the other backends), else at least 1 ms. */
export function ttlArg(options: SetOptions | undefined): string {
  const ttl = options?.ttlMs;
  return ttl && ttl !== Number.POSITIVE_INFINITY ? String(msArg(ttl)) : "0";
}

/** A delay: whole milliseconds, 0 for none (a negative delay is none, not a jump ahead of the queue). */
export function delayArg(ms: number | undefined): number {
  return ms === undefined || Number.isNaN(ms) || ms <= 0 ? 0 : msArg(ms);
}

/** About a century: what an infinite claim, lease or delay becomes (PX needs a finite number). */
const MAX_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** A duration for PX/PEXPIRE/scores: a whole number of milliseconds, at least 1. */
export function msArg(ms: number): number {
  if (Number.isNaN(ms)) return 1;
  return Math.min(MAX_MS, Math.max(1, Math.ceil(ms)));
}
