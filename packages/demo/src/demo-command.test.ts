import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HostProcess, type HostProcessOptions } from "@botyard/testing";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HELLO_PLUGIN_DIR = join(REPO_ROOT, "examples/hello-plugin");
const DEMO = join(REPO_ROOT, "examples/demo");
// The `botyard` CLI of this repository's host: it finds this package beside bots.yaml, or beside itself.
const CLI = join(REPO_ROOT, "apps/host/dist/cli.js");
const botyard = (options: Omit<HostProcessOptions, "script">) => new HostProcess({ ...options, script: CLI });
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
      at(/^— Botyard demo: 5 bots from bots\.yaml, Slack emulator at http:\/\/127\.0\.0\.1:\d+, a fresh SQLite store, logs in /);
      expect(at(/^#general +botyard: Hello, @alice!$/)).toBeGreaterThan(at(/^#general +alice: hello botyard$/));
      const alert = at(/^#alerts +datadog: Triggered: CPU high on web$/);
      const recovery = at(/^#alerts +└ botyard: :white_check_mark: \*Recovered\* after \d+s: CPU high on web on \{env:prod, host:web-1\} · View in Datadog · alert message$/);
      const check = at(/^#alerts +\+ :white_check_mark: by botyard on "Triggered: CPU high on web"$/);
      expect(recovery).toBeGreaterThan(alert);
      expect(check).toBeGreaterThan(alert);
      // Alertmanager's group: one message, its resolution in the thread, the message edited, then the check.
      const firing = at(/^#incidents +botyard: :fire: FIRING: 2 · HighLatency$/);
      expect(at(/^#incidents +└ botyard: :large_green_circle: \*2 resolved\*:$/)).toBeGreaterThan(firing);
      expect(at(/^#incidents +\+ :white_check_mark: by botyard on ":white_check_mark: RESOLVED · HighLaten…"$/)).toBeGreaterThan(at(/^#incidents +botyard \(edited\): :white_check_mark: RESOLVED · HighLatency$/));
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

/** `botyard demo --interactive` in a fresh folder with `bots`, the lines piped in; resolves with its exit code and screen. */
async function pipedDemo(bots: string, lines: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; screen: string }> {
  const dir = mkdtempSync(join(tmpdir(), "botyard-demo-test-"));
  try {
    writeFileSync(join(dir, "bots.yaml"), bots);
    const child = spawn(process.execPath, [CLI, "demo", "--interactive"], { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (screen += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (screen += c));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    // One line at a time once the demo is ready for them, as a person types.
    const until = async (pattern: RegExp) => {
      while (!pattern.test(screen)) {
        if (child.exitCode !== null) throw new Error(`the demo exited before ${pattern}:\n${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(/Type a message for/);
    for (const line of lines) child.stdin.write(`${line}\n`);
    child.stdin.end();
    const code = await exited;
    return { code, screen };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("botyard demo on your own bots.yaml", () => {
  it("talks to its emulator whatever slack: says, creates the bots' channels, and takes mentions, thread replies, /fire and /help", async () => {
    // A real Slack URL and real-looking tokens: none of them may be used.
    const bots = `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: https://slack.com/api/\nhttp: { port: 0 }\nbots:\n  - id: hello\n    use: ${HELLO_PLUGIN_DIR}\n    config: { channel: C0HELLOS1, heartbeat: "0 0 0 1 1 *" }\n`;
    const { code, screen } = await pipedDemo(
      bots,
      ["/help", "hello from a pipe", "@botyard are you there?", "^ in the thread", "/thread me too", "/fire hello", "/fire nobody", "/hello typed"],
      { SLACK_APP_TOKEN: "xapp-1-not-for-the-demo", SLACK_BOT_TOKEN: "xoxb-not-for-the-demo" },
    );
    expect(code, screen).toBe(0);
    const lines = screen.split("\n");
    const at = (pattern: RegExp) => {
      const i = lines.findIndex((l) => pattern.test(l));
      expect(i, `${pattern} in:\n${screen}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // The channel the bot names exists, and the terminal talks in it.
    at(/^— Type a message for #c0hellos1; "#name" switches channel, "\/help" lists what else you can type/);
    at(/^— \^ text +a reply in the thread of the channel's last message/);
    at(/^— \/fire bot \[trigger\]/);
    at(/^#c0hellos1 you: hello from a pipe$/);
    at(/^#c0hellos1 botyard: Hello, @you!$/);
    // Typed as a person types it, sent as Slack sends a mention.
    const mention = at(/^#c0hellos1 you: @botyard are you there\?$/);
    expect(at(/^#c0hellos1 +└ you: in the thread$/)).toBeGreaterThan(mention);
    at(/^#c0hellos1 +└ you: me too$/);
    at(/^#c0hellos1 botyard: heartbeat #1$/);
    at(/^— No bot "nobody"\.$/);
    at(/^#c0hellos1 \(only you see\) botyard: Hello @you, you said: typed$/);
    expect(screen).not.toMatch(/refused|error|warning/);
  }, 40_000);

  it("refuses, and says on screen within seconds, a connection a bot tries off this machine", async () => {
    // The on-call plugin's PagerDuty URL left at its default: the real api.pagerduty.com.
    const bots = `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}" }\nhttp: { port: 0 }\nbots:\n  - id: oncall\n    use: ${join(REPO_ROOT, "packages/plugin-oncall")}\n    config:\n      pagerduty: { token: "pd-demo-token-0123" }\n      syncs:\n        - { usergroup: oncall-sre, schedules: [P1ABCDE], announceChannel: C0SRE0001 }\n`;
    const { code, screen } = await pipedDemo(bots, ["/fire oncall"], {});
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/^— refused a connection to api\.pagerduty\.com:443: the demo talks only to its emulators/m);
    expect(screen).toMatch(/^— (warning|error) \(bot oncall\): Could not reach PagerDuty at https:\/\/api\.pagerduty\.com/m);
  }, 40_000);
});
