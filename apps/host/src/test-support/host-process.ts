import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./temp-project.js";

const CLI = join(REPO_ROOT, "apps/host/dist/cli.js");

/**
 * A real `botyard` process (the built CLI, as users run it), with its JSON log lines collected.
 * The suite's test command builds first, so dist/ is current.
 */
export class HostProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private buffer = "";

  constructor(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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
  }

  /** Resolves with the first log line matching, or rejects with the output so far. */
  async waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const started = Date.now();
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() - started > timeoutMs || this.child.exitCode !== null) {
        throw new Error(`no matching log line after ${Date.now() - started} ms (exit ${this.child.exitCode}).\nstdout:\n${this.lines.map((l) => JSON.stringify(l)).join("\n")}\nstderr:\n${this.stderr.join("")}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The port the HTTP server bound (configs use port 0 so tests never collide). */
  async port(): Promise<number> {
    const line = await this.waitForLine((l) => l.msg === "HTTP server listening");
    return line.port as number;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    this.child.kill(signal);
  }

  get output(): string {
    return this.lines.map((l) => JSON.stringify(l)).join("\n") + this.stderr.join("");
  }
}
