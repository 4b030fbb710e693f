import { Writable } from "node:stream";
import fc from "fast-check";
import { MemoryStore, createSlackClient, silentLogger, type Engine } from "@botyard/core";
import type { TempProject } from "@botyard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { run } from "../cli/run-cli.js";
import { HttpIntake } from "../intake/http-intake.js";
import { bootstrap } from "../runtime/bootstrap.js";
import { userProject } from "../test-support/temp-project.js";
import { loadConfig } from "./load-config.js";

// Property: every field of bots.yaml that ends up in a library (Node's timers and HTTP server,
// URL parsing, croner's patterns and timezones through a plugin's schedule) takes any value a
// person could write, and either the value works there or `botyard validate` refuses it with a
// located, coded problem. Never "unexpected error", never a raw library error at start.

let project: TempProject;
beforeAll(() => {
  project = userProject();
  project.plugin(
    "botyard-plugin-daily",
    `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "daily",
  core: "^1.0.0",
  config: Type.Object({ at: Type.String(), timezone: Type.Optional(Type.String()) }),
  setup(bot, config) { bot.schedule(config.at, config.timezone === undefined ? {} : { timezone: config.timezone }, async () => {}); },
});
`,
  );
});
afterAll(() => project.remove());

const env = { SLACK_APP_TOKEN: "xapp-1-property", SLACK_BOT_TOKEN: "xoxb-property" };
const sink = (into: string[]) => new Writable({ write: (c, _e, done) => (into.push(String(c)), done()) });

// Numbers at and around every limit a library has (timers: 2^31-1 ms; Number.MAX_SAFE_INTEGER).
// Mostly absent (yaml leaves undefined out), so that a config with one odd value is common.
const number = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 30 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.constantFrom(0, -1, 1, 99, 100, 1_023, 1_024, 65_535, 65_536, 2_147_483_647, 2_147_483_648, 2 ** 53, 2 ** 53 + 2, 1e300, 0.5, -0), weight: 2 },
  { arbitrary: fc.double({ noNaN: true }), weight: 1 },
);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", " ", "\u0000", "é", "../x", "C0123ABCD"));
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom("http://", "https://", "http:// x", "https:api", "http://[::1", "https://slack.com/api/", "redis://127.0.0.1:6379", "rediss://:p@h:1/2", "redis//x", "ftp://x", "http://:80"),
  text,
);
const cron = fc.oneof(
  fc.constantFrom("0 10 * * 1-5", "*/30 * * * * *", "0 10 * * 1-9", "61 * * * *", "* * *", "@daily", "0 0 31 2 *", "L * * * *", ""),
  fc.array(fc.constantFrom("*", "0", "59", "1-5", "*/2", "?", "L", "W", "#", "MON", "x", "-1", "99"), { minLength: 1, maxLength: 7 }).map((f) => f.join(" ")),
);
const timezone = fc.oneof(fc.constantFrom("UTC", "utc", "Europe/Paris", "Europe/Pariss", "Asia/Tokyo", "+01:00", "GMT+1", "Etc/GMT-14", "Local", "", "America/New York"), text);
/** Usually a working value, sometimes any: so that most configs have a single odd value at most. */
const mostly = <T, U>(good: fc.Arbitrary<T>, any: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: any, weight: 1 });
const duration = (name: string) => fc.record({ [name]: number });

const config = fc.record(
  {
    slack: fc.record({ appToken: fc.constant("${SLACK_APP_TOKEN}"), botToken: fc.constant("${SLACK_BOT_TOKEN}"), apiUrl: mostly(fc.constant(undefined), url) }, { requiredKeys: ["appToken", "botToken"] }),
    http: fc.record(
      {
        host: fc.constant("127.0.0.1"),
        port: fc.constant(0),
        bodyLimitBytes: number,
        maxHeaderBytes: number,
        maxConnections: number,
        maxInFlight: number,
        maxInFlightPerBot: number,
        headersTimeoutMs: number,
        requestTimeoutMs: number,
        keepAliveTimeoutMs: number,
      },
      { requiredKeys: ["host", "port"] },
    ),
    store: mostly(fc.constant({ type: "memory" }), url.map((u) => ({ type: "redis", url: u }))),
    shutdownTimeoutMs: number,
    startTimeoutMs: number,
    queue: fc.oneof(duration("leaseMs"), duration("deadLetterTtlMs"), fc.record({ concurrency: number })),
    bots: fc.array(
      fc.record({
        id: mostly(fc.constant("daily"), fc.oneof(fc.constantFrom("a_b-1", "Daily", "-x", "a".repeat(64)), text)),
        use: fc.constant("botyard-plugin-daily"),
        config: fc.record({ at: mostly(fc.constantFrom("0 10 * * 1-5", "*/30 * * * * *"), cron), timezone: mostly(fc.constantFrom(undefined, "Europe/Paris"), timezone) }),
      }),
      { minLength: 1, maxLength: 1 },
    ),
  },
  { requiredKeys: ["slack", "http", "bots"] },
);

/** What the host builds from a valid config before it talks to anyone: each must accept its value. */
async function hostTakes(file: string): Promise<void> {
  const loaded = loadConfig(file, env);
  const log = silentLogger();
  const slack = createSlackClient({ token: "xoxb-property", logger: log, ...(loaded.config.slack.apiUrl ? { apiUrl: loaded.config.slack.apiUrl } : {}) });
  if (loaded.config.slack.apiUrl) new URL(loaded.config.slack.apiUrl);
  if (loaded.config.store?.type === "redis") new URL(String(loaded.config.store.url));
  const { engine } = await bootstrap(loaded, { slack, store: new MemoryStore(), log });
  // Next runs are computed here: croner reads the pattern in its timezone.
  expect(engine.status().flatMap((b) => b.triggers).every((t) => t.nextRun === undefined || !Number.isNaN(Date.parse(t.nextRun)))).toBe(true);
  const { http } = loaded.config;
  const server = new HttpIntake({ engine: engine as Engine, log, host: "127.0.0.1", port: 0, ...(http ? { limits: http } : {}), readiness: () => ({ ready: true }) });
  await server.start();
  await server.close();
}

describe("every value bots.yaml passes to a library (property)", () => {
  it("works there, or validate refuses it with a located, coded problem", async () => {
    const outcomes = { valid: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const file = project.write("bots.yaml", stringify(c));
        const out: string[] = [];
        const err: string[] = [];
        const code = await run(["validate", "--config", file], { stdout: sink(out), stderr: sink(err), env });
        const stderr = err.join("");
        expect(stderr).not.toMatch(/unexpected error|\n\s+at .*:\d+:\d+/);
        if (code === 0) {
          outcomes.valid++;
          return hostTakes(file);
        }
        outcomes.refused++;
        expect(code).toBe(1);
        // Each problem: file:line:col, the path in the file, and the code at the end.
        const problems = stderr.split("\n").filter((l) => l.startsWith("  ") && !l.startsWith("      hint:") && !/^\s+\(/.test(l));
        expect(problems.length).toBeGreaterThan(0);
        for (const line of problems) expect(line).toMatch(/bots\.yaml:\d+:\d+ {2}\S/);
        expect(stderr).toMatch(/\(BOTYARD_ERR_[A-Z_]+\)\n$/);
      }),
      { numRuns: 150 },
    );
    // Both sides were explored: values that reached the libraries, and values refused.
    expect(outcomes.valid).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(10);
  }, 120_000);
});
