import { MemoryStore } from "@botyard/core";
import { describe, expect, it } from "vitest";
import { compareTs, postedAt } from "@botyard/slack-threads";
import { AlertIndex } from "./alert-index.js";

const at = (ts: string, transition: "Triggered" | "Warn" | "Recovered" | "Re-Triggered", eventId?: string) => ({ channel: "C1", ts, transition, eventId });

describe("the alert index", () => {
  it("keeps an alert's first message, gathers its later ones, and starts a new alert after a recovery", async () => {
    const index = new AlertIndex(new MemoryStore(), 60_000);
    await index.record("1", "host:a", at("100.000001", "Warn", "e1"));
    await index.record("1", "host:a", at("160.000001", "Triggered"));
    await index.record("1", "host:a", at("220.000001", "Re-Triggered"));
    await index.record("1", "host:a", at("280.000001", "Recovered"));
    await index.record("1", "host:a", at("400.000001", "Triggered", "e2"));
    expect(await index.cycles("1", "host:a")).toEqual([
      { channel: "C1", ts: "400.000001", also: [], closed: false, eventId: "e2", transition: "Triggered" },
      { channel: "C1", ts: "100.000001", also: ["160.000001", "220.000001"], closed: true, eventId: "e1", transition: "Warn" },
    ]);
    expect(await index.cycles("1", "host:b")).toEqual([]);
  });

  it("records the same message once, and only the three newest alerts of a group", async () => {
    const index = new AlertIndex(new MemoryStore(), 60_000);
    for (const ts of ["1.0", "2.0", "3.0", "4.0"]) {
      await index.record("1", "", at(ts, "Triggered"));
      await index.record("1", "", at(ts, "Triggered"));
      await index.record("1", "", at(`${ts.slice(0, 1)}.5`, "Recovered"));
    }
    expect((await index.cycles("1", "")).map((c) => [c.ts, c.also, c.closed])).toEqual([
      ["4.0", [], true],
      ["3.0", [], true],
      ["2.0", [], true],
    ]);
  });

  it("loses no update when messages of one group arrive at once", async () => {
    const index = new AlertIndex(new MemoryStore(), 60_000);
    await index.record("1", "", at("1.000000", "Triggered"));
    await Promise.all(Array.from({ length: 8 }, (_, i) => index.record("1", "", at(`2.00000${i}`, "Re-Triggered"))));
    expect((await index.cycles("1", ""))[0]!.also.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `2.00000${i}`));
  });

  it("forgets alerts after the TTL", async () => {
    let now = 1_000_000;
    const index = new AlertIndex(new MemoryStore(() => now), 60_000);
    await index.record("1", "", at("1.0", "Triggered"));
    now += 59_999;
    expect(await index.cycles("1", "")).toHaveLength(1);
    now += 1;
    expect(await index.cycles("1", "")).toEqual([]);
  });

  it("orders Slack timestamps exactly and reads their time", () => {
    expect(compareTs("1700000000.000100", "1700000000.000099")).toBe(1);
    expect(compareTs("999999999.9", "1000000000.0")).toBe(-1);
    expect(compareTs("1.000001", "1.000001")).toBe(0);
    expect(postedAt("1700000000.123456")).toBe(1_700_000_000_123);
  });
});
