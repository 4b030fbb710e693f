import { BotyardError, ErrorCodes } from "@botyard/core";
import { isSqliteEnvironmentError, sqliteFailure } from "./sqlite-errors.js";

export interface PendingOp {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Options of `write` for the queue operations: committed at the end of the event-loop turn. */
export const QUEUE_OP = { queue: true } as const;

/**
 * The group-commit scheduler behind SqliteStore (its class comment says why and when groups are
 * committed). `runGroup` runs a group's operations in one transaction, pushing each one's outcome,
 * and throws when the commit itself fails.
 */
export class GroupCommit {
  /** Operations waiting for their group commit, in the order they were issued. */
  private pending: PendingOp[] = [];
  /** Keys of the key-value writes in `pending` (with how many), and how many queue operations it holds. */
  private readonly pendingKeys = new Map<string, number>();
  private pendingQueueOps = 0;
  private commitOnYield = false;
  private commitAtTurnEnd = false;
  private closed = false;
  /** Why the last commit or read failed, when the disk or the file was the reason; cleared by a ping that writes again (never when the file is damaged). */
  failing: Error | undefined;

  constructor(
    /** The database file, named in errors. */
    private readonly path: string,
    private readonly runGroup: (group: PendingOp[], outcomes: Outcome[]) => void,
  ) {}

  /** A write of `key` waits for its commit. */
  writing(key: string): boolean {
    return this.pendingKeys.has(key);
  }

  /** A write of a key starting with `prefix` waits for its commit. */
  writingUnder(prefix: string): boolean {
    return this.pendingKeys.size > 0 && [...this.pendingKeys.keys()].some((key) => key.startsWith(prefix));
  }

  /** A queue operation waits for its commit. */
  get queueing(): boolean {
    return this.pendingQueueOps > 0;
  }

  /**
   * Queues a write for a group commit; resolves (or rejects) once that commit is done. Queue
   * operations wait for the end of the event-loop turn; anything else is committed, with whatever
   * waits, as soon as the code that issued it yields (the next microtask checkpoint). `key` is the
   * key a key-value write changes, so that reads of other keys need not wait for it.
   */
  write<T>(op: () => T, { key, queue = false }: { key?: string; queue?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new BotyardError(ErrorCodes.STORE, `The store database ${this.path} is closed.`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (key !== undefined) this.pendingKeys.set(key, (this.pendingKeys.get(key) ?? 0) + 1);
      if (queue) {
        this.pendingQueueOps++;
        if (!this.commitAtTurnEnd) {
          this.commitAtTurnEnd = true;
          setImmediate(this.commitTurn);
        }
      } else if (!this.commitOnYield) {
        this.commitOnYield = true;
        // A resolved promise's reaction rather than queueMicrotask, which also makes an async resource per call.
        void Promise.resolve().then(this.commitYielded);
      }
    });
  }

  /**
   * Runs a read now; or, when a write it could see is waiting for its commit (`conflicts`), after
   * that write, in its group, so that a caller always reads what it wrote before, in program order.
   */
  read<T>(op: () => T, conflicts: boolean): Promise<T> {
    if (conflicts) return this.write(op);
    try {
      return Promise.resolve(op());
    } catch (cause) {
      const error = sqliteFailure(this.path, cause, false);
      if (isSqliteEnvironmentError(cause)) this.failing = error;
      return Promise.reject(error);
    }
  }

  /** Commits what was issued before, then refuses further writes. */
  close(): void {
    this.commitPending();
    this.closed = true;
  }

  private readonly commitYielded = (): void => {
    this.commitOnYield = false;
    this.commitPending();
  };

  private readonly commitTurn = (): void => {
    this.commitAtTurnEnd = false;
    this.commitPending();
  };

  private readonly commitPending = (): void => {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    this.pendingKeys.clear();
    this.pendingQueueOps = 0;
    const outcomes: Outcome[] = [];
    try {
      this.runGroup(group, outcomes);
    } catch (cause) {
      // The commit itself failed (disk full, I/O error): nothing of the group was stored.
      const error = sqliteFailure(this.path, cause, false);
      if (isSqliteEnvironmentError(cause)) this.failing = error;
      for (const op of group) op.reject(error);
      return;
    }
    group.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  };
}
