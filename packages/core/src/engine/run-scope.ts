import { AsyncLocalStorage } from "node:async_hooks";

/** What the current run exposes to code that has no context in hand (the Slack client's hooks). */
export interface RunScope {
  act<T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }): Promise<T>;
}

/**
 * The run a piece of code belongs to. The Slack client consults it so that a plain
 * `ctx.slack.chat.postMessage(...)` is an action like any other, without wrapping the client per run.
 */
export const runScope = new AsyncLocalStorage<RunScope>();
