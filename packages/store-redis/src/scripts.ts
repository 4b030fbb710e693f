import { readFileSync } from "node:fs";

// Every operation that reads before it writes runs as one Lua script, which Redis executes
// atomically: no other command runs between its read and its write, on any connection. Keys with a
// TTL expire through Redis's own PX. The scripts live in ./scripts/*.lua, beside this module in
// src/ and in dist/ (the build copies them), each with what its KEYS and ARGV are.

/** Each command `defineCommand` adds: its file, how many of its arguments are keys, and the shared pieces it is run after. */
const COMMANDS = {
  botyardSet: { file: "set", numberOfKeys: 3, after: ["helpers", "write"] },
  botyardSetIfAbsent: { file: "set-if-absent", numberOfKeys: 3, after: ["helpers", "write"] },
  botyardCompareAndSet: { file: "compare-and-set", numberOfKeys: 3, after: ["helpers", "write"] },
  botyardDelete: { file: "delete", numberOfKeys: 3, after: [] },
  botyardList: { file: "list", numberOfKeys: 2, after: [] },
  botyardSweep: { file: "sweep", numberOfKeys: 2, after: ["helpers"] },
  botyardEnqueue: { file: "enqueue", numberOfKeys: 3, after: ["helpers"] },
  botyardClaim: { file: "claim", numberOfKeys: 1, after: ["helpers"] },
  botyardSettle: { file: "settle", numberOfKeys: 1, after: ["helpers"] },
  botyardAcquireLease: { file: "acquire-lease", numberOfKeys: 1, after: [] },
  botyardRenewLease: { file: "renew-lease", numberOfKeys: 1, after: [] },
  botyardReleaseLease: { file: "release-lease", numberOfKeys: 1, after: [] },
} as const;

export type ScriptName = keyof typeof COMMANDS;

/** The files in ./scripts this package loads (the shared pieces and one per command). */
export const SCRIPT_FILES: readonly string[] = [...new Set(Object.values(COMMANDS).flatMap((c) => [...c.after, c.file]))].map((f) => `${f}.lua`);

function read(file: string): string {
  return readFileSync(new URL(`./scripts/${file}.lua`, import.meta.url), "utf8");
}

/** The commands with their Lua source, as ioredis's `defineCommand` takes them. */
export function loadScripts(): Record<ScriptName, { numberOfKeys: number; lua: string }> {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([name, c]) => [name, { numberOfKeys: c.numberOfKeys, lua: [...c.after, c.file].map(read).join("\n") }]),
  ) as Record<ScriptName, { numberOfKeys: number; lua: string }>;
}
