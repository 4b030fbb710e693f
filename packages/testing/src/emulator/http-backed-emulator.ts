import type { Fault, HttpEmulator, RecordedCall } from "./http-emulator.js";

/**
 * What every REST emulator offers tests on top of its own API: the address, the call record,
 * scripted faults, latency and shutdown, all served by its HttpEmulator.
 */
export abstract class HttpBackedEmulator {
  /** The shared HTTP plumbing (call record, faults, latency). */
  abstract readonly http: HttpEmulator;

  /** Base URL to give the client (`http://127.0.0.1:<port>`). */
  get url(): string {
    return this.http.url;
  }

  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  /** Calls to one operation, named `METHOD /path/{template}` as in the provider's API description. */
  callsTo(operation: string): RecordedCall[] {
    return this.http.callsTo(operation);
  }

  clearCalls(): void {
    this.http.clearCalls();
  }

  onCall(listener: (call: RecordedCall) => void): () => void {
    return this.http.onCall(listener);
  }

  /** Answer the next calls to an operation with a scripted fault (status/body/headers, or a dropped connection). */
  inject(fault: Fault): void {
    this.http.inject(fault);
  }

  /** Delay answers to `operation` (`"*"` for all) by `ms`. */
  setLatency(operation: string, ms: number): void {
    this.http.setLatency(operation, ms);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
