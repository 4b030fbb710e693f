import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostProcess } from "./host-process.js";

const dir = mkdtempSync(join(tmpdir(), "botyard-host-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A Node script that uses `busyMs` of CPU time (counted by the process itself, so a loaded machine
 * only makes it take longer), logs one JSON line, then waits to be stopped.
 */
function script(name: string, busyMs: number): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `const start = process.cpuUsage();
     const used = () => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };
     while (used() < ${busyMs}) for (let i = 0; i < 1e5; i++) Math.sqrt(Math.random());
     console.log(JSON.stringify({ msg: "done", busyMs: ${busyMs} }));
     setInterval(() => {}, 1000);`,
  );
  return file;
}

describe("HostProcess", () => {
  it("collects the child's JSON log lines and measures the CPU time it has used", async () => {
    const busy = new HostProcess({ script: script("busy", 400), args: [] });
    const idle = new HostProcess({ script: script("idle", 0), args: [] });
    try {
      expect(await busy.waitForLine((l) => l.msg === "done")).toEqual({ msg: "done", busyMs: 400 });
      await idle.waitForLine((l) => l.msg === "done");
      // Start-up alone costs a Node process some tens of ms; 400 ms of work shows on top of it.
      expect(busy.cpuSeconds()).toBeGreaterThanOrEqual(0.3);
      expect(idle.cpuSeconds()).toBeLessThan(busy.cpuSeconds() - 0.2);
      expect(busy.peakRssMb()).toBeGreaterThan(10);
    } finally {
      await Promise.all([busy.stop(), idle.stop()]);
    }
  });
});
