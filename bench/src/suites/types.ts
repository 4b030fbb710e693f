import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchOptions, BenchResult } from "../bench-result.js";

// The same measurement as packages/core/src/plugin/type-cost.test.ts (which bounds the
// deterministic instantiation count); here the machine-dependent figures, against issue 18's targets.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../../../packages/core/test-fixtures/type-cost");

export default async function typesSuite(options: BenchOptions): Promise<BenchResult[]> {
  const { typeCheckCost } = (await import(join(fixtures, "measure.mjs"))) as {
    typeCheckCost(file: string): { instantiations: number; memoryKb: number; totalSeconds: number };
  };
  const runs = options.quick ? 1 : 3;
  const costs = Array.from({ length: runs }, () => typeCheckCost(join(fixtures, "plugin.ts")));
  const best = (pick: (c: (typeof costs)[number]) => number) => Math.min(...costs.map(pick));
  const workload = "tsc --noEmit of a 100-line plugin (every trigger kind)";
  const seconds = best((c) => c.totalSeconds);
  const megabytes = best((c) => c.memoryKb) / 1024;
  return [
    { suite: "types", workload, metric: "instantiations", value: costs[0]!.instantiations, unit: "", target: "< 20,000", met: costs[0]!.instantiations < 20_000 },
    { suite: "types", workload, metric: "compiler total time (best)", value: seconds, unit: "s", target: "< 2 s", met: seconds < 2 },
    { suite: "types", workload, metric: "compiler memory (best)", value: megabytes, unit: "MB", target: "< 200 MB", met: megabytes < 200 },
  ];
}
