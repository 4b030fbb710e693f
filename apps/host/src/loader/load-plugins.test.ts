import { utimesSync } from "node:fs";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { CORE_VERSION, createLogger } from "@botyard/core";
import type { TempProject } from "@botyard/test-support";
import { loadConfig } from "../config/load-config.js";
import { userProject } from "../test-support/temp-project.js";
import { loadPlugins } from "./load-plugins.js";
import { checkBots } from "../runtime/bootstrap.js";

let project: TempProject;
afterEach(() => project?.remove());

describe("loadPlugins", () => {
  it("loads a plugin that brought its own but compatible copy of core, and warns about it", async () => {
    project = userProject();
    // npm installed core inside the plugin instead of sharing the project's: same major, in range.
    project.write("node_modules/botyard-plugin-vendored/package.json", JSON.stringify({ name: "botyard-plugin-vendored", version: "1.4.0", type: "module", exports: "./index.js" }));
    project.write("node_modules/botyard-plugin-vendored/node_modules/@botyard/core/package.json", JSON.stringify({ name: "@botyard/core", version: CORE_VERSION, type: "module", exports: "./index.js" }));
    project.write(
      "node_modules/botyard-plugin-vendored/node_modules/@botyard/core/index.js",
      `const MARK = Symbol.for("botyard:plugin");
       export const definePlugin = (d) => ({ ...d, [MARK]: { coreVersion: ${JSON.stringify(CORE_VERSION)}, coreLocation: import.meta.url } });`,
    );
    project.write(
      "node_modules/botyard-plugin-vendored/index.js",
      `import { definePlugin } from "@botyard/core";
       export default definePlugin({ name: "vendored", core: "^1.0.0", config: { type: "object" }, setup() {} });`,
    );
    const file = project.write("bots.yaml", "slack: { appToken: xapp-1-x, botToken: xoxb-x }\nbots:\n  - id: vendored\n    use: botyard-plugin-vendored\n");
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }) });

    const { specs, problems } = await loadPlugins(loadConfig(file, {}), log);

    expect(problems).toEqual([]);
    expect(specs.map((s) => s.id)).toEqual(["vendored"]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "plugin brought a second copy of @botyard/core; compatible, but install core once (peer dependency)",
        plugin: "vendored",
        pluginCore: CORE_VERSION,
        pluginCoreAt: expect.stringContaining("botyard-plugin-vendored/node_modules/@botyard/core/index.js"),
        hostCore: CORE_VERSION,
      }),
    ]);
  });

  it("names the file it loaded when a config field is unknown, and says when that build is older than the plugin's src/", async () => {
    project = userProject();
    // The author's own plugin beside bots.yaml: they added `greeting` to src/ and did not rebuild.
    project.write("botyard-plugin-hello/package.json", JSON.stringify({ name: "botyard-plugin-hello", version: "0.1.0", type: "module", exports: "./dist/index.js" }));
    const built = project.write(
      "botyard-plugin-hello/dist/index.js",
      `import { definePlugin, Type } from "@botyard/core";
       export default definePlugin({ name: "hello", core: "^1.0.0", config: Type.Object({ channel: Type.String() }, { additionalProperties: false }), setup() {} });`,
    );
    const source = project.write("botyard-plugin-hello/src/index.ts", "// now with a greeting field\n");
    utimesSync(built, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    utimesSync(source, new Date(), new Date());
    const file = project.write("bots.yaml", "slack: { appToken: xapp-1-x, botToken: xoxb-x }\nbots:\n  - id: hello\n    use: ./botyard-plugin-hello\n    config: { channel: C1, greeting: hi }\n");
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }) });

    const { problems } = await checkBots(loadConfig(file, {}), log);

    expect(problems).toEqual([
      expect.objectContaining({
        path: "bots[0].config.greeting",
        message: 'is not a known field (check its spelling) (bot "hello", plugin hello)',
        hint: "the plugin was loaded from botyard-plugin-hello/dist/index.js, which is older than src/index.ts: rebuild the plugin (npm run build) and run this again",
      }),
    ]);
    expect(lines).toEqual([expect.objectContaining({ level: 40, plugin: "hello", loaded: built, newerSource: source })]);

    // Rebuilt: the hint only says where the plugin came from, and nothing is logged.
    utimesSync(built, new Date(Date.now() + 1_000), new Date(Date.now() + 1_000));
    lines.length = 0;
    const again = await checkBots(loadConfig(file, {}), log);
    expect(again.problems.map((p) => p.hint)).toEqual(["the plugin was loaded from botyard-plugin-hello/dist/index.js"]);
    expect(lines).toEqual([]);
  });
});

