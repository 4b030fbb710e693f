import type { TempProject } from "@botyard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "@botyard/core";
import { loadConfig } from "./load-config.js";
import { ConfigError } from "./config-error.js";
import { userProject } from "../test-support/temp-project.js";

const env = { SLACK_APP_TOKEN: "xapp-1-secret-app", SLACK_BOT_TOKEN: "xoxb-secret-bot" };
const header = `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
`;

let project: TempProject;
afterEach(() => project?.remove());

function load(yaml: string, environment: NodeJS.ProcessEnv = env) {
  project = userProject();
  const file = project.write("bots.yaml", yaml);
  return loadConfig(file, environment);
}

function problems(yaml: string, environment: NodeJS.ProcessEnv = env) {
  try {
    load(yaml, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

describe("loadConfig", () => {
  it("interpolates ${VAR} from the environment, remembers the values as secrets, and applies defaults", () => {
    const loaded = load(`${header}bots:\n  - id: hello\n    use: ./hello.js\n    config: { note: "cost $\${5}" }\n`);
    expect(loaded.config.slack).toEqual({ appToken: "xapp-1-secret-app", botToken: "xoxb-secret-bot" });
    expect(loaded.secrets).toEqual(["xapp-1-secret-app", "xoxb-secret-bot"]);
    expect(loaded.config.bots[0]).toMatchObject({ id: "hello", enabled: true, dryRun: false, config: { note: "cost ${5}" } });
    expect(loaded.config.dryRun).toBe(false);
  });

  it("names the file, line and column of a YAML syntax error", () => {
    const error = problems(`${header}bots:\n  - id: a\n    use: [unclosed\n`);
    expect(error.code).toBe(ErrorCodes.CONFIG_SYNTAX);
    expect(error.message).toMatch(/bots\.yaml:\d+:\d+ {2}YAML syntax error/);
  });

  it("names every unset environment variable with the path and line that references it", () => {
    const error = problems(header + "bots: []\n", { SLACK_APP_TOKEN: "xapp-1" });
    expect(error.code).toBe(ErrorCodes.CONFIG_ENV_UNSET);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ path: "slack.botToken", message: "environment variable SLACK_BOT_TOKEN is not set" });
    expect(error.problems[0]!.where).toMatch(/bots\.yaml:3:13$/);
  });

  it("reports schema violations at the line of the offending value, all at once", () => {
    const error = problems(`${header}http:\n  port: eighty\nbots:\n  - id: Bad Id\n    use: ./x.js\n    colour: blue\n  - use: ./y.js\n`);
    const lines = error.problems.map((p) => `${p.where.replace(/^.*bots\.yaml/, "")} ${p.path}: ${p.message}`);
    expect(lines).toEqual([
      ":5:9 http.port: must be integer",
      `:7:9 bots[0].id: must match pattern "^[a-z0-9][a-z0-9_-]{0,62}$"`,
      ":9:5 bots[0].colour: is not a known field (check its spelling)",
      ":10:5 bots[1].id: is required",
    ]);
  });

  it("refuses two bots with the same id, pointing at the second", () => {
    const error = problems(`${header}bots:\n  - id: twin\n    use: ./a.js\n  - id: twin\n    use: ./b.js\n`);
    expect(error.code).toBe(ErrorCodes.DUPLICATE_BOT_ID);
    expect(error.problems[0]!.where).toMatch(/bots\.yaml:7:9$/);
    expect(error.problems[0]!.message).toContain('duplicate bot id "twin"');
  });

  it("checks the store's type against the built-in stores (their settings are checked by the store's package: store/load-store.test.ts)", () => {
    expect(problems(`${header}store: { type: postgres }\nbots: []\n`).problems[0]).toMatchObject({
      path: "store.type",
      message: 'must be one of "sqlite", "redis", "memory"',
    });
  });

  it("says what to do when the file is missing", () => {
    project = userProject();
    const error = (() => {
      try {
        loadConfig(`${project.dir}/nope.yaml`, env);
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(error.message).toContain("file not found");
    expect(error.message).toContain("--config");
  });

  it("refuses a URL that does not parse or has no host, without echoing a value from the environment", () => {
    const error = problems(`${header}  apiUrl: "http://"\nstore: { type: redis, url: \"\${REDIS_URL}\" }\nbots: []\n`, { ...env, REDIS_URL: "redis//:hunter2@cache" });
    expect(error.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(error.problems.map((p) => [p.where.replace(/^.*:(\d+:\d+)$/, "$1"), p.path, p.message])).toEqual([
      ["4:11", "slack.apiUrl", "must be a URL with a host, starting with http:// or https://; it is not a URL"],
      ["5:28", "store.url", "must be a URL with a host, starting with redis:// or rediss://; the value of ${REDIS_URL} is not a URL"],
    ]);
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a duration Node's timers cannot hold (they would fire after 1 ms)", () => {
    const error = problems(`${header}shutdownTimeoutMs: 1e300\nqueue: { leaseMs: 2147483648 }\nbots: []\n`);
    expect(error.problems.map((p) => [p.path, p.message])).toEqual([
      ["shutdownTimeoutMs", "must be <= 2147483647"],
      ["queue.leaseMs", "must be <= 2147483647"],
    ]);
  });
});

