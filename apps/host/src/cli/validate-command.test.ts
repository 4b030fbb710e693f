import type { TempProject } from "@botyard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { run } from "./run-cli.js";
import { HELLO_PLUGIN_DIR, userProject } from "../test-support/temp-project.js";

const env = { SLACK_APP_TOKEN: "xapp-1-abc", SLACK_BOT_TOKEN: "xoxb-abc" };
const header = `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}" }\nbots:\n`;

// A plugin as a third party would publish it: ESM, importing the core installed beside it.
const pluginSource = (name: string, setup: string, core = "^1.0.0") => `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: ${JSON.stringify(name)},
  core: ${JSON.stringify(core)},
  config: Type.Object({ channel: Type.String(), limit: Type.Optional(Type.Integer({ minimum: 1, default: 5 })) }, { additionalProperties: false }),
  setup(bot, config) { ${setup} },
});
`;

let project: TempProject;
afterEach(() => project?.remove());

async function validate(yaml: string) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });
  const file = project.write("bots.yaml", yaml);
  const code = await run(["validate", "--config", file], { stdout: sink(out), stderr: sink(err), env });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("botyard validate", () => {
  it("accepts a valid config whose plugin is installed beside bots.yaml (not in the host's dependencies)", async () => {
    project = userProject();
    project.plugin("botyard-plugin-standup", pluginSource("standup", `bot.command("/standup", async () => {});`));
    const result = await validate(`${header}  - id: standup\n    use: botyard-plugin-standup\n    config: { channel: C1 }\n`);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("1 bot (standup: standup)");
  });

  it("accepts a plugin given by a relative path (a directory with package.json)", async () => {
    project = userProject();
    project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
    const result = await validate(`${header}  - id: hello\n    use: ./node_modules/botyard-plugin-hello\n    config: { channel: C1 }\n`);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("names an unknown plugin, where it was looked for, and how to install it", async () => {
    project = userProject();
    const result = await validate(`${header}  - id: x\n    use: "@acme/botyard-plugin-nope"\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`bots.yaml:4:10  bots[0].use: cannot find plugin "@acme/botyard-plugin-nope": package "@acme/botyard-plugin-nope" is not installed in ${project.dir}`);
    expect(result.stderr).toContain("hint: Install it beside bots.yaml: npm install @acme/botyard-plugin-nope");
    expect(result.stderr).toContain("BOTYARD_ERR_PLUGIN_NOT_FOUND");
  });

  it("refuses a plugin whose core range excludes this core", async () => {
    project = userProject();
    project.plugin("botyard-plugin-old", pluginSource("old", "", "^9.0.0"));
    const result = await validate(`${header}  - id: old\n    use: botyard-plugin-old\n    config: { channel: C1 }\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/plugin "old" supports @botyard\/core \^9\.0\.0, but this host runs core 1\.\d+\.\d+/);
    expect(result.stderr).toContain("BOTYARD_ERR_CORE_VERSION_MISMATCH");
  });

  it("refuses a plugin that brought its own, incompatible copy of core", async () => {
    project = userProject();
    // The plugin's own node_modules holds core 2.4.0: a second copy, of another major.
    project.write("node_modules/botyard-plugin-bundled/package.json", JSON.stringify({ name: "botyard-plugin-bundled", version: "2.0.0", type: "module", exports: "./index.js" }));
    project.write("node_modules/botyard-plugin-bundled/node_modules/@botyard/core/package.json", JSON.stringify({ name: "@botyard/core", version: "2.4.0", type: "module", exports: "./index.js" }));
    project.write(
      "node_modules/botyard-plugin-bundled/node_modules/@botyard/core/index.js",
      `const MARK = Symbol.for("botyard:plugin");
       export const definePlugin = (d) => ({ ...d, [MARK]: { coreVersion: "2.4.0", coreLocation: import.meta.url } });`,
    );
    project.write(
      "node_modules/botyard-plugin-bundled/index.js",
      `import { definePlugin } from "@botyard/core";
       export default definePlugin({ name: "bundled", core: ">=0.1.0", config: { type: "object" }, setup() {} });`,
    );
    const result = await validate(`${header}  - id: bundled\n    use: botyard-plugin-bundled\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('plugin "bundled" was built with its own copy of @botyard/core 2.4.0');
    expect(result.stderr).toContain("peer dependency");
  });

  it("shows each invalid plugin config field with its YAML line", async () => {
    project = userProject();
    project.plugin("botyard-plugin-standup", pluginSource("standup", ""));
    const result = await validate(`${header}  - id: standup\n    use: botyard-plugin-standup\n    config:\n      limit: 0\n      chanel: C1\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bots.yaml:6:7  bots[0].config.channel: is required (bot "standup", plugin standup)');
    expect(result.stderr).toContain('bots.yaml:6:14  bots[0].config.limit: must be >= 1 (bot "standup", plugin standup)');
    expect(result.stderr).toContain('bots.yaml:7:7  bots[0].config.chanel: is not a known field (check its spelling) (bot "standup", plugin standup)');
    expect(result.stderr).toContain("BOTYARD_ERR_PLUGIN_CONFIG_INVALID");
  });

  it("refuses two bots claiming the same slash command, naming both", async () => {
    project = userProject();
    project.plugin("botyard-plugin-standup", pluginSource("standup", `bot.command("/standup", async () => {});`));
    const result = await validate(
      `${header}  - id: sre\n    use: botyard-plugin-standup\n    config: { channel: C1 }\n  - id: web\n    use: botyard-plugin-standup\n    config: { channel: C2 }\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bots.yaml:6:5  bots[1]: Bot "web" claims the slash command "/standup", which bot "sre" already claims.');
    expect(result.stderr).toContain("BOTYARD_ERR_TRIGGER_CONFLICT");
  });

  it("refuses two bots claiming the same mention keyword, whatever its case, naming both", async () => {
    project = userProject();
    project.plugin("botyard-plugin-deployer", pluginSource("deployer", `bot.mention(config.channel === "C1" ? "deploy" : "Deploy", async () => {});`));
    const result = await validate(
      `${header}  - id: sre\n    use: botyard-plugin-deployer\n    config: { channel: C1 }\n  - id: web\n    use: botyard-plugin-deployer\n    config: { channel: C2 }\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bots.yaml:6:5  bots[1]: Bot "web" claims the mention keyword "deploy", which bot "sre" already claims.');
    expect(result.stderr).toContain("hint: Slash commands and mention keywords are exclusive: give each bot its own.");
    expect(result.stderr).toContain("BOTYARD_ERR_TRIGGER_CONFLICT");
  });

  it("reports a plugin whose setup throws", async () => {
    project = userProject();
    project.plugin("botyard-plugin-broken", pluginSource("broken", `throw new Error("no channel " + config.channel);`));
    const result = await validate(`${header}  - id: broken\n    use: botyard-plugin-broken\n    config: { channel: C9 }\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bots[0]: Bot "broken" (broken) failed in setup: no channel C9');
  });

  it("prints no interpolated secret, even when an error quotes it", async () => {
    project = userProject();
    project.plugin("botyard-plugin-broken", pluginSource("broken", `throw new Error("cannot reach " + config.channel);`));
    const result = await validate(`${header}  - id: broken\n    use: botyard-plugin-broken\n    config: { channel: "https://bot:\${SLACK_BOT_TOKEN}@hooks.acme.test" }\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("failed in setup: cannot reach https://bot:[REDACTED]@hooks.acme.test");
    expect(result.stderr).not.toContain(env.SLACK_BOT_TOKEN);
  });

  it("points at a misspelt timezone or a bad cron pattern in a plugin's config, with its line, a code and a suggestion", async () => {
    project = userProject();
    project.plugin(
      "botyard-plugin-standup",
      `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "standup",
  core: "^1.0.0",
  config: Type.Object({ at: Type.String(), timezone: Type.String() }),
  setup(bot, config) { bot.schedule(config.at, { timezone: config.timezone }, async () => {}); },
});
`,
    );
    const result = await validate(
      `${header}  - id: paris\n    use: botyard-plugin-standup\n    config: { at: "0 10 * * 1-5", timezone: Europe/Pariss }\n  - id: tokyo\n    use: botyard-plugin-standup\n    config:\n      at: "0 10 * * 1-9"\n      timezone: Asia/Tokyo\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.stderr).toContain('bots.yaml:5:45  bots[0].config.timezone: Bot "paris" (standup) failed in setup: Invalid timezone "Europe/Pariss" for schedule "0 10 * * 1-5": not an IANA timezone (did you mean "Europe/Paris"?)');
    expect(result.stderr).toContain('bots.yaml:9:11  bots[1].config.at: Bot "tokyo" (standup) failed in setup: Invalid schedule "0 10 * * 1-9"');
    expect(result.stderr).toContain("BOTYARD_ERR_PLUGIN_SETUP_FAILED");
  });
});
