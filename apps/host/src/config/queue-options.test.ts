import { describe, expect, it } from "vitest";
import { queueOptions } from "./queue-options.js";

describe("queueOptions", () => {
  it("passes a job's claim time on as claimMs", () => {
    expect(queueOptions({ claimMs: 5_000, concurrency: 4 })).toEqual({ claimMs: 5_000, concurrency: 4 });
  });

  it("still reads leaseMs, the field's former name, and prefers it when set", () => {
    expect(queueOptions({ leaseMs: 2_000 })).toEqual({ claimMs: 2_000 });
    expect(queueOptions({ leaseMs: 2_000, claimMs: 30_000 })).toEqual({ claimMs: 2_000 });
  });
});
