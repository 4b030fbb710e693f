import type { BaseContext } from "../context/context.js";
import { actionContext } from "../context/create-context.js";

/** One side effect as tests and operators see it. */
export interface ActionRecord {
  bot: string;
  trigger: string;
  runId: string;
  /** `slack.chat.postMessage`, `github.pulls.create`, or an author's own name. */
  name: string;
  args: unknown;
  /** True when the action was skipped because the bot or host runs dry. */
  dryRun: boolean;
  ok: boolean;
  error?: string;
  durationMs: number;
}

/**
 * Defines a reusable action: a plain async function whose every call runs through the context
 * (logged, counted, skipped under dry-run). No classes; call it as `await notify(ctx, args)`.
 *
 * ```ts
 * const openIssue = defineAction("tracker.openIssue", async (ctx, args: { title: string }) =>
 *   tracker.create(args), { dryRunResult: { id: "dry-run" } });
 * ```
 */
export function defineAction<A, R>(
  name: string,
  perform: (ctx: BaseContext<unknown>, args: A) => Promise<R>,
  options: { dryRunResult?: R | ((args: A) => R) } = {},
): (ctx: BaseContext<unknown>, args: A) => Promise<R> {
  const action = (ctx: BaseContext<unknown>, args: A): Promise<R> => {
    const dry = options.dryRunResult;
    const dryRunResult = typeof dry === "function" ? (dry as (a: A) => R)(args) : dry;
    return ctx.act(name, args, () => perform(actionContext(ctx), args), dryRunResult === undefined ? {} : { dryRunResult });
  };
  Object.defineProperty(action, "name", { value: name });
  return action;
}
