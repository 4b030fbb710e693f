import type { Job } from "../store/store.js";
import type { JobInHand } from "../triggers/trigger.js";

/** A job in hand: when its claim was last taken or renewed, and its run's signal, made only if asked for. */
export class Held implements JobInHand {
  since = Date.now();
  private controller: AbortController | undefined;
  private lost = false;

  constructor(private readonly job: Job) {}

  get id(): string {
    return this.job.id;
  }

  get queue(): string {
    return this.job.queue;
  }

  get attempt(): number {
    return this.job.attempt;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.lost) this.controller.abort(lostClaim(this.job));
    }
    return this.controller.signal;
  }

  lose(): void {
    this.lost = true;
    this.controller?.abort(lostClaim(this.job));
  }
}

function lostClaim(job: Job): Error {
  return new Error(`the claim of job ${job.id} in ${job.queue} was lost (it ran out); another worker may run it`);
}
