import { describe, expect, it } from "vitest";
import { Type } from "typebox";
import { createContainer } from "../di/container.js";
import { prepareBot } from "../engine/prepare-bot.js";
import { silentLogger } from "../logging/logger.js";
import { definePlugin } from "../plugin/define-plugin.js";
import { botSlackNeeds, combineSlackNeeds } from "./slack-needs.js";

function needsOf(plugin: Parameters<typeof prepareBot>[0]["plugin"]) {
  const prepared = prepareBot({ id: "b", plugin, config: {} }, { logger: silentLogger(), container: createContainer() });
  return botSlackNeeds(plugin, prepared.config, prepared.registrations.triggers);
}

describe("what a bot needs from the Slack app", () => {
  it("follows from its triggers, plus the scopes the plugin declares for its API calls", () => {
    const plugin = definePlugin({
      name: "everything",
      description: "Does it all",
      core: "^1.0.0",
      config: Type.Object({}),
      slack: { scopes: ["chat:write", "reactions:write"] },
      setup(bot) {
        bot.message("deploy", () => {});
        bot.mention("status", () => {});
        bot.reaction("eyes", () => {});
        bot.command("/ship", { description: "Ships it", usageHint: "[service]" }, () => {});
        bot.command("/plain", () => {});
        bot.blockAction("approve", () => {});
        bot.event("member_joined_channel", () => {});
        bot.schedule("0 10 * * *", () => {});
        bot.webhook("/hook", () => ({ status: 200 }));
      },
    });
    expect(needsOf(plugin)).toEqual({
      scopes: ["app_mentions:read", "channels:history", "channels:read", "chat:write", "commands", "groups:history", "groups:read", "reactions:read", "reactions:write"],
      events: ["app_mention", "member_joined_channel", "message.channels", "message.groups", "reaction_added"],
      commands: [
        { command: "/plain", description: "Does it all" },
        { command: "/ship", description: "Ships it", usageHint: "[service]" },
      ],
      interactivity: true,
    });
  });

  it("asks for direct messages only when a message trigger allows them", () => {
    const plugin = definePlugin({
      name: "dm",
      core: "^1.0.0",
      config: Type.Object({}),
      setup(bot) {
        bot.message(undefined, () => {}, { directMessages: true });
        bot.command("/dm", () => {});
      },
    });
    const needs = needsOf(plugin);
    expect(needs.events).toEqual(["message.channels", "message.groups", "message.im", "message.mpim"]);
    expect(needs.scopes).toEqual(["channels:history", "commands", "groups:history", "im:history", "mpim:history"]);
    expect(needs.interactivity).toBe(false);
    // No description anywhere: the manifest still gets one.
    expect(needs.commands).toEqual([{ command: "/dm", description: "The dm bot" }]);
  });

  it("takes scopes from the bot's config when the plugin declares them as a function of it", () => {
    const plugin = definePlugin({
      name: "topic",
      core: "^1.0.0",
      config: Type.Object({ topicChannel: Type.Optional(Type.String()) }),
      slack: { scopes: (config) => ["chat:write", ...(config.topicChannel ? (["channels:write.topic"] as const) : [])] },
      setup() {},
    });
    const scopesWith = (config: unknown) => botSlackNeeds(plugin, config, []).scopes;
    expect(scopesWith({})).toEqual(["chat:write"]);
    expect(scopesWith({ topicChannel: "C1" })).toEqual(["channels:write.topic", "chat:write"]);
  });

  it("needs nothing from Slack for schedules and webhooks alone", () => {
    const plugin = definePlugin({ name: "quiet", core: "^1.0.0", config: Type.Object({}), setup: (bot) => bot.schedule("* * * * *", () => {}) });
    expect(needsOf(plugin)).toEqual({ scopes: [], events: [], commands: [], interactivity: false });
  });

  it("adds up bots without repeats, the first bot's description of a shared command winning", () => {
    const a = { scopes: ["chat:write"], events: ["app_mention"], commands: [{ command: "/a", description: "first" }], interactivity: false };
    const b = { scopes: ["chat:write", "commands"], events: ["app_mention", "reaction_added"], commands: [{ command: "/A", description: "second" }], interactivity: true };
    expect(combineSlackNeeds([a, b])).toEqual({
      scopes: ["chat:write", "commands"],
      events: ["app_mention", "reaction_added"],
      commands: [{ command: "/a", description: "first" }],
      interactivity: true,
    });
  });
});

// @ts-expect-error a scope Slack does not have is refused by the compiler
definePlugin({ name: "typo", core: "^1.0.0", config: Type.Object({}), slack: { scopes: ["chat:wirte"] }, setup() {} });
