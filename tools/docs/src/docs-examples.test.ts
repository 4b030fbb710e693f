import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, normalize, relative } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { HostConfigSchema, runCli } from "@botyard/host";
import { parseDatadogPayload } from "@botyard/plugin-dogdata";
import { webhookPayload } from "@botyard/plugin-dogdata/samples";
import { REPO } from "./doc-targets.js";
import { schemaErrors } from "./schema-check.js";
import { shellCommands, type ShellCommand } from "./shell-commands.js";
import { snippetsOf, type Snippet } from "./snippets.js";

// Every code example in the docs is exercised: TypeScript type-checks (and the test examples
// run), every bots.yaml passes `botyard validate` with the real plugins (the docs' own plugin
// scaffolded and built) and the JSON Schema `botyard schema` generates for it, other YAML parses,
// every shell command is one that works here (botyard commands and flags, scripts, packages),
// JSON parses (the Datadog payload is read by the plugin's parser), the systemd unit runs botyard.
const DOCS = [
  ...readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs", f)),
  ...readdirSync(join(REPO, "docs/plugins")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs/plugins", f)),
  ...readdirSync(join(REPO, "docs/testing")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs/testing", f)),
  join(REPO, "README.md"),
  ...["packages/core", "packages/testing", "packages/demo", "apps/host", "packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata", "packages/plugin-alertmanager", "packages/slack-threads"].map((p) => join(REPO, p, "README.md")),
];
const SNIPPETS = join(REPO, "tools/docs/.snippets");
const all = DOCS.flatMap(snippetsOf);
const where = (s: Snippet) => `${relative(REPO, s.file)}:${s.line}`;
const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });
afterAll(() => rmSync(SNIPPETS, { recursive: true, force: true }));

/** `botyard new plugin <name>` as a reader runs it, into `dir`; built as well when asked. */
async function scaffoldPlugin(name: string, dir: string, build: boolean): Promise<void> {
  const err: string[] = [];
  expect(await runCli(["new", "plugin", name, "--out", dir], { stdout: sink([]), stderr: sink(err), env: {} }), err.join("")).toBe(0);
  if (!build) return;
  // Its `npm run build`, minus the type-check (the scaffold's own tests cover that; a full tsc
  // here costs half a minute): each source file to dist/, as tsc would emit it.
  const options = (JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> }).compilerOptions;
  // An ES module, as tsc emits under NodeNext for a "type": "module" package.
  const compilerOptions = { ...ts.convertCompilerOptionsFromJson(options, dir).options, module: ts.ModuleKind.ES2022 };
  for (const file of readdirSync(join(dir, "src")).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    const { outputText } = ts.transpileModule(readFileSync(join(dir, "src", file), "utf8"), { compilerOptions, fileName: file });
    mkdirSync(join(dir, "dist"), { recursive: true });
    writeFileSync(join(dir, "dist", file.replace(/\.ts$/, ".js")), outputText);
  }
}

it("every code block is in a language this file checks (or plain text)", () => {
  const checked = new Set(["ts", "typescript", "yaml", "yml", "sh", "json", "ini", ""]);
  expect(all.filter((s) => !checked.has(s.lang)).map((s) => `${where(s)} ${s.lang}`)).toEqual([]);
});

describe("TypeScript examples in the docs", () => {
  const ts = all.filter((s) => s.lang === "ts" || s.lang === "typescript");
  rmSync(SNIPPETS, { recursive: true, force: true });
  const files = ts.map((s) => {
    const dir = join(SNIPPETS, "ts", relative(REPO, s.file).replace(/[/.]/g, "_"));
    const path = join(dir, s.name ?? `line-${s.line}.ts`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, s.code);
    return { snippet: s, path };
  });
  writeFileSync(
    join(SNIPPETS, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
      include: ["ts/**/*.ts"],
    }),
  );

  it("type-check", () => {
    expect(ts.length).toBeGreaterThan(3);
    try {
      execFileSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(SNIPPETS, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      const out = String((error as { stdout?: string }).stdout ?? error);
      // Say which doc and line each error comes from.
      const explained = out.replace(/ts\/([^/]+)\/(line-(\d+)|[\w.-]+)\.ts/g, (m) => {
        const f = files.find((x) => m.includes(relative(SNIPPETS, x.path)));
        return f ? where(f.snippet) : m;
      });
      throw new Error(`Doc examples do not type-check:\n${explained}`);
    }
  }, 60_000);

  const tests = files.filter((f) => f.snippet.code.includes('from "vitest"'));
  it("the test examples pass", () => {
    expect(tests.length).toBeGreaterThan(0);
    writeFileSync(join(SNIPPETS, "vitest.config.mjs"), 'export default { test: { include: ["ts/**/*.test.ts"], testTimeout: 20000 } };\n');
    const out = execFileSync(process.execPath, [join(REPO, "node_modules/vitest/vitest.mjs"), "run", "--root", SNIPPETS, "--config", join(SNIPPETS, "vitest.config.mjs"), ...tests.map((t) => relative(SNIPPETS, t.path))], {
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, CI: "true" },
    });
    expect(out).toMatch(new RegExp(`Tests\\s+.*${tests.length === 1 ? "1 passed" : "passed"}`));
    expect(out).not.toMatch(/failed/);
  }, 60_000);
});

describe("YAML examples in the docs", () => {
  const yamlBlocks = all.filter((s) => s.lang === "yaml" || s.lang === "yml");
  const isBotsYaml = (s: Snippet) => /^bots:/m.test(s.code) || /^\s*- id:/m.test(s.code);
  const header = 'slack: { appToken: "${SLACK_APP_TOKEN}", botToken: "${SLACK_BOT_TOKEN}" }\n';

  for (const s of yamlBlocks.filter(isBotsYaml)) {
    it(`${where(s)} is a valid bots.yaml`, async () => {
      const body = /^slack:/m.test(s.code) ? s.code : /^bots:/m.test(s.code) ? header + s.code : `${header}bots:\n${s.code}`;
      const dir = join(SNIPPETS, "yaml", `${basename(s.file, ".md")}-${s.line}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "bots.yaml");
      writeFileSync(file, body);
      const env: Record<string, string> = {};
      for (const [, name] of body.matchAll(/\$\{(\w+)\}/g)) env[name!] = name === "SLACK_APP_TOKEN" ? "xapp-1-doc" : name === "SLACK_BOT_TOKEN" ? "xoxb-doc" : name!.startsWith("REDIS") ? "redis://127.0.0.1:6379" : name!.endsWith("URL") ? "http://127.0.0.1:9/api/" : `doc-${name}`;
      // A plugin the doc has the reader make (`./botyard-plugin-x` after `botyard new plugin x`):
      // made here the same way, so that it validates for real.
      // Once each: several bots may use the same plugin.
      for (const name of new Set([...body.matchAll(/use:\s*"?\.\/botyard-plugin-([a-z][a-z0-9-]*)/g)].map((m) => m[1]))) {
        const made = all.some((b) => b.file === s.file && b.lang === "sh" && new RegExp(`botyard new plugin ${name}(\\s|$)`, "m").test(b.code));
        expect(made, `${where(s)} uses ./botyard-plugin-${name}, which the doc never makes with \`botyard new plugin ${name}\``).toBe(true);
        await scaffoldPlugin(name!, join(dir, `botyard-plugin-${name}`), true);
      }
      const err: string[] = [];
      const out: string[] = [];
      const code = await runCli(["validate", "--config", file], { stdout: sink(out), stderr: sink(err), env });
      // "@acme/..." names a third party's plugin: it cannot be installed here, so only its absence
      // is tolerated; everything else in the file must be valid.
      const problems = err.join("").split("\n").filter((l) => /bots\.yaml:\d+:\d+/.test(l));
      const real = problems.filter((l) => !/cannot find plugin "@acme\//.test(l));
      expect(real, `${where(s)}:\n${body}\n${err.join("")}`).toEqual([]);
      if (problems.length > 0) return;
      expect(code).toBe(0);
      // What an editor would flag with the schema `botyard schema` writes for this very file.
      const schema: string[] = [];
      expect(await runCli(["schema", "--config", file], { stdout: sink(schema), stderr: sink(err), env: {} }), err.join("")).toBe(0);
      expect(schemaErrors(JSON.parse(schema.join("")) as object, body), `${where(s)}:\n${body}`).toEqual([]);
      schemaChecked.add(where(s));
    });
  }

  const schemaChecked = new Set<string>();
  it("every bots.yaml naming no third party's plugin was also checked against its generated schema", () => {
    // Runs after the examples above (vitest keeps declaration order within a file).
    const bundled = yamlBlocks.filter(isBotsYaml).filter((b) => ![...b.code.matchAll(/use:\s*"?([^"\s]+)/g)].some(([, use]) => use!.startsWith("@acme/")));
    expect(bundled.length).toBeGreaterThan(5);
    expect(bundled.map(where).filter((w) => !schemaChecked.has(w))).toEqual([]);
  });

  for (const s of yamlBlocks.filter((b) => !isBotsYaml(b))) {
    it(`${where(s)} parses`, () => {
      const docs = parseAllDocuments(s.code);
      for (const doc of Array.isArray(docs) ? docs : [docs]) expect(doc.errors.map((e) => e.message), where(s)).toEqual([]);
    });
  }
});

/** A directory of the reader's session: its package.json, when it has one. */
type Dir = { scripts?: Record<string, string>; workspaces?: string[] } | null;

/** Published packages of this workspace, by name: what `npm install @botyard/...` can name. */
const published = new Set(
  ["packages", "apps"].flatMap((parent) =>
    readdirSync(join(REPO, parent))
      .map((name) => JSON.parse(readFileSync(join(REPO, parent, name, "package.json"), "utf8")) as { name: string; private?: boolean })
      .filter((pkg) => !pkg.private)
      .map((pkg) => pkg.name),
  ),
);
const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { packageManager: string; scripts: Record<string, string> };
const NPM_INSTALL_FLAGS = new Set(["--save-dev", "-D", "--save-peer", "--no-audit", "--no-fund"]);

/** The commands `botyard --help` lists. */
async function botyardCommands(): Promise<Set<string>> {
  const out: string[] = [];
  // Without a command, the usage goes to stderr (exit 2): read it whichever way it comes.
  await runCli(["--help"], { stdout: sink(out), stderr: sink(out), env: {} });
  const section = /Commands:\n([\s\S]*?)\n\n/.exec(out.join(""))?.[1];
  expect(section, out.join("")).toBeDefined();
  return new Set([...section!.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!));
}

/**
 * Plays a doc's shell examples, in order, as one reader's session: each command must be one that
 * works at that point. botyard commands are checked by the CLI's own parser (`--help` appended:
 * unknown flags fail, nothing runs), `botyard new plugin` really runs; pnpm runs this repository's
 * scripts; npm installs packages this workspace publishes (or a third party's `@acme/...`
 * placeholder, or a folder the session made) and runs scripts its package.json has.
 */
class Session {
  private cwd = ".";
  private readonly dirs = new Map<string, Dir>();

  constructor(
    private readonly sandbox: string,
    inRepository: boolean,
  ) {
    this.dirs.set(".", inRepository ? { scripts: root.scripts } : null);
  }

  async play(commands: ShellCommand[]): Promise<void> {
    const outside: string[] = [];
    let depth = 0;
    for (const c of commands) {
      while (c.subshell > depth) (outside.push(this.cwd), depth++);
      while (c.subshell < depth) ((this.cwd = outside.pop()!), depth--);
      await this.run(c.argv).catch((error: Error) => {
        throw new Error(`line ${c.line}: \`${c.argv.join(" ")}\`: ${error.message}`);
      });
    }
    while (depth-- > 0) this.cwd = outside.pop()!;
  }

  async run(argv: string[]): Promise<void> {
    const [program, ...args] = argv as [string, ...string[]];
    if (program === "npx" && args[0] === "-y" && args[1]?.startsWith("pnpm@")) return this.pnpm(args[1].slice("pnpm@".length), args.slice(2));
    if (program === "npx" && args[0] === "botyard") return this.botyard(args.slice(1));
    if (program === "botyard" || program.endsWith("/botyard")) return this.botyard(args);
    if (program === "npm") return this.npm(args);
    if (program === "mkdir") {
      for (const d of args.filter((a) => a !== "-p")) this.dirs.set(this.path(d), null);
      return;
    }
    if (program === "cd") {
      if (!this.dirs.has(this.path(args[0]!))) throw new Error(`no directory ${args[0]} at this point`);
      this.cwd = this.path(args[0]!);
      return;
    }
    if (program === "git" && args[0] === "clone") {
      // A clone of this repository: its scripts are the root package.json's.
      const url = args.find((a, i) => i > 0 && !a.startsWith("-"));
      expect(url, "git clone <url>").toMatch(/^https:\/\/github\.com\/botyard\/botyard(\.git)?$/);
      this.dirs.set(this.path(args[2] ?? "botyard"), { scripts: root.scripts });
      return;
    }
    if (program === "export") {
      expect(args.every((a) => /^[A-Z_][A-Z0-9_]*=\S*$/.test(a)), "export NAME=value ...").toBe(true);
      return;
    }
    throw new Error(`no rule for "${program}": add one to this test`);
  }

  private path(d: string): string {
    return normalize(join(this.cwd, d));
  }

  private pnpm(version: string, args: string[]): void {
    expect(`pnpm@${version}`, "the pnpm the repository pins").toBe(root.packageManager);
    const dir = this.dirs.get(this.cwd);
    if (args[0] === "install") {
      expect(args.slice(1).every((a) => a === "--frozen-lockfile")).toBe(true);
      return;
    }
    expect(dir?.scripts === root.scripts, "pnpm runs in a clone of this repository").toBe(true);
    expect(Object.keys(root.scripts), `pnpm ${args.join(" ")}`).toContain(args[0]);
    // What `pnpm pack-all` leaves behind: the tarballs `npm install <clone>/dist-tarballs/*.tgz` installs.
    if (args[0] === "pack-all") this.dirs.set(this.path("dist-tarballs"), null);
  }

  private async botyard(args: string[]): Promise<void> {
    expect([...(await botyardCommands())], "a botyard command").toContain(args[0]);
    const err: string[] = [];
    expect(await runCli([...args, "--help"], { stdout: sink([]), stderr: sink(err), env: {} }), `botyard ${args.join(" ")}: ${err.join("")}`).toBe(0);
    if (args[0] === "new") {
      const name = args[2]!;
      const made = join(this.sandbox, `${name}-${this.dirs.size}`);
      await scaffoldPlugin(name, made, false);
      const dir = this.path(`botyard-plugin-${name.replace(/^@[^/]+\//, "")}`);
      this.dirs.set(dir, JSON.parse(readFileSync(join(made, "package.json"), "utf8")) as Dir);
    }
  }

  private npm(args: string[]): void {
    const [verb, ...rest] = args;
    const here = this.dirs.get(this.cwd);
    if (verb === "init") {
      expect(rest).toEqual(["-y"]);
      this.dirs.set(this.cwd, { scripts: { test: 'echo "Error: no test specified" && exit 1' } });
      return;
    }
    if (verb === "install" || verb === "i") {
      const flags = rest.filter((a) => a.startsWith("-"));
      expect(flags.filter((f) => !NPM_INSTALL_FLAGS.has(f)), "npm install flags").toEqual([]);
      const specs = rest.filter((a) => !a.startsWith("-"));
      if (specs.length === 0) expect(here, "npm install needs a package.json here").toBeTruthy();
      for (const spec of specs) {
        if (spec.endsWith("/*.tgz")) expect(this.dirs.has(this.path(spec.slice(0, -"/*.tgz".length))), `${spec}: tarballs \`pnpm pack-all\` made earlier`).toBe(true);
        else if (spec.startsWith(".") || spec.startsWith("/")) expect(this.dirs.get(this.path(spec)), `${spec}: a package folder made earlier`).toBeTruthy();
        else if (!spec.startsWith("@acme/")) expect([...published], `npm install ${spec}`).toContain(spec.replace(/(.)@.*$/, "$1"));
      }
      return;
    }
    if (verb === "pkg") {
      const [op, assignment] = rest;
      const m = /^workspaces\[(\d+)\]=(.+)$/.exec(assignment ?? "");
      expect(op === "set" && m, "npm pkg set workspaces[N]=<folder>").toBeTruthy();
      expect(this.dirs.get(this.path(m![2]!)), `${m![2]}: a package folder made earlier`).toBeTruthy();
      expect(here, "npm pkg set needs a package.json here").toBeTruthy();
      this.dirs.set(this.cwd, { ...here, workspaces: [...(here!.workspaces ?? []), m![2]!] });
      return;
    }
    if (verb === "test" || verb === "run") {
      const words = verb === "test" ? ["test", ...rest] : rest;
      const w = words.findIndex((a) => a === "--workspace" || a === "-w");
      let target = here;
      if (w >= 0) {
        expect(here?.workspaces, `${words[w + 1]} is a workspace of this project`).toContain(words[w + 1]);
        target = this.dirs.get(this.path(words[w + 1]!)) ?? null;
        words.splice(w, 2);
      }
      expect(Object.keys(target?.scripts ?? {}), `npm ${verb} ${words.join(" ")}`).toContain(words[0]);
      return;
    }
    throw new Error(`no rule for "npm ${verb}": add one to this test`);
  }
}

describe("shell examples in the docs", () => {
  for (const file of DOCS) {
    const blocks = snippetsOf(file).filter((s) => s.lang === "sh");
    if (blocks.length === 0) continue;
    it(`${relative(REPO, file)}: every command works where the reader runs it`, async () => {
      const sandbox = join(SNIPPETS, "sh", relative(REPO, file).replace(/[/.]/g, "_"));
      mkdirSync(sandbox, { recursive: true });
      // The root README runs in a clone of this repository; every other page in a user's project.
      const session = new Session(sandbox, file === join(REPO, "README.md"));
      for (const block of blocks) {
        await session.play(shellCommands(block.code)).catch((error: Error) => {
          throw new Error(`${where(block)}: ${error.message}`);
        });
      }
    });
  }

  it("the session rules refuse what does not work", async () => {
    const sandbox = join(SNIPPETS, "sh", "refused");
    const refused = async (code: string, inRepository = false) => {
      const session = new Session(sandbox, inRepository);
      return session.play(shellCommands(code)).then(
        () => "accepted",
        (error: Error) => error.message,
      );
    };
    expect(await refused("npx botyard start --port 3000")).toMatch(/Unknown option '--port'/);
    expect(await refused("npx botyard launch")).toMatch(/a botyard command/);
    expect(await refused("npx -y pnpm@12.4.2 deploy", true)).toMatch(/pnpm deploy/);
    expect(await refused("npm install @botyard/plugin-pager")).toMatch(/npm install @botyard\/plugin-pager/);
    expect(await refused("npm install ./botyard-plugin-standup")).toMatch(/a package folder made earlier/);
    expect(await refused("mkdir app && cd app && npm init -y && npx botyard new plugin standup && (cd botyard-plugin-standup && npm run lint)")).toMatch(/npm run lint/);
    expect(await refused("cd botyard-plugin-standup")).toMatch(/no directory/);
    expect(await refused("docker compose up")).toMatch(/no rule for "docker"/);
    expect(await refused("mkdir app && cd app && npm init -y && npm install ../botyard/dist-tarballs/*.tgz")).toMatch(/tarballs `pnpm pack-all` made earlier/);
    expect(await refused("git clone https://github.com/botyard/botyard.git && cd botyard && npx -y pnpm@12.4.2 packall")).toMatch(/pnpm packall/);
    expect(await refused("npx botyard new plugin standup && npm pkg set 'workspaces[0]=botyard-plugin-standup' && npm install")).toMatch(/npm pkg set needs a package.json here/);
  });
});

describe("JSON examples in the docs", () => {
  const json = all.filter((s) => s.lang === "json");
  for (const s of json) {
    it(`${where(s)} parses`, () => {
      expect(() => JSON.parse(s.code)).not.toThrow();
    });
  }

  it("docs/plugins/dogdata.md's webhook payload, filled in as Datadog does, is read by the plugin", () => {
    const doc = json.find((s) => s.file.endsWith("docs/plugins/dogdata.md"))!;
    expect(doc, "the payload block").toBeDefined();
    // Datadog replaces each $VARIABLE inside the JSON text before sending it.
    const values: Record<string, string> = {
      ID: "7341829107341829107",
      ALERT_ID: "4242",
      ALERT_CYCLE_KEY: "7341829100000000001",
      ALERT_TRANSITION: "Recovered",
      ALERT_STATUS: "",
      ALERT_SCOPE: "host:web-1,env:prod",
      ALERT_TYPE: "success",
      ALERT_PRIORITY: "P2",
      EVENT_TITLE: "[P2] [Recovered on {host:web-1,env:prod}] CPU high on web",
      EVENT_MSG: "%%%\\nCPU is back to normal\\n%%%",
      LINK: "https://app.datadoghq.com/event/event?id=7341829107341829107",
      DATE: "1764700000000",
      LAST_UPDATED: "1764700000000",
      TAGS: "env:prod,service:web",
      HOSTNAME: "web-1",
      ORG_ID: "1234",
      ORG_NAME: "Acme",
    };
    const unknown: string[] = [];
    const filled = doc.code.replace(/\$([A-Z_]+)/g, (_m, name: string) => values[name] ?? (unknown.push(name), ""));
    expect(unknown, "variables this test does not fill").toEqual([]);
    const parsed = parseDatadogPayload(JSON.parse(filled));
    expect(parsed).toMatchObject({
      ok: true,
      event: { id: values.ID, monitorId: "4242", cycleKey: values.ALERT_CYCLE_KEY, transition: "Recovered", name: "CPU high on web", date: 1764700000000, priority: "P2" },
    });
    // The fields the plugin's own tests send are the ones the doc tells users to paste.
    expect(Object.keys(JSON.parse(doc.code)).sort()).toEqual(Object.keys(webhookPayload({ monitorId: "1", name: "x" })).sort());
    // Left as pasted (a variable Datadog did not fill), `$ID` is no id: the delivery is refused.
    expect(parseDatadogPayload(JSON.parse(doc.code))).toMatchObject({ ok: false, field: "id" });
  });
});

describe("systemd units in the docs", () => {
  const units = all.filter((s) => s.lang === "ini");
  for (const s of units) {
    it(`${where(s)}: ExecStart runs a real botyard command, and systemd reads every line as meant`, async () => {
      const lines = s.code.split("\n").filter((l) => l.trim() && !/^\s*[#;]/.test(l));
      // systemd has no trailing comments: `Key=value  # note` makes "# note" part of the value.
      expect(lines.filter((l) => /\s[#;]/.test(l))).toEqual([]);
      const settings = new Map(lines.filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()]));
      const exec = settings.get("ExecStart");
      expect(exec).toMatch(/^\/\S+\/npx botyard start\b/);
      await new Session(join(SNIPPETS, "ini"), false).play(shellCommands(exec!.replace(/^\/\S+\/npx/, "npx")));
      // systemd must wait longer than the host's own graceful shutdown before it kills it.
      const shutdownMs = (HostConfigSchema as unknown as { properties: { shutdownTimeoutMs: { default: number } } }).properties.shutdownTimeoutMs.default;
      expect(Number(settings.get("TimeoutStopSec")) * 1000).toBeGreaterThan(shutdownMs);
      expect(settings.get("KillSignal")).toBe("SIGTERM");
    });
  }
  it("there is one to check", () => expect(units.length).toBeGreaterThan(0));
});
