/**
 * A job that failed `maxAttempts` times, kept under `deadletter/<queue>/<job id>` in the host's
 * store for `deadLetterTtlMs`, with what it takes to understand it and to replay it.
 *
 * The payload is the job's as stored: durable deliveries are queued without the credentials of
 * their headers and query (see `withoutCredentials`), and the error is scrubbed of the host's
 * secrets before it is kept, so a letter holds no secret the queue did not already hold.
 */
export interface DeadLetter {
  queue: string;
  job: string;
  /** The bot whose trigger consumed the queue, when a bot did. */
  bot?: string;
  /** That bot's trigger (`webhook:/path`, `message`...), when a trigger consumed it. */
  trigger?: string;
  payload: unknown;
  attempts: number;
  error: string;
  /**
   * When the job was first enqueued (its first attempt starts then, or as soon as a worker is
   * free), and when its last attempt failed (ms since the epoch).
   */
  enqueuedAt: number;
  failedAt: number;
}

export const DEFAULT_DEAD_LETTER_TTL_MS = 14 * 24 * 60 * 60 * 1000;

/** Where letters live in the host's store namespace. */
export const DEAD_LETTER_PREFIX = "deadletter/";

/** The key of a job's letter. Its id (what operators name) is the key without the prefix: `<queue>/<job>`. */
export function deadLetterKey(queue: string, job: string): string {
  return `${DEAD_LETTER_PREFIX}${queue}/${job}`;
}
