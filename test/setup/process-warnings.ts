/**
 * A setup file for this repository's tests: a test fails when, during it, Node warned that
 * listeners pile up (`MaxListenersExceededWarning`), in the test's own process or in a `botyard`
 * process it started. That warning is how a listener leak shows (one per request on a signal that
 * outlives the run, say); it must never be what a user reads first.
 */
import { HostProcess } from "@botyard/testing";
import { afterEach } from "vitest";

const LEAK = "MaxListenersExceededWarning";
const seen: string[] = [];
process.on("warning", (warning) => {
  if (warning.name === LEAK) seen.push(`this process: ${warning.message}`);
});
/** How many of each child's warnings were looked at already. */
const looked = new WeakMap<HostProcess, number>();

afterEach(async () => {
  // Node emits the warning on a later tick than the listener that caused it.
  await new Promise((resolve) => setImmediate(resolve));
  for (const host of HostProcess.all()) {
    const warnings = host.nodeWarnings();
    for (const line of warnings.slice(looked.get(host) ?? 0)) if (line.includes(LEAK)) seen.push(`process ${host.pid}: ${line}`);
    looked.set(host, warnings.length);
  }
  if (seen.length > 0) throw new Error(`Node warned of a listener leak during this test:\n${seen.splice(0).join("\n")}`);
});
