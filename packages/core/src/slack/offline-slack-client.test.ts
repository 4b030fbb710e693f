import { describe, expect, it } from "vitest";
import { offlineSlackClient } from "./offline-slack-client.js";

describe("offlineSlackClient", () => {
  it("can be handed around and registered, but refuses any call, naming the command and the method", () => {
    const slack = offlineSlackClient("botyard validate");
    expect(() => slack.chat.postMessage({ channel: "C1", text: "hi" })).toThrow("`botyard validate` does not reach Slack, yet something called slack.chat.postMessage");
    expect(() => slack.apiCall("auth.test")).toThrow("slack.apiCall");
  });

  it("is not mistaken for a promise when awaited", async () => {
    const slack = offlineSlackClient("botyard list");
    expect(await Promise.resolve(slack)).toBe(slack);
  });
});
