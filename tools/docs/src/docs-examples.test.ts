import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "@botyard/host";
import { REPO } from "./doc-targets.js";
import { schemaErrors } from "./schema-check.js";
import { snippetsOf, type Snippet } from "./snippets.js";

// Every code example in the docs is exercised: TypeScript type-checks (and the test examples
// run), every bots.yaml passes `botyard validate` with the real plugins and the JSON Schema
// `botyard schema` generates for it, other YAML parses.
const DOCS = [
  ...readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs", f)),
  ...readdirSync(join(REPO, "docs/plugins")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs/plugins", f)),
  join(REPO, "README.md"),
  ...["packages/core", "packages/testing", "apps/host", "packages/plugin-release", "packages/plugin-oncall", "packages/plugin-dogdata"].map((p) => join(REPO, p, "README.md")),
];
const SNIPPETS = join(REPO, "tools/docs/.snippets");
const all = DOCS.flatMap(snippetsOf);
const where = (s: Snippet) => `${relative(REPO, s.file)}:${s.line}`;
afterAll(() => rmSync(SNIPPETS, { recursive: true, force: true }));

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
      for (const [, name] of body.matchAll(/\$\{(\w+)\}/g)) env[name!] = name === "SLACK_APP_TOKEN" ? "xapp-1-doc" : name === "SLACK_BOT_TOKEN" ? "xoxb-doc" : name!.endsWith("URL") ? "redis://127.0.0.1:6379" : `doc-${name}`;
      const err: string[] = [];
      const out: string[] = [];
      const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });
      const code = await runCli(["validate", "--config", file], { stdout: sink(out), stderr: sink(err), env });
      // "@acme/..." and "./..." name a plugin of the reader's own: it cannot be installed here, so
      // only its absence is tolerated; everything else in the file must be valid.
      const problems = err.join("").split("\n").filter((l) => /bots\.yaml:\d+:\d+/.test(l));
      const real = problems.filter((l) => !/cannot find plugin "(@acme\/|\.\/)/.test(l));
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
  it("every bots.yaml naming only plugins available here was also checked against its generated schema", () => {
    // Runs after the examples above (vitest keeps declaration order within a file).
    const bundled = yamlBlocks.filter(isBotsYaml).filter((b) => ![...b.code.matchAll(/use:\s*"?([^"\s]+)/g)].some(([, use]) => /^(@acme\/|\.\/)/.test(use!)));
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
