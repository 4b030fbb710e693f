import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(REPO, "apps/host/dist/cli.js");
/** Generated configs live beside the demo's bots.yaml, so `use:` resolves the demo's plugins. */
export const CONFIG_DIR = join(REPO, "examples/demo/.botyard");
export const BENCH_PLUGIN = join(REPO, "bench/dist/fixtures/bench-plugin.js");

export function writeConfig(name: string, yaml: string): string {
  mkdirSync(CONFIG_DIR, { recursive: true });
  const file = join(CONFIG_DIR, name);
  writeFileSync(file, yaml);
  return file;
}

/** A child process that logs JSON lines; resolves its HTTP port from the "HTTP server listening" line. */
export class Child {
  readonly process: ChildProcess;
  readonly port: Promise<number>;
  private output = "";

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.process = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.port = new Promise((resolve, reject) => {
      this.process.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        this.output += chunk;
        const m = /"msg":"HTTP server listening"[^\n]*?"port":(\d+)|"port":(\d+)[^\n]*"msg":"HTTP server listening"/.exec(this.output);
        if (m) resolve(Number(m[1] ?? m[2]));
      });
      this.process.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
      this.process.once("exit", (code) => reject(new Error(`exited with ${code}:\n${this.output.slice(-2_000)}`)));
    });
    this.port.catch(() => {});
  }

  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.process.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((r) => this.process.once("exit", r));
    this.process.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.process.exitCode === null) this.process.kill("SIGKILL");
  }
}

/** Polls `url` until it answers 200; resolves with the time it took. */
export async function until200(url: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} never answered 200`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
