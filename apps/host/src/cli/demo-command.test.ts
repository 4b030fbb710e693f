import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, botyard } from "../test-support/temp-project.js";

const DEMO = join(REPO_ROOT, "examples/demo");
const CLI = join(REPO_ROOT, "apps/host/dist/cli.js");
// The root's `pnpm demo` builds, then runs examples/demo's `demo` script: the same command here.
const script = (JSON.parse(readFileSync(join(DEMO, "package.json"), "utf8")) as { scripts: { demo: string } }).scripts.demo;
const [bin, ...args] = script.split(" ");

/** The transcript block of the README's "Try it" section. */
function readmeTranscript(): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = /live transcript:\n\n```\n([\s\S]*?)\n```/.exec(readme);
  expect(block, "the README's transcript block").not.toBeNull();
  return block![1]!.split("\n");
}

function normalised(line: string): string {
  return line
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<time>")
    .replace(/\d{4}-\d\d-\d\d/g, "<date>")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
    .replace(/after \d+s/g, "after <n>s")
    .replace(/logs in \S+$/, "logs in <file>");
}

describe("botyard demo", () => {
  it("runs the demo's script as `pnpm demo` does", () => {
    expect(bin).toBe("botyard");
    expect(args).toEqual(["demo", "--config", "bots.yaml", "--scenario", "dist/scenario.js"]);
  });

  it("with stdin not a terminal, plays the scenario and exits 0: reply, alert and threaded recovery, release, on-call group", async () => {
    // Twice: the second run must not trip over what the first left behind.
    for (let run = 0; run < 2; run++) {
      const demo = botyard({ args, cwd: DEMO });
      const exit = await demo.exited;
      const text = demo.lines.map((l) => l.raw ?? JSON.stringify(l)).join("\n");
      expect(exit, `${text}\n${demo.stderr.join("")}`).toEqual({ code: 0, signal: null });
      const lines = text.split("\n");
      const at = (pattern: RegExp) => {
        const i = lines.findIndex((l) => pattern.test(l));
        expect(i, `${pattern} in:\n${text}`).toBeGreaterThanOrEqual(0);
        return i;
      };
      at(/^— Botyard demo: 4 bots from bots\.yaml, Slack emulator at http:\/\/127\.0\.0\.1:\d+, a fresh SQLite store, logs in /);
      expect(at(/^#general +botyard: Hello, @alice!$/)).toBeGreaterThan(at(/^#general +alice: hello botyard$/));
      const alert = at(/^#alerts +datadog: Triggered: CPU high on web$/);
      const recovery = at(/^#alerts +└ botyard: :white_check_mark: \*Recovered\* after \d+s: CPU high on web on \{env:prod, host:web-1\} · View in Datadog · alert message$/);
      const check = at(/^#alerts +\+ :white_check_mark: by botyard on "Triggered: CPU high on web"$/);
      expect(recovery).toBeGreaterThan(alert);
      expect(check).toBeGreaterThan(alert);
      at(/^#releases +botyard: :rocket: Release PR #\d+ Release \d{4}-\d\d-\d\d for \*acme\/web\* \(develop → main\): 2 pull requests$/);
      at(/^@oncall-sre now: @alice$/);
      at(/^#general +botyard: deploy of web 1\.4\.2 finished$/);
      expect(lines.at(-1)).toBe("— scenario done");
      expect(text).not.toMatch(/failed/);
      // What the README shows is what the demo prints (times, dates, ports and paths aside).
      const printed = new Set(lines.map(normalised));
      expect(readmeTranscript().filter((l) => !printed.has(normalised(l)))).toEqual([]);
    }
  }, 40_000);

  it("in a terminal, a typed line is alice's message, #channel switches, /command args runs a slash command", async () => {
    // A real pseudo-terminal (util-linux `script`), so the demo sees a TTY as a person's shell gives it.
    const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: DEMO, env: { PATH: process.env.PATH, TERM: "dumb" }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    // What a reader sees: colours and carriage returns removed.
    const screen = () => out.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r/g, "");
    const until = async (pattern: RegExp, timeoutMs = 10_000) => {
      const started = Date.now();
      while (!pattern.test(screen())) {
        if (Date.now() - started > timeoutMs) throw new Error(`no ${pattern} after ${timeoutMs} ms:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const type = (line: string) => child.stdin.write(`${line}\n`);
    try {
      await until(/Type a message for #general; "#name" switches channel/);
      expect(screen()).not.toMatch(/alice says hello/);

      type("hello from the terminal");
      await until(/^#general +alice: hello from the terminal$/m);
      await until(/^#general +botyard: Hello, @alice!$/m);

      type("/hello typed");
      await until(/^#general +\(only alice sees\) botyard: Hello @alice, you said: typed$/m);

      type("#releases");
      await until(/^— now in #releases$/m);
      type("/release web");
      await until(/^#releases +botyard: :rocket: Release PR #\d+ Release .* for \*acme\/web\* \(develop → main\): 2 pull requests$/m);

      type("#nowhere");
      await until(/^— no channel #nowhere$/m);

      child.stdin.write("\u0004"); // Ctrl-D
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  }, 30_000);
});
