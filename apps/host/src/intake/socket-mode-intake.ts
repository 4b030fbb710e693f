import { SocketModeReceiver, type Engine, type Logger } from "@botyard/core";
import { SlackIntake } from "./slack-intake.js";

export interface SocketModeIntakeOptions {
  engine: Engine;
  log: Logger;
  appToken: string;
  apiUrl?: string;
  /** Socket Mode ping timeout, which also paces reconnects. */
  clientPingTimeoutMs?: number;
  /** Envelopes acked and waiting on the store at once, above which new ones are left unacked. */
  maxInFlight: number;
  /** Told of a dispatch the store failed, so that intake pauses now rather than at the next health check. */
  onStoreFailure: (error: unknown) => void;
  onConnected: (connected: boolean) => void;
}

/**
 * Slack's receiver: the Socket Mode connection and what happens to an envelope once acked
 * (`SlackIntake`). New envelopes are left unacked, for Slack to redeliver, while the store is down,
 * while the intake holds acked ones, and once the host is stopping. Envelopes that arrive before
 * the bots are started and the app's identity is known wait for it (acked: Slack wants that
 * within 3 s either way); the socket connects meanwhile.
 */
export class SocketModeIntake {
  connected = false;
  accepting = false;
  private storeUp = true;
  private busy = false;
  private paused = false;
  private openGate = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  private readonly intake: SlackIntake;
  private readonly receiver: SocketModeReceiver;
  private readonly engine: Engine;

  constructor(options: SocketModeIntakeOptions) {
    this.engine = options.engine;
    this.intake = new SlackIntake({
      dispatch: (envelope) => options.engine.dispatch(envelope),
      log: options.log,
      onStoreFailure: options.onStoreFailure,
      onBusy: (busy) => {
        this.busy = busy;
        this.updatePause();
      },
      maxInFlight: options.maxInFlight,
    });
    this.receiver = new SocketModeReceiver({
      appToken: options.appToken,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      logger: options.log,
      ...(options.clientPingTimeoutMs ? { clientPingTimeoutMs: options.clientPingTimeoutMs } : {}),
      onEnvelope: (envelope) => {
        if (this.accepting) this.intake.take(envelope);
        else void this.gate.then(() => this.intake.take(envelope));
      },
      onStateChange: (connected) => {
        this.connected = connected;
        options.onConnected(connected);
      },
    });
  }

  /** Whether Socket Mode is up and, when it is not, why and what happens next. */
  get status(): SocketModeReceiver["status"] {
    return this.receiver.status;
  }

  /**
   * Opens the socket while the bot token is checked and the bots start; envelopes reach the bots
   * once both are done, with the app's identity known. Rejects with the first failure.
   */
  async start(identity: Promise<{ userId?: string; botId?: string }>, botsStarted: Promise<void>): Promise<void> {
    const connecting = this.receiver.start();
    connecting.catch(() => {});
    const [checked, started] = await Promise.allSettled([identity, botsStarted]);
    if (checked.status === "rejected") throw checked.reason;
    if (started.status === "rejected") throw started.reason;
    this.engine.setIdentity(checked.value);
    this.accepting = true;
    this.openGate();
    await connecting;
  }

  /** The store is up or down: down, new envelopes are left unacked; up again, held ones are dispatched. */
  setStoreUp(up: boolean): void {
    this.storeUp = up;
    this.updatePause();
    if (up) this.intake.retryHeld();
  }

  /** Leaves every new envelope unacked from now on (the host is stopping). */
  pause(): void {
    this.paused = true;
    this.receiver.setPaused(true);
  }

  async stop(): Promise<void> {
    await this.receiver.stop();
  }

  private updatePause(): void {
    if (!this.paused) this.receiver.setPaused(!this.storeUp || this.busy);
  }
}
