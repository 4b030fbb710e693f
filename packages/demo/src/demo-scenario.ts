import type { SlackEmulator } from "@botyard/testing";

/** What a demo scenario gets: the emulator, and once the host runs, its URL. */
export interface DemoKit {
  slack: SlackEmulator;
  /** `http://127.0.0.1:<port>` of the running host (webhooks). */
  hostUrl: string;
  /** Prints a narrator line in the transcript. */
  narrate(text: string): void;
  /** Waits until `check` is truthy (or throws after `timeoutMs`): a step's visible effect. */
  until(check: () => unknown, timeoutMs?: number): Promise<void>;
}

/**
 * A `botyard demo` scenario: seeds the emulators before the host starts (channels, people, other
 * services' emulators, returning the environment variables bots.yaml references), then plays a
 * short script when stdin is not a terminal.
 */
export interface DemoScenario {
  /** Channel the terminal talks in first. */
  channel: string;
  /** The person the terminal speaks as. */
  user: string;
  setup(slack: SlackEmulator): Promise<{ env: Record<string, string>; close?: () => Promise<void> }>;
  script(kit: DemoKit): Promise<void>;
}
