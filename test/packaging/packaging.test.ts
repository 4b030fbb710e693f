import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PagerDutyEmulator, SlackEmulator } from "@botyard/testing";
import { snippetsOf } from "../../tools/docs/src/snippets.js";

// Botyard as users get it: tarballs packed with pnpm, installed with one `npm install` into an
// empty directory outside the workspace (no workspace links), a plugin named by package name in
// bots.yaml, and a third-party plugin scaffolded, tested and loaded from beside the config.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "botyard-packaging-"));
// Where docs/getting-started.md has the reader's clone make them (`pnpm pack-all`), beside the project.
const tarballs = join(work, "botyard", "dist-tarballs");
const pluginTarballs = join(work, "plugin-tarballs");
const app = join(work, "app");

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, env: { ...process.env, ...prebuiltBinaries, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/**
 * Where npm installs get better-sqlite3's prebuilt binary. A user's install downloads it from the
 * package's GitHub releases; this machine reaches only the npm registry, so without a mirror every
 * install here compiles SQLite from source (two minutes each). The mirror serves, in the layout of
 * those releases, the binary the workspace's own install built for this Node.
 */
let prebuiltBinaries: NodeJS.ProcessEnv = {};

async function startPrebuiltMirror(): Promise<() => void> {
  const sqlite = join(REPO, "packages/store-sqlite/node_modules/better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(sqlite, "package.json"), "utf8")) as { version: string };
  const root = join(work, "prebuilds");
  const staging = join(root, "staging");
  mkdirSync(join(staging, "build/Release"), { recursive: true });
  mkdirSync(join(root, `v${version}`), { recursive: true });
  writeFileSync(join(staging, "build/Release/better_sqlite3.node"), readFileSync(join(sqlite, "build/Release/better_sqlite3.node")));
  const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["-czf", join(root, `v${version}`, asset), "-C", staging, "build/Release/better_sqlite3.node"]);
  // In its own process: the installs run synchronously in this one.
  const server = spawn(
    process.execPath,
    ["-e", `require("node:http").createServer((q, s) => require("node:fs").readFile(require("node:path").join(process.argv[1], decodeURIComponent(q.url.split("?")[0])), (e, b) => { s.statusCode = e ? 404 : 200; s.end(e ? "" : b); })).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`, root],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<string>((resolve) => server.stdout.setEncoding("utf8").once("data", (c: string) => resolve(c.trim())));
  prebuiltBinaries = { npm_config_better_sqlite3_binary_host: `http://127.0.0.1:${port}` };
  return () => server.kill();
}

const tarballOf = (name: string, dir = tarballs) => join(dir, readdirSync(dir).find((f) => f.startsWith(name.replace("@", "").replace("/", "-") + "-"))!);

/** Runs `botyard start` in `dir` until `until` resolves, then SIGTERM; resolves with the exit code and output. */
async function runHost(dir: string, env: NodeJS.ProcessEnv, until: () => Promise<void>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(dir, "node_modules/@botyard/host/dist/cli.js"), "start"], {
    cwd: dir,
    // A generous pong timeout: on a loaded machine a short one drops the connection now and then.
    env: { PATH: process.env.PATH, ...env, BOTYARD_SOCKET_PING_TIMEOUT_MS: "5000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  try {
    const started = Date.now();
    while (!output.includes('"botyard host ready"')) {
      if (child.exitCode !== null || Date.now() - started > 30_000) throw new Error(`host did not become ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await until();
  } finally {
    child.kill("SIGTERM");
  }
  return { code: await exited, output };
}

describe("packages installed from their tarballs, outside the workspace", () => {
  let slack: SlackEmulator;
  let pd: PagerDutyEmulator;

  let stopMirror = () => {};

  beforeAll(async () => {
    stopMirror = await startPrebuiltMirror();
    // The tarballs `pnpm pack-all` makes, minus its build (the test command builds first);
    // release.test.ts checks what they hold.
    const packAll = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["pack-all"];
    expect(packAll).toBe("pnpm build && node scripts/release.mjs --out dist-tarballs");
    sh(process.execPath, [join(REPO, "scripts/release.mjs"), "--out", tarballs], REPO);
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-bots", private: true, type: "module" }));
    // One npm install of every tarball: npm resolves the peer dependency on core to the one copy.
    sh("npm", ["install", "--no-audit", "--no-fund", ...["@botyard/core", "@botyard/testing", "@botyard/store-sqlite", "@botyard/store-redis", "@botyard/host", "@botyard/plugin-oncall"].map((name) => tarballOf(name))], app);

    slack = await SlackEmulator.start();
    slack.createChannel("sre", { id: "C0SRE" });
    slack.addUser({ id: "U0ALICE", name: "alice", email: "alice@example.com" });
    slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" });
    pd = await PagerDutyEmulator.start();
    const alice = pd.addUser({ name: "Alice Archer", email: "alice@example.com" });
    pd.addSchedule({ id: "PSRE001", name: "SRE primary" });
    pd.setOnCall("PSRE001", [{ userId: alice.id, start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 8 * 3_600_000) }]);
  }, 300_000);

  afterAll(async () => {
    stopMirror();
    await slack?.close();
    await pd?.close();
    rmSync(work, { recursive: true, force: true });
  }, 120_000); // Removing the installs takes a while on a loaded machine.

  const env = () => ({ SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, PAGERDUTY_TOKEN: pd.token });
  const slackSection = () => `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: 0 }\nstore: { type: sqlite, path: state.db }\n`;
  const oncallBot = () => `  - id: oncall-sre\n    use: "@botyard/plugin-oncall"\n    config:\n      pagerduty: { token: "\${PAGERDUTY_TOKEN}", baseUrl: "${pd.url}" }\n      syncs:\n        - { usergroup: oncall-sre, name: SRE, schedules: [PSRE001] }\n`;

  it("installed every @botyard package from its tarball, with one copy of core", () => {
    const tree = JSON.parse(sh("npm", ["ls", "--all", "--json", "--long"], app)) as { dependencies: Record<string, { resolved: string; dependencies?: Record<string, unknown> }> };
    for (const name of ["@botyard/core", "@botyard/testing", "@botyard/store-sqlite", "@botyard/store-redis", "@botyard/host", "@botyard/plugin-oncall"]) {
      expect(tree.dependencies[name]?.resolved, name).toMatch(/^file:.*\.tgz$/);
    }
    const cores = sh("npm", ["ls", "@botyard/core", "--all", "--parseable"], app).trim().split("\n").filter(Boolean);
    expect(new Set(cores)).toEqual(new Set([join(app, "node_modules/@botyard/core")]));
  });

  it("installs the host for production without the test kit: no @botyard/testing, ajv or ws below it, and `botyard demo` says what to install", () => {
    const manifest = JSON.parse(readFileSync(join(app, "node_modules/@botyard/host/package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain("@botyard/testing");
    expect(Object.keys(manifest.dependencies)).not.toContain("@botyard/demo");
    type Node = { dependencies?: Record<string, Node> };
    const names = (node: Node): string[] => Object.entries(node.dependencies ?? {}).flatMap(([name, child]) => [name, ...names(child)]);
    const host = (JSON.parse(sh("npm", ["ls", "@botyard/host", "--all", "--json"], app)) as Node).dependencies!["@botyard/host"]!;
    expect(names(host).filter((n) => ["@botyard/testing", "ajv", "ws"].includes(n))).toEqual([]);
    // This project installed the test kit but not @botyard/demo: the demo is refused, with the fix.
    writeFileSync(join(app, "bots.yaml"), `${slackSection()}bots: []\n`);
    let failed: Error | undefined;
    try {
      sh(process.execPath, ["node_modules/@botyard/host/dist/cli.js", "demo"], app, env());
    } catch (error) {
      failed = error as Error;
    }
    expect(failed?.message).toContain("npm install --save-dev @botyard/demo");
    expect(failed?.message).toContain("BOTYARD_ERR_DEMO_NOT_INSTALLED");
  });

  it("validates and runs a bots.yaml naming the plugin by package name, and the bot answers", async () => {
    writeFileSync(join(app, "bots.yaml"), `${slackSection()}bots:\n${oncallBot()}`);
    expect(sh(process.execPath, ["node_modules/@botyard/host/dist/cli.js", "validate"], app, env())).toContain("is valid: 1 bot (oncall-sre: oncall)");
    const run = await runHost(app, env(), async () => {
      await slack.waitFor(() => slack.usergroup("oncall-sre")?.users.includes("U0ALICE"), 15_000);
      // Slack answers dispatch_failed to a command sent while no Socket Mode connection is open.
      await slack.waitForConnection(1, 20_000);
      const answer = await slack.slashCommand({ command: "/oncall", user: "U0ALICE", channel: "C0SRE" });
      await slack.waitFor(() => slack.responses(answer.responseUrlId).some((r) => String(r.body.text).includes("Alice Archer")), 10_000);
    });
    expect(run.code, run.output).toBe(0);
  }, 60_000);

  it("scaffolds a third-party plugin whose own test passes against the tarballs, and loads it from beside bots.yaml", async () => {
    const made = sh(process.execPath, ["node_modules/@botyard/host/dist/cli.js", "new", "plugin", "standup", "--out", join(work, "botyard-plugin-standup")], app);
    const plugin = join(work, "botyard-plugin-standup");
    // Outside the project, the scaffold says how to install and test it on its own.
    expect(made).toContain(`  cd ${plugin}\n  npm install\n  npm test\n`);
    // The project installed the host from tarballs, which the registry does not have: the
    // scaffold's dev dependencies are the same tarballs, so its own `npm install` works.
    const pkg = JSON.parse(readFileSync(join(plugin, "package.json"), "utf8"));
    expect(pkg.devDependencies["@botyard/core"]).toBe(`file:../botyard/dist-tarballs/${basename(tarballOf("@botyard/core"))}`);
    expect(pkg.devDependencies["@botyard/testing"]).toBe(`file:../botyard/dist-tarballs/${basename(tarballOf("@botyard/testing"))}`);
    sh("npm", ["install", "--no-audit", "--no-fund"], plugin);
    const ownTest = sh("npm", ["test"], plugin);
    expect(ownTest).toMatch(/4 passed/);
    // The scaffold's suite runs in conformance mode: the emulator checked what the plugin sent.
    expect(ownTest).toMatch(/slack\s+validated: [1-9]\d* requests, [1-9]\d* responses.*violations: 0/);
    expect(existsSync(join(plugin, ".botyard/conformance/last-run.json"))).toBe(true);
    sh("npm", ["run", "build"], plugin);
    mkdirSync(pluginTarballs, { recursive: true });
    sh("npm", ["pack", "--pack-destination", pluginTarballs], plugin);

    // Installed beside bots.yaml only: the host does not depend on it.
    sh("npm", ["install", "--no-audit", "--no-fund", tarballOf("botyard-plugin-standup", pluginTarballs)], app);
    const hostDeps = JSON.parse(readFileSync(join(app, "node_modules/@botyard/host/package.json"), "utf8")).dependencies;
    expect(Object.keys(hostDeps)).not.toContain("botyard-plugin-standup");
    writeFileSync(join(app, "bots.yaml"), `${slackSection()}bots:\n${oncallBot()}  - id: standup\n    use: botyard-plugin-standup\n    config: { channel: C0SRE }\n`);
    expect(sh(process.execPath, ["node_modules/@botyard/host/dist/cli.js", "validate"], app, env())).toContain("2 bots");
    const run = await runHost(app, env(), async () => {
      // Slack answers dispatch_failed to a command sent while no Socket Mode connection is open.
      await slack.waitForConnection(1, 20_000);
      const answer = await slack.slashCommand({ command: "/standup", user: "U0ALICE", channel: "C0SRE" });
      await slack.waitFor(() => slack.responses(answer.responseUrlId).some((r) => r.body.text === "I have posted 0 reminders in <#C0SRE>."), 10_000);
    });
    expect(run.code, run.output).toBe(0);
  }, 240_000);

  it("follows docs/getting-started.md verbatim, from the tarballs to the demo: install, scaffold, test, validate, run", async () => {
    // The doc's commands, block by block (the `<!-- snippet: name -->` above each), run by bash in a
    // fresh folder beside the "clone" (whose dist-tarballs/ the beforeAll made as `pack-all` does).
    const doc = Object.fromEntries(snippetsOf(join(REPO, "docs/getting-started.md")).filter((b) => b.name).map((b) => [b.name!, b.code]));
    expect(doc["clone.sh"]).toContain("npx -y pnpm@12.4.2 pack-all");
    const reader = join(work, "reader");
    mkdirSync(reader);
    symlinkSync(join(work, "botyard"), join(reader, "botyard"));
    // Plays one block where the previous one left off (its working directory and exports).
    let cwd = reader;
    let exported = "";
    const play = (name: string) => {
      const code = doc[name];
      expect(code, `docs/getting-started.md has a block named ${name}`).toBeDefined();
      const out = sh("bash", ["-ec", `${exported}\n${code}\necho "@@cwd=$PWD"\nexport -p | grep -E 'SLACK_' || true`], cwd);
      cwd = /@@cwd=(.*)/.exec(out)![1]!;
      exported = out.split("\n").filter((l) => /^declare -x SLACK_/.test(l)).map((l) => l.replace(/^declare -x /, "export ")).join("\n") || exported;
      return out;
    };
    play("install.sh");
    expect(cwd).toBe(join(reader, "my-bots"));
    const made = play("plugin.sh").replace(/\u001b\[[0-9;]*m/g, "");
    // What the scaffold printed is what the doc runs next.
    const printed = made.split("\n").filter((l) => l.startsWith("  npm ")).map((l) => l.trim());
    expect(printed).toEqual(doc["plugin.sh"]!.split("\n").filter((l) => l.startsWith("npm ")));
    expect(made).toMatch(/Tests +4 passed/);
    writeFileSync(join(cwd, "bots.yaml"), doc["bots.yaml"]!);
    // The Slack app's manifest, before any token exists: what the doc shows is what it prints.
    const manifest = play("manifest.sh");
    const shown = /For the standup bot it prints:\n\n```yaml\n([\s\S]*?)```/.exec(readFileSync(join(REPO, "docs/getting-started.md"), "utf8"));
    expect(shown, "the doc's manifest").not.toBeNull();
    expect(manifest).toContain(shown![1]!);
    const checked = play("check.sh");
    expect(checked).toContain("is valid: 1 bot (standup: standup)");
    expect(JSON.parse(readFileSync(join(cwd, "bots.schema.json"), "utf8"))).toHaveProperty("properties.bots");
    const cores = sh("npm", ["ls", "@botyard/core", "--all", "--parseable"], cwd).trim().split("\n").filter(Boolean);
    expect(new Set(cores)).toEqual(new Set([join(cwd, "node_modules/@botyard/core")]));

    // `npx botyard demo` in a terminal (util-linux `script` gives it one), typing what the doc types.
    expect(doc["demo.sh"]!.trim()).toBe("npx botyard demo");
    const child = spawn("script", ["-qfec", "npx botyard demo", "/dev/null"], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "dumb" }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const screen = () => out.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r/g, "");
    const until = async (pattern: RegExp) => {
      const started = Date.now();
      while (!pattern.test(screen())) {
        if (Date.now() - started > 20_000) throw new Error(`no ${pattern}:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      // The transcript the doc shows, line by line: typed lines typed, printed lines awaited.
      const block = /```\n(— Botyard demo:[\s\S]*?)\n```/.exec(readFileSync(join(REPO, "docs/getting-started.md"), "utf8"));
      expect(block, "the doc's demo transcript").not.toBeNull();
      for (const line of block![1]!.split("\n")) {
        if (line.startsWith("— ") || line.startsWith("#")) {
          // Ports and paths vary; spacing is the transcript's padding.
          const pattern = line
            .split(/(127\.0\.0\.1:\d+|logs in .*$| +)/)
            .map((part, k) => (k % 2 === 0 ? part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : part.startsWith("127") ? "127\\.0\\.0\\.1:\\d+" : part.startsWith("logs") ? "logs in .*" : " +"))
            .join("");
          await until(new RegExp(`^${pattern}$`, "m"));
        } else {
          child.stdin.write(`${line}\n`);
        }
      }
      child.stdin.write("\u0004"); // Ctrl-D
      expect(await exited, screen()).toBe(0);
    } finally {
      child.kill();
    }
    expect(screen()).not.toMatch(/refused|error|warning/);
  }, 240_000);
});
