/** One figure a benchmark measured. */
export interface BenchResult {
  /** The suite (`store`, `webhook`, `dogdata`...). */
  suite: string;
  /** What was run, stated plainly (`get on sqlite, 100,000 keys`). */
  workload: string;
  /** What was measured (`ops/s`, `p99 latency`...). */
  metric: string;
  value: number;
  unit: string;
  /** The target, stated as it reads (`< 10 ms`, `>= 0.6`), and whether it was met. */
  target?: string;
  met?: boolean;
  /** A missed target fails the command (the soak's targets: CI must catch a leak or a lost event). */
  gate?: boolean;
  /** Notes: what dominates, how the ratio was taken. */
  note?: string;
}

export interface BenchOptions {
  /** A short run that only proves the benchmark still works (CI). */
  quick: boolean;
  /** The command line after the suite names, for suites that take flags of their own (`soak --duration 60s`). */
  args: readonly string[];
}

export type BenchSuite = (options: BenchOptions) => Promise<BenchResult[]>;

/** Percentile of a sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Runs `a` and `b` alternately `rounds` times and returns each side's samples, so drift on a shared machine hits both. */
export async function alternate<T>(rounds: number, a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
