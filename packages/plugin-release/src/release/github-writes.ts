import type { ReleaseRun } from "../release-run.js";

const SKIPPED: unique symbol = Symbol("skipped");

/**
 * Runs a GitHub write as an action of the run (logged with its arguments, counted, visible to
 * tests) and says whether it happened: a dry-run bot or host skips it (the engine's dry run), and
 * so does the plugin's own `dryRun` option, which also keeps it out of the action log.
 */
export async function githubWrite<T>(run: ReleaseRun, name: string, args: Record<string, unknown>, perform: () => Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  if (run.config.dryRun) {
    run.ctx.log.info({ action: name, args }, "dry run (plugin dryRun): GitHub write skipped");
    return { done: false };
  }
  const result = await run.ctx.act<{ value: T } | typeof SKIPPED>(name, args, async () => ({ value: await perform() }), { dryRunResult: SKIPPED });
  return result === SKIPPED ? { done: false } : { done: true, value: result.value };
}
