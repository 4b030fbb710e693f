import { ErrorCodes, isBotyardError, type Logger, type SlackEnvelope } from "@botyard/core";

export interface SlackIntakeOptions {
  /** The engine's dispatch: rejects with BOTYARD_ERR_STORE_UNAVAILABLE, having run nothing, when the event cannot be claimed. */
  dispatch: (envelope: SlackEnvelope) => Promise<void>;
  log: Logger;
  /** Told of a dispatch the store failed, so that intake pauses now rather than at the next health check. */
  onStoreFailure: (error: unknown) => void;
  /** Called whenever whether this intake wants new envelopes left unacked changes. */
  onBusy: (busy: boolean) => void;
  /** Envelopes being dispatched at once (waiting on the store) above which new ones are left unacked. */
  maxInFlight: number;
}

/**
 * What happens to a Slack envelope once the receiver has acked it. Acked means Slack will not send
 * it again, so it is handled unless this process dies: an envelope whose dispatch finds the store
 * unavailable is held here and dispatched again once the store answers (`retryHeld`), and while
 * any are held, or while too many wait on a slow store, the receiver is asked to leave new ones
 * unacked, for Slack to redeliver (maybe to another replica's socket) instead of piling up here.
 */
export class SlackIntake {
  private held: SlackEnvelope[] = [];
  private inFlight = 0;
  private busy = false;

  constructor(private readonly options: SlackIntakeOptions) {}

  /** Envelopes acked and waiting for the store to answer again. */
  get holding(): number {
    return this.held.length;
  }

  take(envelope: SlackEnvelope): void {
    this.inFlight++;
    this.update();
    this.options.dispatch(envelope).then(
      () => this.done(),
      (error: unknown) => {
        if (isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE)) {
          if (this.held.length === 0) this.options.log.warn({ err: error }, "the store does not answer: holding acked Slack events until it does, leaving new ones unacked");
          this.held.push(envelope);
          this.options.onStoreFailure(error);
        } else {
          this.options.log.error({ err: error, envelope: envelope.envelope_id }, "dispatch failed");
        }
        this.done();
      },
    );
  }

  /** Dispatches the held envelopes again (the store answers again). */
  retryHeld(): void {
    const held = this.held;
    this.held = [];
    if (held.length > 0) this.options.log.info({ envelopes: held.length }, "the store answers again: handling the Slack events held meanwhile");
    for (const envelope of held) this.take(envelope);
    this.update();
  }

  private done(): void {
    this.inFlight--;
    this.update();
  }

  private update(): void {
    const busy = this.held.length > 0 || this.inFlight >= this.options.maxInFlight;
    if (busy === this.busy) return;
    this.busy = busy;
    this.options.onBusy(busy);
  }
}
