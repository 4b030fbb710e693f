import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { TempProject } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

const plugin = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "deployer", core: "^1.0.0",
  config: Type.Object({ command: Type.String({ pattern: "^/" }) }, { additionalProperties: false }),
  setup(bot, config) { bot.command(config.command, async () => {}); },
});
`;

// "Bad config is refused before anything starts": the real process, the default SQLite store.
describe("botyard start on a bad bots.yaml", () => {
  let project: TempProject;
  afterEach(() => project.remove());

  it("exits non-zero with every problem located in the file, and opens no store", async () => {
    project = userProject();
    project.plugin("botyard-plugin-deployer", plugin);
    project.write(
      "bots.yaml",
      `slack: { appToken: xapp-1-not-used, botToken: xoxb-not-used, apiUrl: "http://127.0.0.1:9/api/" }
bots:
  - id: deploy
    use: botyard-plugin-deployer
    config: { command: /deploy }
  - id: deploy-copy
    use: botyard-plugin-deployer
    config: { command: /deploy }
  - id: broken
    use: botyard-plugin-deployer
    config: { command: deploy }
`,
    );
    const host = botyard({ args: ["start", "--config", "bots.yaml"], cwd: project.dir });
    const exit = await host.exited;
    const stderr = host.stderr.join("");

    expect(exit.code).toBe(1);
    expect(stderr).toContain("There are 2 problems in bots.yaml");
    expect(stderr).toMatch(/bots\.yaml:6:5 {2}bots\[1\]: Bot "deploy-copy" claims the slash command "\/deploy", which bot "deploy" already claims/);
    expect(stderr).toContain(`bots.yaml:11:24  bots[2].config.command: must match pattern "^/" (bot "broken", plugin deployer)`);
    // Refused before the store: no database file was created (nor locked).
    expect(existsSync(join(project.dir, ".botyard"))).toBe(false);
    expect(host.lines.some((l) => l.msg === "HTTP server listening")).toBe(false);
  });
});
