import { WebClient } from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import { SlackEmulator } from "./slack-emulator.js";

let slack: SlackEmulator | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

describe("the Slack emulator's scope headers", () => {
  it("names the token's scopes on every Web API answer, and the method's accepted ones, as the real client reads them", async () => {
    slack = await SlackEmulator.start({ scopes: ["chat:write", "channels:history"] });
    slack.createChannel("general", { id: "C0GENERAL" });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
    const auth = await client.auth.test();
    expect(auth.response_metadata?.scopes).toEqual(["chat:write", "channels:history"]);
    const posted = await client.chat.postMessage({ channel: "C0GENERAL", text: "hi" });
    expect(posted.response_metadata?.scopes).toEqual(["chat:write", "channels:history"]);
    expect(posted.response_metadata?.acceptedScopes).toEqual(["chat:write"]);
    // A reinstall with other scopes: the next answer says so.
    slack.setScopes(["chat:write"]);
    expect((await client.auth.test()).response_metadata?.scopes).toEqual(["chat:write"]);
  });

  it("holds every bot scope by default, so that nothing a test does lacks one", async () => {
    slack = await SlackEmulator.start();
    const auth = await new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl }).auth.test();
    expect(auth.response_metadata?.scopes).toEqual(expect.arrayContaining(["chat:write", "commands", "usergroups:write", "app_mentions:read"]));
  });
});

