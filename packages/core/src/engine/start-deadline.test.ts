import { describe, expect, it } from "vitest";
import type { BaseContext } from "../context/context.js";
import type { LifecycleHook } from "../plugin/bot.js";
import type { RunOutcome } from "../triggers/trigger.js";
import { runStartHooks } from "./start-deadline.js";

// What the engine's run pipeline does with a hook, reduced to what start-up needs: a context with
// the host's signal, the hook's outcome caught.
function pipeline(hostSignal: AbortSignal, seen: Array<BaseContext<undefined>>) {
  return async (hook: LifecycleHook): Promise<RunOutcome<unknown>> => {
    const ctx = { signal: hostSignal, runId: `run-${seen.length + 1}` } as unknown as BaseContext<undefined>;
    try {
      return { ok: true, value: await hook(ctx), runId: ctx.runId };
    } catch (error) {
      return { ok: false, error, runId: ctx.runId };
    } finally {
      seen.push(ctx);
    }
  };
}

describe("runStartHooks", () => {
  it("runs a bot's hooks in turn and succeeds when they all return in time", async () => {
    const order: string[] = [];
    const result = await runStartHooks("b", [() => void order.push("first"), async () => void order.push("second")], 1_000, pipeline(new AbortController().signal, []));
    expect(result).toEqual({ ok: true });
    expect(order).toEqual(["first", "second"]);
  });

  it("aborts a hook still running at the deadline, with a coded reason, and runs no hook after it", async () => {
    let reason: unknown;
    let later = false;
    const host = new AbortController();
    const result = await runStartHooks(
      "slow-bot",
      [
        (ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason);
            }),
          ),
        () => void (later = true),
      ],
      50,
      pipeline(host.signal, []),
    );
    expect(result.ok).toBe(false);
    const error = (result as { error: Error & { code: string; details: unknown } }).error;
    expect(error.code).toBe("BOTYARD_ERR_PLUGIN_START_TIMEOUT");
    expect(error.message).toContain('Bot "slow-bot" did not finish starting within 50 ms');
    expect(error.details).toEqual({ bot: "slow-bot", timeoutMs: 50 });
    expect(reason).toBe(error);
    expect(later).toBe(false);
    // Only that hook's signal: the host's stays as it was.
    expect(host.signal.aborted).toBe(false);
  });

  it("gives up on a hook that ignores its signal, too", async () => {
    const result = await runStartHooks("deaf-bot", [() => new Promise(() => {})], 50, pipeline(new AbortController().signal, []));
    expect(result).toMatchObject({ ok: false, error: { code: "BOTYARD_ERR_PLUGIN_START_TIMEOUT" } });
  });

  it("still aborts the hook when the host stops during start", async () => {
    const host = new AbortController();
    let aborted = false;
    const started = runStartHooks("b", [(ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(void (aborted = true))))], 10_000, pipeline(host.signal, []));
    host.abort(new Error("shutting down"));
    expect(await started).toEqual({ ok: true });
    expect(aborted).toBe(true);
  });

  it("codes a hook that throws, naming the bot; a Botyard error keeps its own code", async () => {
    const thrown = await runStartHooks("b", [() => Promise.reject(new Error("PagerDuty said 401"))], 1_000, pipeline(new AbortController().signal, []));
    expect(thrown).toMatchObject({ ok: false, error: { code: "BOTYARD_ERR_PLUGIN_START_FAILED", message: expect.stringContaining('Bot "b" failed in its bot.onStart hook: PagerDuty said 401') } });
    const coded = Object.assign(new Error("no channel"), { code: "BOTYARD_ERR_NO_CHANNEL" });
    expect(await runStartHooks("b", [() => Promise.reject(coded)], 1_000, pipeline(new AbortController().signal, []))).toEqual({ ok: false, error: coded });
  });

  it("hands the hook the run's context, with only the signal replaced", async () => {
    const seen: Array<BaseContext<undefined>> = [];
    let got: BaseContext<undefined> | undefined;
    await runStartHooks("b", [(ctx) => void (got = ctx)], 1_000, pipeline(new AbortController().signal, seen));
    expect(got!.runId).toBe(seen[0]!.runId);
    expect(got!.signal).not.toBe(seen[0]!.signal);
  });
});
