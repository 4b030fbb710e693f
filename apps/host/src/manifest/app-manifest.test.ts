import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { run } from "../cli/run-cli.js";
import { parseDocument } from "../vendor/yaml.js";
import { HELLO_PLUGIN_DIR, REPO_ROOT, userProject } from "../test-support/temp-project.js";

// Slack's own manifest schema (slackapi/manifest-schema, see SOURCE.md), its versioned parts
// registered under the addresses the top-level schema names, so that no test reaches the network.
const SCHEMA_DIR = join(import.meta.dirname, "slack-manifest-schema");
const schemaFile = (name: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, name), "utf8")) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addSchema(schemaFile("manifest.schema.1.0.0.json"), "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json");
ajv.addSchema(schemaFile("manifest.schema.2.0.0.json"), "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json");
const validate = ajv.compile(schemaFile("manifest.schema.json"));

function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });
  return run(args, { stdout: sink(out), stderr: sink(err), env: {} }).then((code) => ({ code, out: out.join(""), err: err.join("") }));
}

describe("botyard manifest", () => {
  it("the validator is Slack's schema: it refuses what Slack refuses", () => {
    expect(validate({ display_information: { name: "x" }, features: { slash_commands: [{ command: "release", description: "no slash" }] } })).toBe(false);
    expect(validate({ features: {} })).toBe(false);
    expect(validate({ display_information: { name: "x" }, settings: { socket_mode_enabled: "yes" } })).toBe(false);
  });

  it("prints the app manifest for exactly the demo's bots, without any token set, valid against Slack's schema", async () => {
    const { code, out, err } = await cli(["manifest", "--config", join(REPO_ROOT, "examples/demo/bots.yaml")]);
    expect(code, err).toBe(0);
    const manifest = parseDocument(out).toJS() as Record<string, any>;
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(manifest.settings).toEqual({
      event_subscriptions: { bot_events: ["app_mention", "message.channels", "message.groups"] },
      org_deploy_enabled: false,
      socket_mode_enabled: true,
      token_rotation_enabled: false,
    });
    // hello: chat:write + its message trigger and command; dogdata: reactions and history; release
    // and oncall: users, user groups, mentions; alertmanager: what dogdata needs. No usergroups:read for release (no allow.usergroups),
    // no topic scopes for oncall (no topicChannel): each bot asks for what its config uses.
    expect(manifest.oauth_config.scopes.bot).toEqual([
      "app_mentions:read",
      "channels:history",
      "chat:write",
      "commands",
      "groups:history",
      "reactions:write",
      "usergroups:read",
      "usergroups:write",
      "users:read",
      "users:read.email",
    ]);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(["/hello", "/oncall", "/release"]);
    expect(manifest.features.slash_commands[2]).toEqual({
      command: "/release",
      description: "Opens a release PR now, or says what a release would hold",
      usage_hint: "<repo> | all | status | help",
      should_escape: false,
    });
    expect(manifest.features.bot_user).toEqual({ display_name: "botyard", always_online: true });
    expect(manifest.display_information.description).toBe("Botyard: 5 bots (hello, dogdata, release, oncall, alertmanager)");
  });

  it("leaves disabled bots out, turns interactivity on for a block action, and prints JSON on request", async () => {
    const project = userProject();
    try {
      project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
      project.write(
        "buttons/package.json",
        JSON.stringify({ name: "buttons", version: "1.0.0", type: "module", exports: "./index.js", peerDependencies: { "@botyard/core": "*" } }),
      );
      project.write(
        "buttons/index.js",
        `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({ name: "buttons", core: "^1.0.0", config: Type.Object({}), setup(bot) {
  bot.blockAction("approve", () => {});
  bot.reaction("eyes", () => {});
  bot.message("dm me", () => {}, { directMessages: true });
} });`,
      );
      const file = project.write(
        "bots.yaml",
        `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}" }
bots:
  - id: buttons
    use: ./buttons
  - id: quiet
    use: botyard-plugin-hello
    enabled: false
    config: { channel: C0GENERAL, command: /quiet }
`,
      );
      const { code, out, err } = await cli(["manifest", "--config", file, "--format", "json", "--name", "ops-bots"]);
      expect(code, err).toBe(0);
      const manifest = JSON.parse(out) as Record<string, any>;
      expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      expect(manifest.display_information.name).toBe("ops-bots");
      expect(manifest.features.slash_commands).toBeUndefined();
      expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
      expect(manifest.settings.event_subscriptions.bot_events).toEqual(["message.channels", "message.groups", "message.im", "message.mpim", "reaction_added"]);
      expect(manifest.oauth_config.scopes.bot).toEqual(["channels:history", "groups:history", "im:history", "mpim:history", "reactions:read"]);
    } finally {
      project.remove();
    }
  });

  it("refuses a config whose bots do not set up, and an unknown format", async () => {
    const project = userProject();
    try {
      const file = project.write("bots.yaml", `slack: { appToken: x, botToken: y }\nbots:\n  - id: ghost\n    use: botyard-plugin-nowhere\n`);
      const refused = await cli(["manifest", "--config", file]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/bots\.yaml:4:\d+ +bots\[0\]\.use/);
      expect((await cli(["manifest", "--config", file, "--format", "toml"])).code).toBe(2);
    } finally {
      project.remove();
    }
  });
});
