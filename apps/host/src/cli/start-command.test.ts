import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SlackEmulator } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { run } from "./run-cli.js";
import { userProject } from "../test-support/temp-project.js";

let slack: SlackEmulator | undefined;
let project: TempProject | undefined;
afterEach(async () => {
  await slack?.close();
  project?.remove();
});

describe("botyard start", () => {
  it("refuses an app token Slack rejects, printing the code and what to check", async () => {
    slack = await SlackEmulator.start();
    project = userProject();
    const file = project.write(
      "bots.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: ${slack.apiUrl} }\nhttp: { port: 0 }\nstore: { type: memory }\nlog: { level: silent }\nbots: []\n`,
    );
    const err: string[] = [];
    const stderr = new Writable({ write: (c, _e, done) => (err.push(String(c)), done()) });
    const stdout = new Writable({ write: (_c, _e, done) => done() });
    const code = await run(["start", "--config", file], { stdout, stderr, env: { SLACK_APP_TOKEN: "xapp-1-revoked-token", SLACK_BOT_TOKEN: slack.botToken } });

    expect(code).toBe(1);
    expect(err.join("")).toBe(
      "botyard start: Slack refused the app-level token (invalid_auth).\n" +
        "  hint: slack.appToken must be an app-level token (xapp-...) with the connections:write scope.\n" +
        "  (BOTYARD_ERR_HOST_START)\n",
    );
  });
});
