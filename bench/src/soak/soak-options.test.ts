import { describe, expect, it } from "vitest";
import { parseDuration, soakOptions } from "./soak-options.js";

describe("pnpm soak's options", () => {
  it("runs both variants for 10 minutes each by default", () => {
    expect(soakOptions([], {})).toEqual({ durationMs: 600_000, variants: ["sqlite", "redis"] });
  });

  it("takes the duration from --duration or BOTYARD_SOAK_DURATION, and one variant from --replicas", () => {
    expect(soakOptions(["--duration", "60s", "--replicas", "1"], {})).toEqual({ durationMs: 60_000, variants: ["sqlite"] });
    expect(soakOptions(["--replicas=2"], { BOTYARD_SOAK_DURATION: "1.5m" })).toEqual({ durationMs: 90_000, variants: ["redis"] });
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("45")).toBe(45_000);
  });

  it("refuses a duration or a replica count it cannot use, saying how to write one", () => {
    expect(() => soakOptions(["--duration", "soon"], {})).toThrow('soak: duration "soon" is not a duration of at least 10 s. Give it as --duration 60s, 10m or 1h (or BOTYARD_SOAK_DURATION).');
    expect(() => parseDuration("500ms")).toThrow(/at least 10 s/);
    expect(() => soakOptions(["--replicas", "3"], {})).toThrow(/--replicas "3" is not 1 or 2/);
  });
});
