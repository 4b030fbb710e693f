import { describe, expect, it } from "vitest";
import { channelsNamedIn } from "./demo-channels.js";

describe("the channels a bots.yaml names", () => {
  it("are the channel ids and #names anywhere in the bots' configs, once each", () => {
    const bots = [
      { config: { channel: "C0123456789", schedule: "0 0 10 * * 1-5" } },
      { config: { syncs: [{ usergroup: "oncall-sre", schedules: ["PSRE001"], announceChannel: "C0SRE0001" }], also: ["#releases", "C0123456789"] } },
      { config: undefined },
    ];
    expect(channelsNamedIn(bots)).toEqual(["C0123456789", "C0SRE0001", "#releases"]);
  });

  it("leave out what only looks a little like one: schedule ids, words, user ids", () => {
    expect(channelsNamedIn([{ config: { a: "PSRE001", b: "CPU", c: "U0ALICE", d: "Channel", e: "# not a name" } }])).toEqual([]);
  });
});
