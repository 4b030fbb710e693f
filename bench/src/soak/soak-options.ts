/** Which runs `pnpm soak` makes, and for how long. */
export interface SoakOptions {
  /** Length of each variant's load, fault timetable included. */
  durationMs: number;
  /** `sqlite`: one host on SQLite. `redis`: two replicas sharing Redis. */
  variants: Array<"sqlite" | "redis">;
}

const DEFAULT_DURATION = "10m";
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * `--duration 60s` (or BOTYARD_SOAK_DURATION=60s; default 10 minutes) and `--replicas 1` (SQLite
 * only) or `--replicas 2` (the two Redis replicas only); by default both variants run, one after
 * the other, each for the whole duration.
 */
export function soakOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  const duration = flag(args, "--duration") ?? env.BOTYARD_SOAK_DURATION ?? DEFAULT_DURATION;
  const replicas = flag(args, "--replicas");
  if (replicas !== undefined && replicas !== "1" && replicas !== "2") {
    throw new Error(`soak: --replicas ${JSON.stringify(replicas)} is not 1 or 2. Use --replicas 1 for one host on SQLite, --replicas 2 for two replicas on Redis, or leave it out for both.`);
  }
  return { durationMs: parseDuration(duration), variants: replicas === "1" ? ["sqlite"] : replicas === "2" ? ["redis"] : ["sqlite", "redis"] };
}

/** `60s`, `10m`, `1.5h`, `500ms`; a bare number is seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? "s"]! : Number.NaN;
  if (!(ms >= 10_000)) throw new Error(`soak: duration ${JSON.stringify(text)} is not a duration of at least 10 s. Give it as --duration 60s, 10m or 1h (or BOTYARD_SOAK_DURATION).`);
  return ms;
}

/** The value of `--name value` or `--name=value`. */
function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1);
  }
  return undefined;
}
