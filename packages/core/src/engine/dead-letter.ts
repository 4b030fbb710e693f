/**
 * A job that failed `maxAttempts` times, kept under `deadletter/<queue>/<job id>` in the host's
 * store for `deadLetterTtlMs`, with what it takes to understand it and to replay it.
 */
export interface DeadLetter {
  queue: string;
  job: string;
  /** The bot whose trigger consumed the queue, when a bot did. */
  bot?: string;
  payload: unknown;
  attempts: number;
  error: string;
  /** When the job was first enqueued, and when its last attempt failed (ms since the epoch). */
  enqueuedAt: number;
  failedAt: number;
}

export const DEFAULT_DEAD_LETTER_TTL_MS = 14 * 24 * 60 * 60 * 1000;
