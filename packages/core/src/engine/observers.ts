import type { Logger } from "../logging/logger.js";
import type { EngineObserver } from "./observer.js";

/**
 * The engine's observers (metrics, logs, tests). An observer that throws is logged and skipped:
 * it never fails a run or stops the others hearing of it.
 */
export class Observers {
  private readonly list: EngineObserver[];

  constructor(
    initial: EngineObserver[],
    private readonly log: () => Logger,
  ) {
    this.list = [...initial];
  }

  get size(): number {
    return this.list.length;
  }

  add(observer: EngineObserver): () => void {
    this.list.push(observer);
    return () => {
      const i = this.list.indexOf(observer);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  /** `emit` for the busiest notification, without a closure per call. */
  received(source: "slack" | "webhook", type: string): void {
    for (const observer of this.list) {
      if (!observer.received) continue;
      try {
        observer.received(source, type);
      } catch (error) {
        this.log().warn({ err: error }, "an engine observer threw");
      }
    }
  }

  emit(call: (observer: EngineObserver) => void): void {
    for (const observer of this.list) {
      try {
        call(observer);
      } catch (error) {
        this.log().warn({ err: error }, "an engine observer threw");
      }
    }
  }
}
