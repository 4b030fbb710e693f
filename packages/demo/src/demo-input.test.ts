import { describe, expect, it } from "vitest";
import { parseDemoLine, withMentions } from "./demo-input.js";

describe("a line typed into botyard demo", () => {
  it("is a message unless it is one of the demo's forms", () => {
    expect(parseDemoLine("  hello botyard ")).toEqual({ kind: "message", text: "hello botyard" });
    expect(parseDemoLine("   ")).toBeUndefined();
  });

  it("switches channel with #name", () => {
    expect(parseDemoLine("#releases")).toEqual({ kind: "channel", name: "#releases" });
    expect(parseDemoLine("#releases are out")).toEqual({ kind: "message", text: "#releases are out" });
  });

  it("replies in the last message's thread with ^ text or /thread text", () => {
    expect(parseDemoLine("^ me too")).toEqual({ kind: "reply", text: "me too" });
    expect(parseDemoLine("^me too")).toEqual({ kind: "reply", text: "me too" });
    expect(parseDemoLine("/thread me too")).toEqual({ kind: "reply", text: "me too" });
    expect(parseDemoLine("^")).toMatchObject({ kind: "usage" });
    expect(parseDemoLine("/thread")).toMatchObject({ kind: "usage" });
    // A bot's own command that merely starts like the demo's is the bot's.
    expect(parseDemoLine("/threads list")).toEqual({ kind: "command", command: "/threads", text: "list" });
  });

  it("fires a bot's schedule, or a trigger named with spaces in it", () => {
    expect(parseDemoLine("/fire standup")).toEqual({ kind: "fire", bot: "standup" });
    expect(parseDemoLine("/fire standup schedule:0 0 10 * * 1-5")).toEqual({ kind: "fire", bot: "standup", trigger: "schedule:0 0 10 * * 1-5" });
    expect(parseDemoLine("/fire")).toMatchObject({ kind: "usage", text: expect.stringContaining("/fire <bot id>") });
    expect(parseDemoLine("/firewall up")).toEqual({ kind: "command", command: "/firewall", text: "up" });
  });

  it("runs any other /word as a slash command with the rest as its text", () => {
    expect(parseDemoLine("/release web  now")).toEqual({ kind: "command", command: "/release", text: "web now" });
    expect(parseDemoLine("/help")).toEqual({ kind: "help" });
  });
});

describe("typed mentions", () => {
  const people = new Map([
    ["botyard", "U0BOTYARD"],
    ["alice", "U0ALICE"],
  ]);
  const lookup = (name: string) => people.get(name);

  it("become Slack's <@id> for the app and for people it knows, wherever they stand", () => {
    expect(withMentions("@botyard standup", lookup)).toBe("<@U0BOTYARD> standup");
    expect(withMentions("ask @Alice (or @alice.)", lookup)).toBe("ask <@U0ALICE> (or <@U0ALICE>.)");
  });

  it("leave unknown names, e-mail addresses and text alone", () => {
    expect(withMentions("@nobody mail alice@example.com", lookup)).toBe("@nobody mail alice@example.com");
  });
});
