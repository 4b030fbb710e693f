import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { CORE_VERSION, createLogger } from "@botyard/core";
import type { TempProject } from "@botyard/testing";
import { loadConfig } from "../config/load-config.js";
import { userProject } from "../test-support/temp-project.js";
import { loadPlugins } from "./load-plugins.js";

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
});
