import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Type-checking a plugin must stay cheap (issue 18): a 100-line plugin using every trigger kind
// cost 1.3 million type instantiations (7 s, 500 MB) while definePlugin inferred its schema back
// through typebox's Static<S>; it costs about 5,600 now. Instantiation counts are deterministic,
// so the bound is a test; time and memory depend on the machine and are in the bench (types).
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../../test-fixtures/type-cost");
const { typeCheckCost } = (await import(join(fixtures, "measure.mjs"))) as {
  typeCheckCost(file: string): { instantiations: number; errors: string };
};

describe("type-checking a plugin", () => {
  it("a 100-line plugin with every trigger kind type-checks cleanly in under 20,000 instantiations", () => {
    const cost = typeCheckCost(join(fixtures, "plugin.ts"));
    expect(cost.errors).toBe("");
    expect(cost.instantiations).toBeGreaterThan(0);
    expect(cost.instantiations).toBeLessThan(20_000);
  }, 120_000);

  it("keeps the config typed: a misspelt config field or a wrong type is a compile error", () => {
    const cost = typeCheckCost(join(fixtures, "mistyped-plugin.ts"));
    expect(cost.errors).toMatch(/mistyped-plugin\.ts\(\d+,\d+\): error TS2551: Property 'chanel' does not exist on type .*Did you mean 'channel'\?/);
    expect(cost.errors).toMatch(/mistyped-plugin\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
