import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore, createLogger, createSlackClient } from "@botyard/core";
import type { TempProject } from "@botyard/test-support";
import { loadConfig } from "../config/load-config.js";
import { userProject } from "../test-support/temp-project.js";
import { buildEngine, checkBots } from "./bootstrap.js";

let project: TempProject;
beforeAll(() => {
  project = userProject();
  // Counts its setups in a global the test reads: setup must run once per bot, not once to check and again to run.
  project.plugin(
    "botyard-plugin-counted",
    `import { definePlugin, Type } from "@botyard/core";
     export default definePlugin({
       name: "counted", core: "^1.0.0",
       config: Type.Object({ command: Type.String({ pattern: "^/" }) }, { additionalProperties: false }),
       setup(bot, config) {
         globalThis.countedSetups = (globalThis.countedSetups ?? 0) + 1;
         bot.command(config.command, async () => {});
       },
     });`,
  );
});
afterAll(() => project.remove());

describe("checkBots, then buildEngine", () => {
  it("runs each bot's setup once: the engine is given the bots checkBots prepared", async () => {
    const file = project.write(
      "bots.yaml",
      "slack: { appToken: xapp-1-x, botToken: xoxb-x }\nbots:\n  - { id: a, use: botyard-plugin-counted, config: { command: /a } }\n  - { id: b, use: botyard-plugin-counted, config: { command: /b } }\n",
    );
    const loaded = loadConfig(file, {});
    const log = createLogger({ level: "silent" });
    (globalThis as { countedSetups?: number }).countedSetups = 0;

    const checked = await checkBots(loaded, log);
    expect(checked.problems).toEqual([]);
    const engine = buildEngine(loaded, checked, { slack: createSlackClient({ token: "xoxb-x", apiUrl: "http://127.0.0.1:9/api/", logger: log }), store: new MemoryStore(), log });

    expect((globalThis as { countedSetups?: number }).countedSetups).toBe(2);
    expect(engine.status().map((b) => [b.id, b.state])).toEqual([["a", "loaded"], ["b", "loaded"]]);
  });

  it("refuses a trigger conflict and a bad bot config before anything is opened, each located in bots.yaml", async () => {
    const file = project.write(
      "bots.yaml",
      "slack: { appToken: xapp-1-x, botToken: xoxb-x }\nbots:\n  - { id: a, use: botyard-plugin-counted, config: { command: /same } }\n  - { id: b, use: botyard-plugin-counted, config: { command: /same } }\n  - { id: c, use: botyard-plugin-counted, config: { command: nope } }\n",
    );
    const checked = await checkBots(loadConfig(file, {}), createLogger({ level: "silent" }));

    expect(checked.problems.map((p) => [p.code, p.path])).toEqual([
      ["BOTYARD_ERR_TRIGGER_CONFLICT", "bots[1]"],
      ["BOTYARD_ERR_PLUGIN_CONFIG_INVALID", "bots[2].config.command"],
    ]);
    // A bot whose config is invalid is not handed to the engine at all.
    expect(checked.specs.map((s) => s.id)).toEqual(["a", "b"]);
  });
});
