import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface HostProcessOptions {
  /** Arguments after the script: `["start", "--config", "bots.yaml"]`. */
  args: string[];
  /** The Node script to run; default: the `botyard` CLI of the @botyard/host installed from `cwd`. */
  script?: string;
  /** Environment of the child (PATH is passed through; nothing else leaks in from the test). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A real `botyard` process (the CLI as users run it) with its JSON log lines collected: for end to
 * end tests and benchmarks of the host. Also runs any Node script that logs JSON lines.
 */
export class HostProcess {
  private static readonly started = new Set<HostProcess>();

  /** Every process started from this one so far (a test setup checks their warnings). */
  static all(): readonly HostProcess[] {
    return [...HostProcess.started];
  }

  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;
  private buffer = "";

  constructor(options: HostProcessOptions) {
    const cwd = options.cwd ?? process.cwd();
    const script = options.script ?? botyardCli(cwd);
    this.child = spawn(process.execPath, [script, ...options.args], { cwd, env: { PATH: process.env.PATH, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    HostProcess.started.add(this);
  }

  /** The warnings Node printed on stderr (`(node:123) MaxListenersExceededWarning: ...`), one line each. */
  nodeWarnings(): string[] {
    return this.stderr.join("").split("\n").filter((line) => /^\(node:\d+\) \w*Warning: /.test(line));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line matching, or rejects with the output so far. */
  async waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const started = Date.now();
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() - started > timeoutMs || this.child.exitCode !== null) {
        throw new Error(`no matching log line after ${Date.now() - started} ms (exit ${this.child.exitCode}).\n${this.output.slice(-4_000)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The port the HTTP server bound (configs use port 0 so tests never collide). */
  async port(timeoutMs?: number): Promise<number> {
    const line = await this.waitForLine((l) => l.msg === "HTTP server listening", timeoutMs);
    return line.port as number;
  }

  /** Peak resident set size so far (Linux VmHWM), in MB. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  }

  /**
   * CPU time the process has used so far, user and system, all its threads (Linux /proc), in
   * seconds. Two readings around a load give its CPU cost per request, a figure that does not
   * depend on how fast the load generator is.
   */
  cpuSeconds(): number {
    // Fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  get output(): string {
    return this.lines.map((l) => JSON.stringify(l)).join("\n") + this.stderr.join("");
  }
}

// USER_HZ, which Linux fixes at 100 on every architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

function botyardCli(cwd: string): string {
  const require = createRequire(join(cwd, "noop.js"));
  const pkgFile = require.resolve("@botyard/host/package.json");
  const bin = (JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: { botyard: string } }).bin.botyard;
  return join(dirname(pkgFile), bin);
}
