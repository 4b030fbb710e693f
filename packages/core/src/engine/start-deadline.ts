import type { BaseContext } from "../context/context.js";
import { BotyardError, ErrorCodes, isBotyardError } from "../errors/botyard-error.js";
import type { LifecycleHook } from "../plugin/bot.js";
import type { RunOutcome } from "../triggers/trigger.js";

/** How long a bot's start hooks may take, all told, unless the host says otherwise. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/**
 * Runs one bot's start hooks in turn, within `timeoutMs` for all of them. A hook still running
 * at the deadline sees its `ctx.signal` abort (with the timeout error as the reason) and is left
 * to settle in the background; the bot is reported failed with BOTYARD_ERR_PLUGIN_START_TIMEOUT.
 * A hook that throws fails the bot with BOTYARD_ERR_PLUGIN_START_FAILED (or its own code).
 *
 * Why a bound at all: the host opens intake to every bot only once all of them have started, so
 * one hook that waits forever on a dead API would hold every other bot's Slack events back.
 * `run` runs a hook through the engine's pipeline (logging, counting, error isolation).
 */
export async function runStartHooks(
  bot: string,
  hooks: readonly LifecycleHook[],
  timeoutMs: number,
  run: (hook: LifecycleHook) => Promise<RunOutcome<unknown>>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  if (hooks.length === 0) return { ok: true };
  const deadline = new AbortController();
  const timedOut = new Promise<{ ok: false; error: unknown }>((resolve) => {
    deadline.signal.addEventListener("abort", () => resolve({ ok: false, error: deadline.signal.reason }), { once: true });
  });
  const timer = setTimeout(() => {
    deadline.abort(
      new BotyardError(ErrorCodes.PLUGIN_START_TIMEOUT, `Bot "${bot}" did not finish starting within ${timeoutMs} ms: its bot.onStart hook was still running, and has been aborted (ctx.signal).`, {
        hint: "Keep onStart short (start long work from a timer or a schedule instead, and pass ctx.signal to requests), or raise startTimeoutMs in bots.yaml.",
        details: { bot, timeoutMs },
      }),
    );
  }, timeoutMs);
  try {
    for (const hook of hooks) {
      const outcome = await Promise.race([run((ctx) => hook(withDeadline(ctx, deadline.signal))), timedOut]);
      if (!outcome.ok) return { ok: false, error: startFailure(bot, outcome.error) };
    }
    return { ok: true };
  } finally {
    clearTimeout(timer);
  }
}

/** The run's context with a signal that also aborts at the deadline; everything else is the run's own. */
function withDeadline<E>(ctx: BaseContext<E>, deadline: AbortSignal): BaseContext<E> {
  // A view on the context rather than a copy: its methods and lazily made logger stay the run's.
  return Object.create(ctx, { signal: { value: AbortSignal.any([ctx.signal, deadline]), enumerable: true } }) as BaseContext<E>;
}

function startFailure(bot: string, error: unknown): unknown {
  if (isBotyardError(error)) return error;
  return new BotyardError(ErrorCodes.PLUGIN_START_FAILED, `Bot "${bot}" failed in its bot.onStart hook: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
    hint: "Fix the plugin or its config (the error above says what failed); the other bots keep running.",
    details: { bot },
  });
}
